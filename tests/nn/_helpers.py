"""Helpers for comparing eagergrad modules and functions with torch."""

from __future__ import annotations

import numpy as np

import eagergrad as eg


def to_eg(t, requires_grad=False):
    """A torch tensor as an eagergrad tensor (same dtype)."""
    return eg.tensor(t.detach().cpu().numpy().copy(), requires_grad=requires_grad)


def copy_state(tmod, emod, strict=True):
    """Loads torch module ``tmod``'s state dict into eagergrad module ``emod``."""
    return emod.load_state_dict({k: to_eg(v) for k, v in tmod.state_dict().items()}, strict=strict)


def assert_close(e, t, atol=1e-5, rtol=1e-5, msg=""):
    e = e.detach().numpy() if isinstance(e, eg.Tensor) else np.asarray(e)
    t = t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)
    assert e.shape == t.shape, f"{msg}: shape {e.shape} != {t.shape}"
    np.testing.assert_allclose(e, t, atol=atol, rtol=rtol, err_msg=msg)


def compare_module(torch, tmod, emod, inputs, train=True, atol=1e-5, rtol=1e-5, seed=0):
    """Runs both modules on ``inputs`` (numpy arrays), backpropagates the same random upstream
    gradient, and compares outputs, input gradients, parameter gradients and buffers."""
    copy_state(tmod, emod)
    tmod.train(train)
    emod.train(train)
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    e_in = [eg.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    t_out = tmod(*t_in)
    e_out = emod(*e_in)
    if isinstance(t_out, tuple):
        t_out, e_out = t_out[0], e_out[0]
    assert_close(e_out, t_out, atol, rtol, "output")
    g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(inputs[0].dtype)
    t_out.backward(torch.tensor(g))
    e_out.backward(eg.tensor(g))
    for i, (a, b) in enumerate(zip(e_in, t_in)):
        if b.grad is not None:
            assert_close(a.grad, b.grad, atol, rtol, f"grad of input {i}")
    t_params = dict(tmod.named_parameters())
    for name, p in emod.named_parameters():
        tp = t_params[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            assert_close(p.grad, tp.grad, atol, rtol, f"grad of {name}")
    t_bufs = dict(tmod.named_buffers())
    for name, b in emod.named_buffers():
        assert_close(b, t_bufs[name], atol, rtol, f"buffer {name}")
    return e_out, t_out
