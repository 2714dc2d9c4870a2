"""A torch training loop ported unchanged: eg.nn model, optimizer, scheduler, clipping."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg


def _train(lib, state, x, y, steps=15):
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 2))
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    opt = lib.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
    sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    x, y = lib.tensor(x), lib.tensor(y)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = lib.nn.functional.mse_loss(model(x), y)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses, {k: v.detach().numpy() for k, v in model.state_dict().items()}


@pytest.mark.torch
def test_training_loop_matches_torch():
    torch = pytest.importorskip("torch")
    if not hasattr(eg.nn, "Sequential") or not hasattr(eg.nn, "Linear"):
        pytest.skip("eg.nn is not available yet")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = rng.standard_normal((32, 2)).astype(np.float32)
    state = {
        "0.weight": rng.standard_normal((8, 4)).astype(np.float32) * 0.5,
        "0.bias": rng.standard_normal(8).astype(np.float32) * 0.1,
        "2.weight": rng.standard_normal((2, 8)).astype(np.float32) * 0.5,
        "2.bias": rng.standard_normal(2).astype(np.float32) * 0.1,
    }
    ours, our_state = _train(eg, state, x, y)
    theirs, their_state = _train(torch, state, x, y)
    assert ours[-1] < ours[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    for key in state:
        np.testing.assert_allclose(our_state[key], their_state[key], rtol=1e-4, atol=1e-5)
