"""Loss modules against torch (values and gradients), reprs and buffers."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
from eagergrad import nn

from ._helpers import assert_close

torch = pytest.importorskip("torch")
rng = np.random.default_rng(0)

W = rng.uniform(0.5, 2.0, 4).astype(np.float32)

CASES = [
    ("MSELoss", {}, "reg"),
    ("L1Loss", {"reduction": "sum"}, "reg"),
    ("SmoothL1Loss", {"beta": 0.5}, "reg"),
    ("HuberLoss", {"delta": 0.7}, "reg"),
    ("CrossEntropyLoss", {}, "cls"),
    ("CrossEntropyLoss", {"weight": W, "ignore_index": 1, "label_smoothing": 0.1}, "cls"),
    ("CrossEntropyLoss", {"reduction": "none"}, "cls"),
    ("CrossEntropyLoss", {"label_smoothing": 0.2}, "probs"),
    ("NLLLoss", {"weight": W}, "logp"),
    ("BCELoss", {}, "prob"),
    ("BCEWithLogitsLoss", {"pos_weight": W}, "logit"),
    ("KLDivLoss", {"reduction": "batchmean"}, "kl"),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}, "klt"),
]


def _data(kind):
    x = rng.standard_normal((5, 4)).astype(np.float32)
    if kind == "reg":
        return x * 2, rng.standard_normal((5, 4)).astype(np.float32)
    if kind in ("cls", "logp"):
        t = np.array([0, 1, 3, 2, 1])
        if kind == "logp":
            x = x - np.log(np.exp(x).sum(1, keepdims=True))
        return x, t
    if kind == "probs":
        return x, rng.dirichlet(np.ones(4), 5).astype(np.float32)
    if kind == "prob":
        return rng.uniform(0.05, 0.95, (5, 4)).astype(np.float32), rng.uniform(0, 1, (5, 4)).astype(
            np.float32
        )
    if kind == "logit":
        return x * 3, (rng.uniform(size=(5, 4)) > 0.5).astype(np.float32)
    if kind == "kl":
        return np.log(rng.dirichlet(np.ones(4), 5)).astype(np.float32), rng.dirichlet(
            np.ones(4), 5
        ).astype(np.float32)
    return x, rng.standard_normal((5, 4)).astype(np.float32)


@pytest.mark.parametrize("name,kw,kind", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_loss_module_matches_torch(name, kw, kind):
    x, t = _data(kind)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    ekw = {k: eg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    tl, el = getattr(torch.nn, name)(**tkw), getattr(nn, name)(**ekw)
    assert repr(tl) == repr(el)
    assert [n for n, _ in tl.named_buffers()] == [n for n, _ in el.named_buffers()]
    tx, ex = torch.tensor(x, requires_grad=True), eg.tensor(x, requires_grad=True)
    tv, ev = tl(tx, torch.tensor(t)), el(ex, eg.tensor(t))
    assert_close(ev, tv, 1e-5, 1e-5, "value")
    g = rng.standard_normal(tuple(tv.shape)).astype(np.float32)
    tv.backward(torch.tensor(g))
    ev.backward(eg.tensor(g))
    assert_close(ex.grad, tx.grad, 1e-5, 1e-5, "grad")


def test_cosine_embedding_loss_module():
    a = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal((4, 3)).astype(np.float32)
    y = np.array([1, -1, 1, -1])
    tv = torch.nn.CosineEmbeddingLoss(0.2)(torch.tensor(a), torch.tensor(b), torch.tensor(y))
    ev = nn.CosineEmbeddingLoss(0.2)(eg.tensor(a), eg.tensor(b), eg.tensor(y))
    assert_close(ev, tv)


def test_legacy_reduction_args():
    x, t = eg.randn(3, 4), eg.tensor([0, 1, 2])
    assert nn.CrossEntropyLoss(reduce=False)(x, t).shape == (3,)
    s = nn.CrossEntropyLoss(size_average=False)(x, t)
    np.testing.assert_allclose(s.item(), nn.CrossEntropyLoss(reduction="sum")(x, t).item())
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="avg")(x, x)


def test_cross_entropy_training_step_with_weights_on_float64_model():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    loss_fn = nn.CrossEntropyLoss(weight=eg.tensor([1.0, 2.0, 3.0], dtype=eg.float64))
    loss = loss_fn(model(eg.randn(5, 4, dtype=eg.float64)), eg.tensor([0, 1, 2, 1, 0]))
    loss.backward()
    assert loss.dtype == eg.float64 and model[0].weight.grad.dtype == eg.float64
