"""nn.init: distributions, in-place semantics, no_grad, generators, torch's gains."""

from __future__ import annotations

import math

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.nn import init


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for nl, p in [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
    ]:
        assert init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl, p))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("foo")


def test_inits_are_in_place_under_no_grad_on_parameters():
    w = eg.nn.Parameter(eg.empty(64, 32))
    for fn in (
        init.uniform_,
        init.normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.trunc_normal_,
        init.orthogonal_,
        init.zeros_,
        init.ones_,
        init.eye_,
        lambda t: init.constant_(t, 0.5),
    ):
        out = fn(w)
        assert out is w and w.requires_grad and w.grad_fn is None


def test_bounds_and_spreads():
    w = eg.empty(400, 300)
    fan_in, fan_out = 300, 400
    a = init.xavier_uniform_(w, gain=2.0).numpy()
    bound = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(a).max() <= bound and np.abs(a).max() > 0.99 * bound
    n = init.xavier_normal_(w).numpy()
    assert n.std() == pytest.approx(math.sqrt(2.0 / (fan_in + fan_out)), rel=0.02)
    k = init.kaiming_uniform_(w, a=math.sqrt(5)).numpy()
    assert np.abs(k).max() <= 1 / math.sqrt(fan_in) + 1e-7
    k = init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu").numpy()
    assert k.std() == pytest.approx(math.sqrt(2.0 / fan_out), rel=0.02)
    t = init.trunc_normal_(w, mean=1.0, std=2.0, a=-1.0, b=2.0).numpy()
    assert t.min() >= -1.0 and t.max() <= 2.0 and t.std() > 0.5
    u = init.uniform_(w, -3, -2).numpy()
    assert u.min() >= -3 and u.max() <= -2
    assert np.all(init.constant_(w, 0.25).numpy() == 0.25)
    e = init.eye_(eg.empty(3, 5)).numpy()
    assert np.array_equal(e, np.eye(3, 5))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(eg.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(w, mode="fan_avg")


def test_conv_fans_use_receptive_field():
    w = eg.empty(16, 8, 3, 3)
    k = init.kaiming_uniform_(w, a=math.sqrt(5)).numpy()
    assert np.abs(k).max() <= 1 / math.sqrt(8 * 9) + 1e-7


def test_orthogonal():
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        q = init.orthogonal_(eg.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        if q.shape[0] <= q.shape[1]:
            np.testing.assert_allclose(q @ q.T, 4 * np.eye(q.shape[0]), atol=1e-5)
        else:
            np.testing.assert_allclose(q.T @ q, 4 * np.eye(q.shape[1]), atol=1e-5)


def test_generator_makes_inits_reproducible():
    a = init.normal_(eg.empty(5), generator=eg.Generator().manual_seed(3))
    b = init.normal_(eg.empty(5), generator=eg.Generator().manual_seed(3))
    assert a.tolist() == b.tolist()
    eg.manual_seed(1)
    l1 = eg.nn.Linear(4, 4)
    eg.manual_seed(1)
    l2 = eg.nn.Linear(4, 4)
    assert l1.weight.tolist() == l2.weight.tolist()


def test_zero_element_tensor_warns():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(eg.empty(0, 3))
