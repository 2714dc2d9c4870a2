"""Generic op tests driven by tests/op_db: forward vs numpy, gradcheck, gradgradcheck, vs torch."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg

from ._devices import ACCELERATORS
from .op_db import all_ops, float_input_indices, make_arrays

OPS = all_ops()
SAMPLES = [(op, i, s) for op in OPS for i, s in enumerate(op.shapes)]
IDS = [f"{op.name}-{i}" for op, i, _ in SAMPLES]


def _flat(out):
    """Outputs as a flat list of tensors/arrays (tuples and namedtuples are flattened)."""
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [out]


def _to_eg(arrays, requires=(), dtype=None):
    ts = []
    for i, a in enumerate(arrays):
        t = eg.tensor(a)
        if i in requires:
            t.requires_grad_(True)
        ts.append(t)
    return ts


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,idx,sample", SAMPLES, ids=IDS)
def test_forward_matches_numpy(op, idx, sample, dtype):
    if op.ref is None:
        pytest.skip(op.note or "no numpy reference")
    if dtype not in op.dtypes:
        pytest.skip(f"{op.name} not defined for {dtype}")
    arrays = make_arrays(op, sample, dtype, seed=idx)
    got = _flat(op.fn(eg, *_to_eg(arrays)))
    want = _flat(op.ref(np, *[a.copy() for a in arrays]))
    assert len(got) == len(want), f"{op.name}: {len(got)} outputs, reference has {len(want)}"
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert isinstance(g, eg.Tensor), f"{op.name} returned {type(g).__name__}"
        assert tuple(g.shape) == w.shape, f"{op.name}: shape {tuple(g.shape)} != {w.shape}"
        expected_dtype = dtype if w.dtype.kind == "f" else w.dtype.name
        if w.dtype.kind in "iu":
            expected_dtype = g.dtype.name if g.dtype.name.startswith(("int", "uint")) else "int"
        assert g.dtype.name == expected_dtype, f"{op.name}: dtype {g.dtype.name}"
        atol, rtol = (op.atol, op.rtol) if dtype == "float32" else (1e-10, 1e-7)
        np.testing.assert_allclose(g.detach().numpy(), w, atol=atol, rtol=rtol,
                                   err_msg=f"{op.name} sample {idx}")


def _grad_setup(op, idx, sample):
    arrays = make_arrays(op, sample, "float64", seed=idx)
    return _to_eg(arrays, requires=float_input_indices(op, sample))


@pytest.mark.parametrize("op,idx,sample", [s for s in SAMPLES if s[0].differentiable],
                         ids=[i for i, s in zip(IDS, SAMPLES) if s[0].differentiable])
def test_gradcheck(op, idx, sample):
    ts = _grad_setup(op, idx, sample)
    assert eg.autograd.gradcheck(lambda *a: op.fn(eg, *a), ts, fast_mode=op.gradcheck_fast)


DOUBLE = [s for s in SAMPLES if s[0].differentiable and s[0].double_backward]


@pytest.mark.parametrize("op,idx,sample", DOUBLE,
                         ids=[i for i, s in zip(IDS, SAMPLES) if s in DOUBLE])
def test_gradgradcheck(op, idx, sample):
    ts = _grad_setup(op, idx, sample)
    assert eg.autograd.gradgradcheck(lambda *a: op.fn(eg, *a), ts, fast_mode=op.gradcheck_fast)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,idx,sample", SAMPLES, ids=IDS)
def test_matches_torch(op, idx, sample, dtype):
    torch = pytest.importorskip("torch")
    if dtype not in op.dtypes:
        pytest.skip(f"{op.name} not defined for {dtype}")
    arrays = make_arrays(op, sample, dtype, seed=idx)
    req = float_input_indices(op, sample) if op.differentiable else ()
    ours = _to_eg(arrays, requires=req)
    theirs = []
    for i, a in enumerate(arrays):
        t = torch.tensor(a)
        if i in req:
            t.requires_grad_(True)
        theirs.append(t)
    got = _flat(op.fn(eg, *ours))
    want = _flat(op.fn(torch, *theirs))
    assert len(got) == len(want)
    atol = op.torch_atol if dtype == "float32" else 1e-10
    rng = np.random.default_rng(idx + 100)
    loss_ours, loss_theirs = None, None
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape), f"{op.name}: {tuple(g.shape)} vs {tuple(w.shape)}"
        assert g.dtype.name == str(w.dtype).replace("torch.", ""), (
            f"{op.name}: dtype {g.dtype.name} vs torch {w.dtype}"
        )
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), atol=atol, rtol=1e-4,
                                   err_msg=f"{op.name} sample {idx} vs torch")
        if op.differentiable and g.requires_grad and w.requires_grad:
            up = rng.standard_normal(tuple(g.shape)).astype(dtype)
            lo = (g * eg.tensor(up)).sum()
            lt = (w * torch.tensor(up)).sum()
            loss_ours = lo if loss_ours is None else loss_ours + lo
            loss_theirs = lt if loss_theirs is None else loss_theirs + lt
    if loss_ours is None:
        return
    loss_ours.backward()
    loss_theirs.backward()
    for i in req:
        go, gt = ours[i].grad, theirs[i].grad
        if gt is None:
            assert go is None or np.allclose(go.numpy(), 0), f"{op.name}: grad {i} should be None"
            continue
        assert go is not None, f"{op.name}: no gradient for input {i}"
        assert go.dtype.name == str(gt.dtype).replace("torch.", "")
        np.testing.assert_allclose(go.numpy(), gt.numpy(), atol=max(atol, 1e-4 if dtype ==
                                   "float32" else 1e-9), rtol=1e-3,
                                   err_msg=f"{op.name} grad of input {i} vs torch")


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("op,idx,sample", SAMPLES, ids=IDS)
def test_device_matches_cpu(op, idx, sample, device):
    """Every op on cuda gives the cpu result, values and gradients (numpy vs cupy corners).

    ``fakecuda`` (tests/_fake_cupy.py) runs everywhere: its arrays refuse to mix with numpy's,
    as cupy's do, so host/device slips show up without a GPU.
    """
    arrays = make_arrays(op, sample, "float64", seed=idx)
    req = float_input_indices(op, sample) if op.differentiable else ()
    results = {}
    for dev in ("cpu", device):
        ts = [eg.tensor(a, device=dev) for a in arrays]
        for i in req:
            ts[i].requires_grad_(True)
        outs = _flat(op.fn(eg, *ts))
        loss = None
        for o in outs:
            if o.requires_grad:
                term = (o * eg.ones_like(o).mul(0.5)).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
        results[dev] = ([o.detach().cpu().numpy() for o in outs],
                        [ts[i].grad.cpu().numpy() if ts[i].grad is not None else None
                         for i in req])
    for a, b in zip(results["cpu"][0], results[device][0]):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-9, err_msg=f"{op.name} values")
    for a, b in zip(results["cpu"][1], results[device][1]):
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-9, err_msg=f"{op.name} grads")
