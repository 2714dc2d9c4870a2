"""eg.jit.trace_step: traced training steps equal eager ones (losses, gradients, parameters)."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.jit  # noqa: F401 - registers eg.jit

nn = eg.nn
F = nn.functional


def _mlp():
    return nn.Sequential(
        nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 5)
    )


def _cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3),
        nn.GELU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(6 * 1 * 1, 3),
    )


def _pair(make, opt_cls, **kw):
    eg.manual_seed(1)
    m1 = make()
    eg.manual_seed(1)
    m2 = make()
    return (m1, opt_cls(m1.parameters(), **kw)), (m2, opt_cls(m2.parameters(), **kw))


def _batches(shape, classes, n, seed=0):
    rng = np.random.default_rng(seed)
    return [
        (
            eg.tensor(rng.standard_normal(shape).astype(np.float32)),
            eg.tensor(rng.integers(0, classes, shape[0])),
        )
        for _ in range(n)
    ]


def _assert_same(m1, m2):
    for (name, p), q in zip(m1.named_parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=name)
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy(), err_msg=name)


@pytest.mark.parametrize(
    "make, shape, opt_cls, kw",
    [
        (_mlp, (16, 20), eg.optim.SGD, dict(lr=0.1, momentum=0.9)),
        (_mlp, (16, 20), eg.optim.Adam, dict(lr=1e-2)),
        (_cnn, (8, 1, 8, 8), eg.optim.SGD, dict(lr=0.05)),
        (_cnn, (8, 1, 8, 8), eg.optim.AdamW, dict(lr=1e-2)),
    ],
)
def test_traced_step_equals_eager_step(make, shape, opt_cls, kw):
    (m1, o1), (m2, o2) = _pair(make, opt_cls, **kw)
    batches = _batches(shape, 5 if make is _mlp else 3, 4)
    step = eg.jit.trace_step(m2, F.cross_entropy, o2, batches[0])
    for x, y in batches:
        o1.zero_grad()
        loss1 = F.cross_entropy(m1(x), y)
        loss1.backward()
        o1.step()
        loss2 = step(x, y)
        assert loss1.item() == loss2.item()
        _assert_same(m1, m2)


def test_loss_module_and_scheduler_changes_are_seen():
    (m1, o1), (m2, o2) = _pair(_mlp, eg.optim.SGD, lr=0.1)
    s1 = eg.optim.lr_scheduler.StepLR(o1, step_size=1, gamma=0.5)
    s2 = eg.optim.lr_scheduler.StepLR(o2, step_size=1, gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()
    batches = _batches((16, 20), 5, 3, seed=3)
    step = eg.jit.trace_step(m2, loss_fn, o2, batches[0])
    for x, y in batches:
        o1.zero_grad()
        loss_fn(m1(x), y).backward()
        o1.step()
        s1.step()
        step(x, y)
        s2.step()
        _assert_same(m1, m2)


def test_tracing_does_not_update_parameters():
    model = _mlp()
    before = [p.detach().numpy().copy() for p in model.parameters()]
    opt = eg.optim.SGD(model.parameters(), lr=1.0)
    eg.jit.trace_step(model, F.cross_entropy, opt, _batches((4, 20), 5, 1)[0])
    for b, p in zip(before, model.parameters()):
        np.testing.assert_array_equal(b, p.detach().numpy())


def test_smaller_last_batch_raises_or_retraces():
    model = _mlp()
    opt = eg.optim.SGD(model.parameters(), lr=0.1)
    full, last = _batches((8, 20), 5, 1)[0], _batches((3, 20), 5, 1)[0]
    step = eg.jit.trace_step(model, F.cross_entropy, opt, full)
    with pytest.raises(RuntimeError, match=r"traced with shape \[8, 20\]"):
        step(*last)
    step = eg.jit.trace_step(model, F.cross_entropy, opt, full, strict=False)
    assert np.isfinite(step(*last).item())


def test_example_batch_needs_a_target():
    model = _mlp()
    opt = eg.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"\(inputs..., target\)"):
        eg.jit.trace_step(model, F.cross_entropy, opt, (eg.randn(2, 20),))


def test_traced_submodule_inside_a_traced_step_is_inlined():
    (m1, o1), (m2, _) = _pair(_mlp, eg.optim.SGD, lr=0.1)
    batches = _batches((16, 20), 5, 3, seed=5)
    layers = list(m2.children())
    layers[0] = eg.jit.trace(layers[0], (batches[0][0],))  # a traced layer inside the model
    m3 = nn.Sequential(*layers)
    o3 = eg.optim.SGD(m3.parameters(), lr=0.1)
    step = eg.jit.trace_step(m3, F.cross_entropy, o3, batches[0])
    for x, y in batches:
        o1.zero_grad()
        loss1 = F.cross_entropy(m1(x), y)
        loss1.backward()
        o1.step()
        assert step(x, y).item() == loss1.item()
    for p, q in zip(m1.parameters(), m3.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
