"""The Optimizer base: validation, param groups, zero_grad, state_dict round trips."""

from __future__ import annotations

import re

import numpy as np
import pytest

import eagergrad as eg

from ._problem import FULL_STATE, eg_params, run_eg

ALL = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta"]

INVALID = [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    ("SGD", dict(lr=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("AdamW", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("Adamax", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("NAdam", dict(momentum_decay=-1.0), "Invalid momentum_decay value: -1.0"),
    ("RAdam", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("RMSprop", dict(alpha=-0.5), "Invalid alpha value: -0.5"),
    ("RMSprop", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(lr=-2.0), "Invalid learning rate: -2.0"),
]


@pytest.mark.parametrize("name,kwargs,message", INVALID,
                         ids=[f"{n}-{next(iter(k))}" for n, k, _ in INVALID])
def test_invalid_hyper_parameters_raise_torch_messages(name, kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(eg.optim, name)(eg_params(), **kwargs)


@pytest.mark.torch
@pytest.mark.parametrize("name,kwargs,message", INVALID,
                         ids=[f"{n}-{next(iter(k))}" for n, k, _ in INVALID])
def test_invalid_messages_are_torchs(name, kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)


@pytest.mark.parametrize("name", ALL)
def test_empty_parameter_list_raises(name):
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        getattr(eg.optim, name)([])


def test_bad_params_raise():
    w = eg.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        eg.optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        eg.optim.SGD({w}, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        eg.optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        eg.optim.SGD([w, 3.0], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        eg.optim.SGD([w * 2], lr=0.1)


def test_duplicate_parameters_raise():
    w = eg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="duplicate parameters"):
        eg.optim.Adam([w, w])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        eg.optim.Adam([{"params": [w]}, {"params": [w]}])
    opt = eg.optim.Adam([w])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": w})


def test_param_groups_defaults_and_add_param_group():
    w, b = eg_params()
    opt = eg.optim.SGD([{"params": [w], "lr": 0.5}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "momentum": 0.0})
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.0]
    assert opt.param_groups[1]["params"] == [b]
    assert opt.defaults["lr"] == 0.1
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([b])


def test_named_parameters_are_accepted():
    w, b = eg_params()
    opt = eg.optim.SGD([("w", w), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [w, b]
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_zero_grad_set_to_none_and_to_zero():
    params = eg_params()
    opt = eg.optim.SGD(params, lr=0.1)
    run_eg(eg.optim.SGD, {"lr": 0.1}, 1, params=params, opt=opt)
    from ._problem import eg_loss

    eg_loss(params).backward()
    grads = [p.grad for p in params]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(params, grads):
        assert p.grad is g  # zeroed in place, same tensor
        assert not p.grad.numpy().any()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_repr_lists_groups():
    opt = eg.optim.SGD(eg_params(), lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in text and "params" not in text


def test_lr_may_be_a_one_element_tensor():
    params = eg_params()
    opt = eg.optim.Adam(params, lr=eg.tensor(0.01))
    run_eg(eg.optim.Adam, {}, 2, params=params, opt=opt)
    ref, _ = run_eg(eg.optim.Adam, {"lr": 0.01}, 2)
    np.testing.assert_allclose(params[0].detach().numpy(), ref[0].detach().numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        eg.optim.SGD(eg_params(), lr=eg.tensor([0.1, 0.2]))


@pytest.mark.parametrize("name", ALL)
def test_state_dict_resume_is_bit_for_bit(name):
    cls = getattr(eg.optim, name)
    kwargs = FULL_STATE[name]
    straight, _ = run_eg(cls, kwargs, 20, group_lrs=(0.02, None))

    params, opt = run_eg(cls, kwargs, 10, group_lrs=(0.02, None))
    saved = opt.state_dict()
    # A fresh optimizer (with other hyper-parameters: the loaded groups replace them) on
    # fresh parameter tensors holding the same values, as after a checkpoint round trip.
    fresh = [eg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    resumed = cls([{"params": [fresh[0]]}, {"params": [fresh[1]]}], lr=1.0)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == 0.02
    del opt, saved
    run_eg(cls, {}, 10, params=fresh, opt=resumed)
    for a, b in zip(straight, fresh):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_load_state_dict_copies_the_state():
    params, opt = run_eg(eg.optim.Adam, {"lr": 0.01}, 2)
    other = eg.optim.Adam(params, lr=0.01)
    other.load_state_dict(opt.state_dict())
    mine, theirs = opt.state[params[0]], other.state[params[0]]
    assert mine["exp_avg"] is not theirs["exp_avg"]
    assert mine["step"] is not theirs["step"]
    np.testing.assert_array_equal(mine["exp_avg"].numpy(), theirs["exp_avg"].numpy())
    assert theirs["step"].item() == 2.0 and theirs["step"].dtype == eg.float32


def test_load_state_dict_checks_group_sizes():
    params, opt = run_eg(eg.optim.Adam, {"lr": 0.01}, 1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        eg.optim.Adam([{"params": [params[0]]}, {"params": [params[1]]}]).load_state_dict(
            opt.state_dict()
        )
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        eg.optim.Adam([params[0]]).load_state_dict(opt.state_dict())


def test_adamw_loaded_groups_stay_decoupled():
    params, opt = run_eg(eg.optim.Adam, {"lr": 0.01}, 1)
    adamw = eg.optim.AdamW(params)
    adamw.load_state_dict(opt.state_dict())
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_adagrad_creates_state_eagerly():
    params = eg_params()
    opt = eg.optim.Adagrad(params, initial_accumulator_value=0.5)
    assert set(opt.state_dict()["state"]) == {0, 1}
    assert (opt.state[params[0]]["sum"].numpy() == 0.5).all()


def test_sgd_momentum_buffer_starts_as_the_first_gradient():
    w = eg.tensor([1.0, -2.0], requires_grad=True)
    opt = eg.optim.SGD([w], lr=0.1, momentum=0.9, dampening=0.5)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"].numpy(), [2.0, -4.0])
    np.testing.assert_allclose(w.detach().numpy(), [0.8, -1.6], rtol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_non_finite_gradients_give_nan_silently(name):
    # torch yields inf/nan without a warning; numpy would warn (an error in this suite).
    w = eg.tensor([1.0, 2.0], requires_grad=True)
    opt = getattr(eg.optim, name)([w], **FULL_STATE[name])
    w.grad = eg.tensor([float("inf"), 1.0])
    opt.step()
    opt.step()
    assert not np.isfinite(w.detach().numpy()[0])
