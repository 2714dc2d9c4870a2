"""Learning-rate schedulers: sequences against torch, state_dict resume, validation."""

from __future__ import annotations

import warnings

import pytest

import eagergrad as eg
from eagergrad.optim import lr_scheduler as S

STEPS = 40


def _optimizer(lib, name="SGD", **kwargs):
    """An optimizer of ``lib`` (eagergrad or torch) with two groups of different lrs."""
    params = [lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)]
    kwargs = kwargs or dict(lr=0.1, momentum=0.9)
    return getattr(lib.optim, name)([{"params": [params[0]]},
                                     {"params": [params[1]], "lr": 0.05}], **kwargs)


# Each builder gets the library's lr_scheduler module and an optimizer.
SCHEDULERS = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.95**e),
    "LambdaLR-per-group": lambda L, o: L.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1 / (e + 1)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9),
    "StepLR": lambda L, o: L.StepLR(o, step_size=7, gamma=0.3),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[3, 8, 8, 20], gamma=0.5),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=10),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=4, T_mult=2, eta_min=0.001),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=3, step_size_down=5,
        mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.97),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS),
    "OneCycleLR-three-phase-linear": lambda L, o: L.OneCycleLR(
        o, max_lr=1.0, epochs=4, steps_per_epoch=10, three_phase=True,
        anneal_strategy="linear"),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=12, power=2.0),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=20)],
        milestones=[5]),
    "SequentialLR-three": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=3), L.ExponentialLR(o, gamma=0.9),
            L.StepLR(o, step_size=4)], milestones=[5, 15]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=4), L.ExponentialLR(o, gamma=0.9)]),
}


def _run(lib, lr_scheduler, build, steps=STEPS):
    opt = _optimizer(lib)
    sched = build(lr_scheduler, opt)
    lrs = [sched.get_last_lr()]
    momenta = [opt.param_groups[0]["momentum"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        momenta.append(opt.param_groups[0]["momentum"])
    assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return lrs, momenta


@pytest.mark.torch
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_sequence_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours = _run(eg, S, SCHEDULERS[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own deprecation chatter is not under test
        theirs = _run(torch, torch.optim.lr_scheduler, SCHEDULERS[name])
    assert ours == theirs  # exact: same formulas, same float operations


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_resume(name):
    build = SCHEDULERS[name]
    straight, _ = _run(eg, S, build)

    opt = _optimizer(eg)
    sched = build(S, opt)
    lrs = [sched.get_last_lr()]
    for _ in range(STEPS // 2):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_state

    opt2 = _optimizer(eg)
    sched2 = build(S, opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    for _ in range(STEPS - STEPS // 2):
        opt2.step()
        sched2.step()
        lrs.append(sched2.get_last_lr())
    assert lrs == straight


def test_initial_lr_last_epoch_and_base_lrs():
    opt = _optimizer(eg)
    sched = S.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05]
    assert sched.last_epoch == 0
    sched.step()
    assert sched.last_epoch == 1


def test_resuming_without_initial_lr_raises():
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups"):
        S.StepLR(_optimizer(eg), step_size=2, last_epoch=3)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR",
                                  "CosineAnnealingLR", "LinearLR", "PolynomialLR"])
def test_step_with_epoch_uses_the_closed_form_like_torch(name):
    torch = pytest.importorskip("torch")
    results = []
    for lib, module in ((eg, S), (torch, torch.optim.lr_scheduler)):
        opt = _optimizer(lib)
        sched = SCHEDULERS[name](module, opt)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore" if lib is torch else "error")
            for epoch in (3, 7, 12, 5):
                sched.step(epoch)
                out.append(sched.get_last_lr())
        results.append(out)
    assert results[0] == results[1]


@pytest.mark.torch
def test_reduce_lr_on_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    metrics = [5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3.0001, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    runs = []
    for lib, module in ((eg, S), (torch, torch.optim.lr_scheduler)):
        for kwargs in (dict(patience=2, cooldown=1, factor=0.5, min_lr=[0.01, 0.0]),
                       dict(mode="max", threshold_mode="abs", threshold=0.5, patience=1),
                       dict(patience=0, eps=0.01)):
            opt = _optimizer(lib)
            sched = module.ReduceLROnPlateau(opt, **kwargs)
            out = []
            for m in metrics:
                sched.step(m)
                out.append(sched.get_last_lr())
            runs.append(out)
    assert runs[:3] == runs[3:]


def test_reduce_lr_on_plateau_validation_and_resume():
    opt = _optimizer(eg)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        S.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode median is unknown!"):
        S.ReduceLROnPlateau(opt, mode="median")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        S.ReduceLROnPlateau(opt, min_lr=[0.1])
    sched = S.ReduceLROnPlateau(opt, patience=0)
    sched.step(1.0)
    sched.step(2.0)
    other = S.ReduceLROnPlateau(_optimizer(eg), patience=5)
    other.load_state_dict(sched.state_dict())
    assert other.patience == 0 and other.best == 1.0


def test_validation_messages():
    opt = _optimizer(eg)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        S.StepLR([], step_size=1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        S.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        S.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 3"):
        S.LambdaLR(opt, [lambda e: 1.0] * 3)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        S.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=2)
        for _ in range(3):
            sched.step()
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        S.CyclicLR(opt, base_lr=0.1, max_lr=[1.0])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S.CyclicLR(_optimizer(eg, "Adagrad", lr=0.1), base_lr=0.1, max_lr=1.0)
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        S.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="number of milestones"):
        S.SequentialLR(opt, [S.StepLR(opt, 2)], milestones=[3])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(_optimizer(eg), 2)])


def test_cyclic_lr_cycles_adam_beta1():
    opt = _optimizer(eg, "Adam", lr=0.1)
    sched = S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)
    sched.step()
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.85)


def test_tensor_lr_is_updated_in_place():
    lr = eg.tensor(0.1)
    opt = eg.optim.SGD([eg.zeros(1, requires_grad=True)], lr=lr)
    sched = S.ExponentialLR(opt, gamma=0.5)
    sched.step()
    assert opt.param_groups[0]["lr"] is lr
    assert lr.item() == pytest.approx(0.05)


def test_lambda_state_dict_saves_callable_objects_only():
    class Decay:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, epoch):
            return self.factor**epoch

    opt = _optimizer(eg)
    sched = S.LambdaLR(opt, [Decay(), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"factor": 0.5}, None]
    state["lr_lambdas"][0]["factor"] = 0.25
    sched.load_state_dict(state)
    assert sched.lr_lambdas[0].factor == 0.25
