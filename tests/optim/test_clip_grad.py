"""eg.nn.utils gradient clipping against torch.nn.utils."""

from __future__ import annotations

import math

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)

_rng = np.random.default_rng(3)
GRADS = [_rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (5,), (2, 2, 2)]]


def _eg_params(grads=GRADS, device="cpu"):
    params = []
    for g in grads:
        p = eg.zeros(*g.shape, device=device, requires_grad=True)
        p.grad = eg.tensor(g.copy(), device=device)
        params.append(p)
    return params


def _torch_params(torch, grads=GRADS):
    params = []
    for g in grads:
        p = torch.zeros(g.shape, requires_grad=True)
        p.grad = torch.tensor(g.copy())
        params.append(p)
    return params


@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, 3.5, "inf", 0, -math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1000.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    ours, theirs = _eg_params(), _torch_params(torch)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, eg.Tensor) and total.shape == () and total.dtype == eg.float32
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-6)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_scales_to_max_norm_and_keeps_small_grads():
    params = _eg_params()
    before = [p.grad for p in params]
    clip_grad_norm_(params, 1.0)
    assert all(p.grad is g for p, g in zip(params, before))  # in place
    assert get_total_norm([p.grad for p in params]).item() == pytest.approx(1.0, rel=1e-5)
    small = _eg_params()
    clip_grad_norm_(small, 1e6)
    for p, g in zip(small, GRADS):
        np.testing.assert_array_equal(p.grad.numpy(), g)


def test_single_tensor_and_missing_grads():
    w = eg.tensor([3.0, 4.0], requires_grad=True)
    w.grad = eg.tensor([3.0, 4.0])
    no_grad = eg.zeros(2, requires_grad=True)
    assert clip_grad_norm_(w, 10.0).item() == pytest.approx(5.0)
    total = clip_grad_norm_([no_grad], 1.0)
    assert total.item() == 0.0 and no_grad.grad is None


@pytest.mark.torch
@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_error_if_nonfinite(bad):
    torch = pytest.importorskip("torch")
    grads = [g.copy() for g in GRADS]
    grads[1][2] = bad
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped") as ours:
        clip_grad_norm_(_eg_params(grads), 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.clip_grad_norm_(_torch_params(torch, grads), 1.0,
                                       error_if_nonfinite=True)
    assert str(ours.value) == str(theirs.value)
    total = clip_grad_norm_(_eg_params(grads), 1.0)  # no error by default
    assert not math.isfinite(total.item())


@pytest.mark.torch
def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _eg_params(), _torch_params(torch)
    clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert max(abs(p.grad.numpy()).max() for p in ours) == 0.5


def test_get_total_norm_and_clip_grads_with_norm_compose():
    params = _eg_params()
    total = get_total_norm([p.grad for p in params], norm_type=2)
    expected = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in GRADS))
    assert total.item() == pytest.approx(expected, rel=1e-6)
    clip_grads_with_norm_(params, 1.0, total)
    assert get_total_norm([p.grad for p in params]).item() == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_deprecated_alias_warns():
    from eagergrad.nn.utils import clip_grad_norm

    with pytest.warns(FutureWarning, match="deprecated"):
        clip_grad_norm(_eg_params(), 1.0)


def test_clipping_on_device(device):
    params = _eg_params(device=device)
    total = clip_grad_norm_(params, 1.0, norm_type=math.inf)
    assert total.device == eg.device(device)
    clip_grad_value_(params, 0.1)
    ref = _eg_params()
    clip_grad_norm_(ref, 1.0, norm_type=math.inf)
    clip_grad_value_(ref, 0.1)
    for p, q in zip(params, ref):
        np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.numpy(), rtol=1e-6)
