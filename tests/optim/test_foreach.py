"""Batched (foreach) optimizer updates give the bits of one-by-one updates.

NOTE [Batched updates (foreach)] in optim/optimizer.py: small parameters of a group are updated
together on their concatenation. Every elementwise update must then produce exactly the
per-parameter result, keep its state as views of one flat buffer, survive state_dict round
trips, and fall back to one-by-one updates where parameters differ (step counts, dtypes).
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import eagergrad as eg

from .._devices import ACCELERATORS

nn = eg.nn
O = eg.optim

CONFIGS = [
    (O.SGD, dict(lr=0.05)),
    (O.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (O.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    (O.Adam, dict(lr=0.01)),
    (O.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    (O.AdamW, dict(lr=0.01, amsgrad=True)),
    (O.RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    (O.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    (O.Adadelta, dict(lr=1.0, weight_decay=0.01)),
    (O.Adamax, dict(lr=0.01)),
    (O.NAdam, dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
    (O.RAdam, dict(lr=0.01)),
]
IDS = [f"{c.__name__}-{i}" for i, (c, _) in enumerate(CONFIGS)]


class _Net(nn.Module):
    """Small and large parameters, and a non-contiguous leaf."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 8)
        self.norm = nn.LayerNorm(8)
        self.big = nn.Linear(8, 4200)  # past the cpu's default batch size
        self.t = nn.Parameter(eg.randn(3, 4200).t())  # a transposed (strided) leaf

    def forward(self, x):
        h = self.norm(self.a(x)).tanh()
        return (self.big(h) @ self.t).tanh()


def _train(cls, kwargs, foreach, steps, device="cpu", model=None, opt=None, skip=None):
    if model is None:
        eg.manual_seed(0)
        model = _Net().to(device)
        opt = cls(model.parameters(), foreach=foreach, **kwargs)
    x = eg.randn(5, 6, generator=eg.Generator().manual_seed(1)).to(device)
    for i in range(steps):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        if skip is not None and i == 0:
            skip(model).grad = None  # this parameter's step count falls behind the others
        opt.step()
    return model, opt


def _params(model):
    return [p.detach().cpu().numpy().copy() for p in model.parameters()]


def _states(opt, model):
    out = []
    for p in model.parameters():
        state = opt.state.get(p, {})
        for k in sorted(state):
            v = state[k]
            out.append(v.detach().cpu().numpy().copy() if isinstance(v, eg.Tensor) else v)
    return out


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert np.array_equal(x, y), "batched and one-by-one updates differ"


@pytest.mark.parametrize("device", ["cpu", *ACCELERATORS])
@pytest.mark.parametrize("foreach", [None, True])
@pytest.mark.parametrize("cls,kwargs", CONFIGS, ids=IDS)
def test_batched_updates_are_bitwise_the_one_by_one_ones(cls, kwargs, foreach, device):
    one, opt1 = _train(cls, kwargs, False, 4, device)
    batched, opt2 = _train(cls, kwargs, foreach, 4, device)
    _assert_same(_params(one), _params(batched))
    _assert_same(_states(opt1, one), _states(opt2, batched))


@pytest.mark.parametrize("cls,kwargs", CONFIGS[3:5], ids=IDS[3:5])
def test_state_is_views_of_one_flat_buffer_reused_across_steps(cls, kwargs):
    model, opt = _train(cls, kwargs, None, 1)
    limit = cls._batch_numel[0]
    small = [p for p in model.parameters() if p.numel() <= limit]
    bases = {id(opt.state[p]["exp_avg"]._data.base) for p in small}
    assert len(small) >= 3 and len(bases) == 1  # one flat buffer behind the small ones
    before = opt.state[small[0]]["exp_avg"]._data.base
    _train(cls, kwargs, None, 1, model=model, opt=opt)
    assert opt.state[small[0]]["exp_avg"]._data.base is before  # reused, not concatenated
    big = next(p for p in model.parameters() if p.numel() > limit)
    assert opt.state[big]["exp_avg"]._data.base is None  # the default keeps big ones apart


@pytest.mark.parametrize("cls,kwargs", CONFIGS, ids=IDS)
def test_state_dict_round_trip_resumes_bitwise(cls, kwargs):
    straight, _ = _train(cls, kwargs, None, 4)
    model, opt = _train(cls, kwargs, None, 2)
    buf = io.BytesIO()
    eg.save(opt.state_dict(), buf)
    buf.seek(0)
    fresh = cls(model.parameters(), foreach=None, **kwargs)
    fresh.load_state_dict(eg.load(buf))  # new, separate state tensors: concatenated again
    _train(cls, kwargs, None, 2, model=model, opt=fresh)
    _assert_same(_params(straight), _params(model))


@pytest.mark.parametrize("cls,kwargs", [CONFIGS[1], CONFIGS[4]], ids=[IDS[1], IDS[4]])
def test_parameters_whose_steps_differ_are_not_batched_together(cls, kwargs):
    def skip(m):
        return m.a.bias

    one, _ = _train(cls, kwargs, False, 3, skip=skip)
    batched, _ = _train(cls, kwargs, True, 3, skip=skip)
    _assert_same(_params(one), _params(batched))


def test_groups_keep_their_own_options():
    results = []
    for foreach in (False, None):
        eg.manual_seed(0)
        model = _Net()
        opt = O.Adam([{"params": model.a.parameters(), "lr": 0.1},
                      {"params": model.norm.parameters(), "weight_decay": 0.5}], lr=0.01,
                     foreach=foreach)
        _train(None, None, None, 3, model=model, opt=opt)
        results.append(_params(model))
    _assert_same(*results)


@pytest.mark.parametrize("cls,kwargs", CONFIGS, ids=IDS)
def test_zero_dim_parameters_batch_like_the_others(cls, kwargs):
    """0-d parameters' state is 0-d too, like a step counter, but it is per-parameter state."""
    if int(np.__version__.split(".")[0]) < 2:
        pytest.skip("numpy 1.x does 0-d float32 arithmetic with Python floats in float64 "
                    "(value-based casting), so one-by-one 0-d updates round differently there")
    results = []
    for foreach in (False, True):
        eg.manual_seed(0)
        ps = [eg.tensor(v, requires_grad=True) for v in (0.5, -1.5, 2.0)]
        opt = cls(ps, foreach=foreach, **kwargs)
        for _ in range(3):
            opt.zero_grad()
            (ps[0] * ps[1] + ps[2] ** 2).backward()
            opt.step()
        results.append([p.detach().numpy().copy() for p in ps])
    _assert_same(*results)
