"""LBFGS against torch.optim.LBFGS on a convex least-squares problem."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg

from ._problem import X, Y, eg_params, torch_params

CONFIGS = [
    dict(max_iter=5),
    dict(lr=0.5, history_size=3, max_iter=7),
    dict(line_search_fn="strong_wolfe", max_iter=5),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=5),
]


def _eg_run(kwargs, steps, params=None, opt=None):
    params = eg_params() if params is None else params
    opt = eg.optim.LBFGS(params, **kwargs) if opt is None else opt

    def closure():
        opt.zero_grad()
        w, b = params
        d = eg.tensor(X) @ w + b - eg.tensor(Y)
        loss = (d * d).sum() * (1.0 / d.numel())
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(steps)]
    return params, opt, losses


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    params, opt, losses = _eg_run(kwargs, 2)
    tparams = torch_params(torch)
    topt = torch.optim.LBFGS(tparams, **kwargs)

    def closure():
        topt.zero_grad()
        w, b = tparams
        d = torch.tensor(X) @ w + b - torch.tensor(Y)
        loss = (d * d).sum() * (1.0 / d.numel())
        loss.backward()
        return loss

    tlosses = [topt.step(closure).item() for _ in range(2)]
    np.testing.assert_allclose(losses, tlosses, rtol=1e-6)
    for a, b in zip(params, tparams):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)
    state, tstate = opt.state[params[0]], topt.state[tparams[0]]
    assert state["func_evals"] == tstate["func_evals"]
    assert state["n_iter"] == tstate["n_iter"]
    assert len(state["old_dirs"]) == len(tstate["old_dirs"])


def test_converges_on_a_quadratic():
    w = eg.tensor([1.0, -2.0, 0.5], requires_grad=True)
    target = eg.tensor([3.0, 0.5, -1.0])
    opt = eg.optim.LBFGS([w], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        d = w - target
        loss = (d * d).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), target.numpy(), atol=1e-5)


def test_state_dict_resume_is_bit_for_bit():
    kwargs = dict(line_search_fn="strong_wolfe", max_iter=3, history_size=4)
    straight, _, _ = _eg_run(kwargs, 4)
    params, opt, _ = _eg_run(kwargs, 2)
    saved = opt.state_dict()
    assert all(isinstance(t, eg.Tensor) for t in saved["state"][0]["old_dirs"])
    fresh = [eg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    resumed = eg.optim.LBFGS(fresh, **kwargs)
    resumed.load_state_dict(saved)
    _eg_run(kwargs, 2, params=fresh, opt=resumed)
    for a, b in zip(straight, fresh):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_validation():
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        eg.optim.LBFGS(eg_params(), lr=-1)
    w, b = eg_params()
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        eg.optim.LBFGS([{"params": [w]}, {"params": [b]}])
    opt = eg.optim.LBFGS([w], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
