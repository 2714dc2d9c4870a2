"""Each optimizer, over several hyper-parameter combinations, against torch.optim."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg

from ._problem import B0, W0, eg_loss, eg_params, run_eg, run_torch

STEPS = 20

# (optimizer name, kwargs); each runs STEPS steps on the same problem in eagergrad and torch.
CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-6)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0, maximize=True)),
]


def _ids(config):
    name, kwargs = config
    return name + "-" + ",".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.torch
@pytest.mark.parametrize("config", CONFIGS, ids=[_ids(c) for c in CONFIGS])
def test_matches_torch(config):
    torch = pytest.importorskip("torch")
    name, kwargs = config
    ours, _ = run_eg(getattr(eg.optim, name), kwargs, STEPS)
    theirs, _ = run_torch(torch, getattr(torch.optim, name), kwargs, STEPS)
    for a, b, start in zip(ours, theirs, (W0, B0)):
        expected = b.detach().numpy()
        assert not np.allclose(expected, start), "the problem must move the parameters"
        np.testing.assert_allclose(a.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_with_different_lrs_match_torch(name):
    torch = pytest.importorskip("torch")
    kwargs = dict(lr=0.01, momentum=0.5) if name != "Adam" else dict(lr=0.01)
    ours, opt = run_eg(getattr(eg.optim, name), kwargs, STEPS, group_lrs=(0.03, None))
    theirs, _ = run_torch(torch, getattr(torch.optim, name), kwargs, STEPS, group_lrs=(0.03, None))
    assert [g["lr"] for g in opt.param_groups] == [0.03, 0.01]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "NAdam", "RMSprop"])
def test_state_dict_layout_matches_torch(name):
    torch = pytest.importorskip("torch")
    kwargs = dict(lr=0.1, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.1)
    _, opt = run_eg(getattr(eg.optim, name), kwargs, 2, group_lrs=(0.5, None))
    _, topt = run_torch(torch, getattr(torch.optim, name), kwargs, 2, group_lrs=(0.5, None))
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    assert list(sd["state"]) == list(tsd["state"])
    for i, tstate in tsd["state"].items():
        assert list(sd["state"][i]) == list(tstate)
        for key, tvalue in tstate.items():
            value = sd["state"][i][key]
            assert isinstance(value, eg.Tensor)
            assert value.shape == tuple(tvalue.shape)
            assert value.dtype.name == str(tvalue.dtype).replace("torch.", "")
            np.testing.assert_allclose(value.numpy(), tvalue.numpy(), rtol=1e-5, atol=1e-6)


def test_updates_run_in_place_on_the_parameter_storage():
    params = eg_params()
    storages = [p._data for p in params]
    opt = eg.optim.Adam(params, lr=0.1)
    eg_loss(params).backward()
    opt.step()
    assert all(p._data is s for p, s in zip(params, storages))
    assert not np.array_equal(params[0].detach().numpy(), W0)


def test_step_builds_no_graph_and_bumps_the_version():
    params = eg_params()
    opt = eg.optim.SGD(params, lr=0.1, momentum=0.9)
    eg_loss(params).backward()
    version = params[0]._version
    opt.step()
    assert params[0].grad_fn is None and params[0].is_leaf
    assert params[0]._version == version + 1
    state = opt.state[params[0]]["momentum_buffer"]
    assert not state.requires_grad


def test_parameters_without_grad_are_skipped_and_get_no_state():
    w = eg.tensor([1.0, 2.0], requires_grad=True)
    frozen = eg.tensor([3.0], requires_grad=True)
    opt = eg.optim.Adam([w, frozen], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert frozen not in opt.state
    assert frozen.tolist() == [3.0]
    assert list(opt.state_dict()["state"]) == [0]


def test_step_returns_the_closure_loss_and_runs_it_with_grad():
    params = eg_params()
    opt = eg.optim.SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = eg_loss(params)
        loss.backward()
        return loss

    with eg.no_grad():
        loss = opt.step(closure)
    assert isinstance(loss, eg.Tensor)
    assert opt.step() is None


def test_float64_parameters_keep_their_dtype():
    w = eg.tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = eg.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.dtype == eg.float64
    assert opt.state[w]["exp_avg"].dtype == eg.float64


def test_updates_on_device(device):
    w = eg.tensor([1.0, -2.0], device=device, requires_grad=True)
    opt = eg.optim.AdamW([w], lr=0.1, amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert w.device == eg.device(device)
    assert opt.state[w]["exp_avg"].device == eg.device(device)
    assert opt.state[w]["step"].device == eg.device("cpu")
    cpu = eg.tensor([1.0, -2.0], requires_grad=True)
    ref = eg.optim.AdamW([cpu], lr=0.1, amsgrad=True)
    for _ in range(3):
        ref.zero_grad()
        (cpu * cpu).sum().backward()
        ref.step()
    np.testing.assert_allclose(w.cpu().detach().numpy(), cpu.detach().numpy(), rtol=1e-6)
