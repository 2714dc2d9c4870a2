"""Optimizer and scheduler state through eg.save / eg.load resumes training bit for bit."""

from __future__ import annotations

import io

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.optim import lr_scheduler as S

from ._problem import FULL_STATE, eg_loss, eg_params


def _round_trip(obj):
    buf = io.BytesIO()
    eg.save(obj, buf)
    buf.seek(0)
    return eg.load(buf)


def _train(params, opt, sched, steps):
    for _ in range(steps):
        opt.zero_grad()
        eg_loss(params).backward()
        opt.step()
        sched.step()


def _build(name, params):
    opt = getattr(eg.optim, name)([{"params": [params[0]], "lr": 0.02}, {"params": [params[1]]}],
                                  **FULL_STATE[name])
    sched = S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.5, total_iters=4),
                                 S.MultiStepLR(opt, milestones=[3, 6], gamma=0.5)],
                           milestones=[4])
    return opt, sched


@pytest.mark.parametrize("name", ["SGD", "Adam", "NAdam", "RMSprop", "Adagrad"])
def test_checkpoint_resume_is_bit_for_bit(name):
    straight = eg_params()
    opt, sched = _build(name, straight)
    _train(straight, opt, sched, 16)

    params = eg_params()
    opt, sched = _build(name, params)
    _train(params, opt, sched, 8)
    checkpoint = _round_trip({
        "params": [p.detach() for p in params],
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
    })
    del opt, sched, params

    fresh = [eg.tensor(p.numpy().copy(), requires_grad=True) for p in checkpoint["params"]]
    opt, sched = _build(name, fresh)
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    _train(fresh, opt, sched, 8)
    for a, b in zip(straight, fresh):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
