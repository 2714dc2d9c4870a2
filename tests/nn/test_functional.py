"""nn.functional: gradcheck (float64) of every op, torch comparisons and torch's corners."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.nn.functional as F
from eagergrad.autograd import gradcheck, gradgradcheck

from ._helpers import assert_close

rng = np.random.default_rng(0)


def _t(*shape, low=None, high=None, requires_grad=True, away_from=None):
    if low is not None:
        a = rng.uniform(low, high, shape)
    else:
        a = rng.standard_normal(shape)
    if away_from is not None:  # keep inputs off kinks
        for k in away_from:
            a = np.where(np.abs(a - k) < 0.05, a + 0.1, a)
    return eg.tensor(a, dtype=eg.float64, requires_grad=requires_grad)


LABELS = eg.tensor([1, 0, 3, 2])
KLABELS = eg.tensor([[0, 2, 1], [1, 1, 0]])

GRADCHECKS = {
    "relu": (lambda x: F.relu(x), [(3, 4)], [0.0]),
    "relu6": (lambda x: F.relu6(x * 4), [(3, 4)], [0.0, 1.5]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), [(3, 4)], [0.0]),
    "elu": (lambda x: F.elu(x, 0.5), [(3, 4)], [0.0]),
    "selu": (lambda x: F.selu(x), [(3, 4)], [0.0]),
    "celu": (lambda x: F.celu(x, 2.0), [(3, 4)], [0.0]),
    "gelu": (lambda x: F.gelu(x), [(3, 4)], None),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [(3, 4)], None),
    "silu": (lambda x: F.silu(x), [(3, 4)], None),
    "mish": (lambda x: F.mish(x), [(3, 4)], None),
    "softplus": (lambda x: F.softplus(x * 3, beta=2.0, threshold=3.0), [(3, 4)], [0.5]),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 0.5), [(3, 4)], [-0.5, 0.5]),
    "tanh": (lambda x: F.tanh(x), [(3, 4)], None),
    "sigmoid": (lambda x: F.sigmoid(x), [(3, 4)], None),
    "logsigmoid": (lambda x: F.logsigmoid(x), [(3, 4)], None),
    "softsign": (lambda x: F.softsign(x), [(3, 4)], [0.0]),
    "hardswish": (lambda x: F.hardswish(x), [(3, 4)], [-3.0, 3.0]),
    "softmax": (lambda x: F.softmax(x, dim=1), [(3, 4)], None),
    "softmin": (lambda x: F.softmin(x, dim=1), [(3, 4)], None),
    "prelu": (lambda x, w: F.prelu(x, w), [(2, 3, 4), (3,)], [0.0]),
    "threshold": (lambda x: F.threshold(x, 0.3, -2.0), [(3, 4)], [0.3]),
    "glu": (lambda x: F.glu(x, 1), [(3, 4)], None),
    "log_softmax": (lambda x: F.log_softmax(x, dim=0), [(3, 4)], None),
    "linear": (lambda x, w, b: F.linear(x, w, b), [(2, 3, 4), (5, 4), (5,)], None),
    "linear_nobias": (lambda x, w: F.linear(x, w), [(4,), (5, 4)], None),
    "bilinear": (
        lambda a, b, w, c: F.bilinear(a, b, w, c),
        [(3, 2), (3, 4), (5, 2, 4), (5,)],
        None,
    ),
    "batch_norm": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        [(4, 3, 2), (3,), (3,)],
        None,
    ),
    "batch_norm_eval": (
        lambda x, w, b: F.batch_norm(
            x, eg.zeros(3, dtype=eg.float64) + 0.5, eg.ones(3, dtype=eg.float64) * 2, w, b
        ),
        [(4, 3), (3,), (3,)],
        None,
    ),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)], None),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)], None),
    "embedding": (lambda w: F.embedding(eg.tensor([[0, 2, 2], [1, 3, 0]]), w), [(4, 3)], None),
    "normalize": (lambda x: F.normalize(x, dim=1), [(3, 4)], None),
    "cosine_similarity": (lambda a, b: F.cosine_similarity(a, b), [(3, 4), (3, 4)], None),
    "pairwise_distance": (lambda a, b: F.pairwise_distance(a, b), [(3, 4), (3, 4)], None),
    "sdpa": (
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        [(2, 3, 4), (2, 3, 4), (2, 3, 5)],
        None,
    ),
    "sdpa_mask": (
        lambda q, k, v: F.scaled_dot_product_attention(
            q, k, v, attn_mask=eg.tensor([[True, False, True], [True, True, False]]), scale=0.3
        ),
        [(2, 2, 4), (2, 3, 4), (2, 3, 5)],
        None,
    ),
    "mse_loss": (lambda a, b: F.mse_loss(a, b), [(3, 4), (3, 4)], None),
    "l1_loss": (lambda a, b: F.l1_loss(a, b, reduction="sum"), [(3, 4), (3, 4)], None),
    "smooth_l1_loss": (
        lambda a, b: F.smooth_l1_loss(a * 2, b, beta=0.7, reduction="none"),
        [(3, 4), (3, 4)],
        None,
    ),
    "huber_loss": (lambda a, b: F.huber_loss(a * 2, b, delta=0.6), [(3, 4), (3, 4)], None),
    "cross_entropy": (lambda x: F.cross_entropy(x, LABELS), [(4, 5)], None),
    "cross_entropy_full": (
        lambda x: F.cross_entropy(
            x,
            eg.tensor([1, -100, 3, 2]),
            weight=eg.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=eg.float64),
            label_smoothing=0.2,
        ),
        [(4, 5)],
        None,
    ),
    "cross_entropy_kdim_none": (
        lambda x: F.cross_entropy(
            x, KLABELS, reduction="none", ignore_index=2, label_smoothing=0.1
        ),
        [(2, 3, 3)],
        None,
    ),
    "cross_entropy_probs": (
        lambda x, p: F.cross_entropy(x, p.softmax(1), label_smoothing=0.1),
        [(3, 4), (3, 4)],
        None,
    ),
    "nll_loss": (
        lambda x: F.nll_loss(
            x, LABELS, weight=eg.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=eg.float64)
        ),
        [(4, 5)],
        None,
    ),
    "nll_loss_kdim": (lambda x: F.nll_loss(x, KLABELS, reduction="sum"), [(2, 3, 3)], None),
    "binary_cross_entropy": (
        lambda x, t: F.binary_cross_entropy(x, t, reduction="sum"),
        [("p", 3, 4), ("p", 3, 4)],
        None,
    ),
    "bce_with_logits": (
        lambda x, t: F.binary_cross_entropy_with_logits(
            x,
            t,
            weight=eg.tensor([1.0, 2.0, 0.5, 1.0], dtype=eg.float64),
            pos_weight=eg.tensor([2.0, 1.0, 0.5, 3.0], dtype=eg.float64),
        ),
        [(3, 4), ("p", 3, 4)],
        None,
    ),
    "kl_div": (lambda x, t: F.kl_div(x, t, reduction="batchmean"), [(3, 4), ("p", 3, 4)], None),
    "kl_div_log_target": (
        lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True),
        [(3, 4), (3, 4)],
        None,
    ),
    "cosine_embedding_loss": (
        lambda a, b: F.cosine_embedding_loss(a, b, eg.tensor([1, -1, -1]), margin=-0.5),
        [(3, 4), (3, 4)],
        None,
    ),
}


def _inputs(shapes, away):
    out = []
    for s in shapes:
        if s and s[0] == "p":
            out.append(_t(*s[1:], low=0.1, high=0.9))
        else:
            out.append(_t(*s, away_from=away))
    return out


@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_gradcheck(name):
    fn, shapes, away = GRADCHECKS[name]
    assert gradcheck(fn, tuple(_inputs(shapes, away)))


@pytest.mark.parametrize(
    "name",
    [
        "relu",
        "leaky_relu",
        "elu",
        "gelu",
        "silu",
        "softplus",
        "sigmoid",
        "softmax",
        "log_softmax",
        "linear",
        "layer_norm",
        "cross_entropy_full",
        "cross_entropy_kdim_none",
        "nll_loss",
        "bce_with_logits",
        "embedding",
        "mse_loss",
    ],
)
def test_gradgradcheck(name):
    fn, shapes, away = GRADCHECKS[name]
    assert gradgradcheck(fn, tuple(_inputs(shapes, away)))


# --- versus torch -------------------------------------------------------------------------------
torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _both(shape, dtype=np.float32, scale=1.0):
    a = (rng.standard_normal(shape) * scale).astype(dtype)
    return (eg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))


def _compare_fn(fn_e, fn_t, arrays, atol=1e-5, rtol=1e-5):
    e_in = [eg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    e, t = fn_e(*e_in), fn_t(*t_in)
    assert_close(e, t, atol, rtol, "value")
    g = rng.standard_normal(tuple(t.shape)).astype(np.asarray(t.detach()).dtype)
    e.backward(eg.tensor(g))
    t.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(e_in, t_in)):
        if b.grad is not None:
            assert_close(a.grad, b.grad, atol, rtol, f"grad {i}")


def test_activation_kinks_match_torch():
    """leaky_relu/elu at exactly 0 take the negative slope; relu's gradient at 0 is 0;
    hardtanh's gradient at its bounds is 0."""
    x = np.array([-2.0, -1.0, 0.0, 1.0, 6.0, 0.5], dtype=np.float32)
    for fe, ft in [
        (F.relu, TF.relu),
        (lambda t: F.leaky_relu(t, 0.3), lambda t: TF.leaky_relu(t, 0.3)),
        (lambda t: F.elu(t, 0.5), lambda t: TF.elu(t, 0.5)),
        (F.selu, TF.selu),
        (F.relu6, TF.relu6),
        (lambda t: F.hardtanh(t, -1.0, 1.0), TF.hardtanh),
        (lambda t: F.softplus(t, 2, 1.0), lambda t: TF.softplus(t, 2, 1.0)),
        (F.silu, TF.silu),
        (F.mish, TF.mish),
        (F.gelu, TF.gelu),
        (F.hardswish, TF.hardswish),
        (F.hardsigmoid, TF.hardsigmoid),
    ]:
        _compare_fn(fe, ft, [x])


def test_gelu_exact_erf_in_float64():
    x = np.linspace(-8, 8, 101)
    _compare_fn(F.gelu, TF.gelu, [x], atol=1e-14, rtol=1e-13)


def test_softplus_threshold_switches_to_identity():
    x = eg.tensor([10.0, 25.0, -30.0])
    np.testing.assert_allclose(
        F.softplus(x).numpy(), TF.softplus(torch.tensor([10.0, 25.0, -30.0])).numpy()
    )
    assert F.softplus(x, beta=1, threshold=5)[0].item() == 10.0


def test_softmax_stable_for_large_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=np.float32)
    _compare_fn(lambda t: F.softmax(t, 1), lambda t: TF.softmax(t, 1), [x])
    _compare_fn(lambda t: F.log_softmax(t, 1), lambda t: TF.log_softmax(t, 1), [x])
    x64 = np.array([[800.0, -800.0, 0.0]])
    _compare_fn(lambda t: F.log_softmax(t, -1), lambda t: TF.log_softmax(t, -1), [x64])


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(eg.zeros(2, 3))
    assert y.shape == (2, 3) and abs(y.sum().item() - 2) < 1e-6


def test_linear_errors_use_torch_wording():
    with pytest.raises(
        RuntimeError,
        match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and "
        r"4x5\)",
    ):
        F.linear(eg.ones(2, 3), eg.ones(5, 4))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(eg.ones(2, 3), eg.ones(5, 3, dtype=eg.float64))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_matches_torch(reduction):
    w = np.array([1.0, 2.0, 0.5, 3.0], dtype=np.float32)
    cases = [
        ((6, 4), [0, 1, 2, 3, -100, 1], {}),
        ((6, 4), [0, 1, 2, 3, 1, 1], {"weight": w}),
        ((6, 4), [0, 1, 2, 3, -100, 1], {"weight": w, "label_smoothing": 0.3}),
        ((6, 4), [0, 5, 2, 5, 1, 1], {"ignore_index": 5, "label_smoothing": 0.1}),
        (
            (2, 4, 3, 2),
            [[[0, 1], [2, 3], [3, 3]], [[1, 1], [0, -100], [2, 0]]],
            {"weight": w, "label_smoothing": 0.2},
        ),
        ((4,), 2, {"label_smoothing": 0.1}),
    ]
    for shape, target, kw in cases:
        x = rng.standard_normal(shape).astype(np.float32) * 3
        te = eg.tensor(np.array(target))
        tt = torch.tensor(np.array(target))
        kwe = {k: (eg.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        kwt = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        _compare_fn(
            partial(F.cross_entropy, target=te, reduction=reduction, **kwe),
            partial(TF.cross_entropy, target=tt, reduction=reduction, **kwt),
            [x],
        )
        nll_e = {k: v for k, v in kwe.items() if k != "label_smoothing"}
        nll_t = {k: v for k, v in kwt.items() if k != "label_smoothing"}
        dim = 1 if x.ndim > 1 else 0
        _compare_fn(
            _chain(
                partial(F.log_softmax, dim=dim),
                partial(F.nll_loss, target=te, reduction=reduction, **nll_e),
            ),
            _chain(
                partial(TF.log_softmax, dim=dim),
                partial(TF.nll_loss, target=tt, reduction=reduction, **nll_t),
            ),
            [x],
        )


def _chain(f, g):
    return lambda a: g(f(a))


@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_probability_targets_match_torch(smoothing):
    x = rng.standard_normal((3, 5, 2)).astype(np.float32)
    p = rng.uniform(0, 1, (3, 5, 2)).astype(np.float32)
    w = np.array([1.0, 2.0, 0.5, 3.0, 1.0], dtype=np.float32)
    for reduction in ("mean", "sum", "none"):
        _compare_fn(
            partial(
                F.cross_entropy, weight=eg.tensor(w), reduction=reduction, label_smoothing=smoothing
            ),
            partial(
                TF.cross_entropy,
                weight=torch.tensor(w),
                reduction=reduction,
                label_smoothing=smoothing,
            ),
            [x, p],
        )


def test_cross_entropy_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=np.float32)
    t = np.array([1, 0])
    _compare_fn(
        lambda a: F.cross_entropy(a, eg.tensor(t)),
        lambda a: TF.cross_entropy(a, torch.tensor(t)),
        [x],
    )


def test_cross_entropy_all_ignored_is_nan_with_zero_grad():
    x = eg.randn(3, 4, requires_grad=True)
    loss = F.cross_entropy(x, eg.tensor([-100, -100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    assert np.all(x.grad.numpy() == 0)
    w = eg.tensor([0.0, 1.0, 1.0, 1.0])
    loss = F.cross_entropy(x, eg.tensor([0, 0, 0]), weight=w)
    assert np.isnan(loss.item())


def test_cross_entropy_errors():
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(eg.randn(2, 4), eg.tensor([0, 7]))
    with pytest.raises(ValueError, match="Expected input batch_size"):
        F.cross_entropy(eg.randn(2, 4), eg.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(eg.randn(2, 4), eg.tensor([0, 1]), weight=eg.ones(3))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_match_torch(reduction):
    a = rng.standard_normal((4, 5)).astype(np.float32) * 2
    b = rng.standard_normal((4, 5)).astype(np.float32)
    for fe, ft in [
        (F.mse_loss, TF.mse_loss),
        (F.l1_loss, TF.l1_loss),
        (
            lambda x, y, reduction: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.5),
            lambda x, y, reduction: TF.smooth_l1_loss(x, y, reduction=reduction, beta=0.5),
        ),
        (
            lambda x, y, reduction: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.0),
            lambda x, y, reduction: TF.smooth_l1_loss(x, y, reduction=reduction, beta=0.0),
        ),
        (
            lambda x, y, reduction: F.huber_loss(x, y, reduction=reduction, delta=1.5),
            lambda x, y, reduction: TF.huber_loss(x, y, reduction=reduction, delta=1.5),
        ),
    ]:
        _compare_fn(partial(fe, reduction=reduction), partial(ft, reduction=reduction), [a, b])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_regression_losses_match_torch(reduction):
    a = rng.standard_normal((4, 5)).astype(np.float32) * 2
    b = rng.standard_normal((4, 5)).astype(np.float32)
    w = rng.uniform(0.1, 2, (4, 5)).astype(np.float32)
    for fe, ft in [
        (F.mse_loss, TF.mse_loss),
        (F.l1_loss, TF.l1_loss),
        (F.huber_loss, TF.huber_loss),
    ]:
        _compare_fn(
            partial(fe, reduction=reduction, weight=eg.tensor(w)),
            partial(ft, reduction=reduction, weight=torch.tensor(w)),
            [a, b],
        )
    with pytest.raises(ValueError, match="same size"):
        F.mse_loss(eg.ones(2), eg.ones(2), weight=eg.ones(3))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_losses_match_torch(reduction):
    x = rng.standard_normal((4, 3)).astype(np.float32) * 3
    p = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    t = rng.uniform(0, 1, (4, 3)).astype(np.float32)
    w = rng.uniform(0.5, 2, (3,)).astype(np.float32)
    pw = rng.uniform(0.5, 3, (3,)).astype(np.float32)
    _compare_fn(
        lambda a, b: F.binary_cross_entropy(a, b, weight=eg.tensor(w), reduction=reduction),
        lambda a, b: TF.binary_cross_entropy(a, b, weight=torch.tensor(w), reduction=reduction),
        [p, t],
    )
    _compare_fn(
        lambda a, b: F.binary_cross_entropy_with_logits(
            a, b, weight=eg.tensor(w), pos_weight=eg.tensor(pw), reduction=reduction
        ),
        lambda a, b: TF.binary_cross_entropy_with_logits(
            a, b, weight=torch.tensor(w), pos_weight=torch.tensor(pw), reduction=reduction
        ),
        [x, t],
    )


def test_bce_with_logits_stable_and_bce_clamps_log():
    x = np.array([1e4, -1e4, 50.0, -50.0], dtype=np.float32)
    t = np.array([0.0, 1.0, 1.0, 0.0], dtype=np.float32)
    _compare_fn(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, [x, t])
    p = np.array([0.0, 1.0, 0.5], dtype=np.float32)
    t2 = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    e = F.binary_cross_entropy(eg.tensor(p), eg.tensor(t2), reduction="none")
    assert_close(e, TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t2), reduction="none"))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(eg.tensor([1.5]), eg.tensor([1.0]))


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
def test_kl_div_matches_torch(reduction):
    x = np.log(rng.dirichlet(np.ones(4), 3)).astype(np.float32)
    t = rng.dirichlet(np.ones(4), 3).astype(np.float32)
    tz = t.copy()
    tz[0, 1] = 0.0  # 0 * log(0) counts as 0
    assert_close(
        F.kl_div(eg.tensor(x), eg.tensor(tz), reduction=reduction),
        TF.kl_div(torch.tensor(x), torch.tensor(tz), reduction=reduction),
    )
    _compare_fn(
        lambda a, b: F.kl_div(a, b, reduction=reduction),
        lambda a, b: TF.kl_div(a, b, reduction=reduction),
        [x, t],
    )
    _compare_fn(
        lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=True),
        lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=True),
        [x, np.log(t + 0.1).astype(np.float32)],
    )


def test_cosine_and_normalize_match_torch():
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((3, 4)).astype(np.float32)
    _compare_fn(F.cosine_similarity, TF.cosine_similarity, [a, b])
    _compare_fn(lambda x: F.normalize(x, dim=0), lambda x: TF.normalize(x, dim=0), [a])
    _compare_fn(
        lambda x, y: F.cosine_embedding_loss(x, y, eg.tensor([1, -1, 1]), 0.1),
        lambda x, y: TF.cosine_embedding_loss(x, y, torch.tensor([1, -1, 1]), 0.1),
        [a, b],
    )
    _compare_fn(F.pairwise_distance, TF.pairwise_distance, [a, b])
    # at the zero vector the norm is clamped to eps: no nan, the same gradient as torch
    _compare_fn(F.normalize, TF.normalize, [np.zeros((2, 3), np.float32)], rtol=1e-6)


def test_norm_layers_match_torch_functional():
    x = rng.standard_normal((4, 6, 3)).astype(np.float32)
    w = rng.standard_normal(6).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    _compare_fn(
        lambda a, c, d: F.group_norm(a, 3, c, d, eps=1e-3),
        lambda a, c, d: TF.group_norm(a, 3, c, d, eps=1e-3),
        [x, w, b],
    )
    _compare_fn(lambda a: F.layer_norm(a, (6, 3)), lambda a: TF.layer_norm(a, (6, 3)), [x])
    rm_e, rv_e = eg.zeros(6), eg.ones(6)
    rm_t, rv_t = torch.zeros(6), torch.ones(6)
    _compare_fn(
        lambda a: F.batch_norm(a, rm_e, rv_e, training=True, momentum=0.3),
        lambda a: TF.batch_norm(a, rm_t, rv_t, training=True, momentum=0.3),
        [x],
    )
    assert_close(rm_e, rm_t)
    assert_close(rv_e, rv_t)


def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    assert np.array_equal(F.one_hot(eg.tensor(idx)).numpy(), TF.one_hot(torch.tensor(idx)).numpy())
    assert F.one_hot(eg.tensor(idx), 6).shape == (2, 2, 6)
    assert F.one_hot(eg.tensor(idx)).dtype == eg.int64
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(eg.tensor([5]), 3)


def test_sdpa_matches_torch():
    q = rng.standard_normal((2, 3, 4, 8)).astype(np.float32)
    k = rng.standard_normal((2, 3, 5, 8)).astype(np.float32)
    v = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    bmask = rng.uniform(size=(4, 5)) > 0.3
    bmask[:, 0] = True
    fmask = rng.standard_normal((2, 1, 4, 5)).astype(np.float32)
    _compare_fn(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, [q, k, v])
    _compare_fn(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, eg.tensor(bmask)),
        lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, torch.tensor(bmask)),
        [q, k, v],
    )
    _compare_fn(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, eg.tensor(fmask), scale=0.2),
        lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, torch.tensor(fmask), scale=0.2),
        [q, k, v],
    )
    _compare_fn(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True),
        lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, is_causal=True),
        [q, k, v],
    )


def test_sdpa_fully_masked_rows_give_zeros_like_torch():
    q = rng.standard_normal((1, 3, 4)).astype(np.float32)
    m = np.array([[False, False, False], [True, False, True], [True, True, True]])
    _compare_fn(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=eg.tensor(m)),
        lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, attn_mask=torch.tensor(m)),
        [q, q, q],
    )


def test_sdpa_dropout_scales_kept_weights():
    q = k = v = eg.randn(1, 50, 4)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert out.shape == (1, 50, 4)


def test_inplace_activation_writes_into_input():
    x = eg.tensor([-1.0, 2.0])
    y = F.relu(x, inplace=True)
    assert y is x and x.tolist() == [0.0, 2.0]
    leaf = eg.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.relu(leaf, inplace=True)
    h = leaf * 2
    F.leaky_relu(h, 0.5, inplace=True)
    h.sum().backward()
    assert leaf.grad.tolist() == [1.0, 2.0]


def _seeded(fn):
    def run(*args):
        eg.manual_seed(123)  # the same mask on every call, so finite differences see one function
        return fn(*args)

    return run


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (_seeded(lambda x: F.dropout(x, 0.3)), [(4, 5)]),
        (_seeded(lambda x: F.dropout2d(x, 0.5)), [(2, 3, 2, 2)]),
        (_seeded(lambda x: F.dropout1d(x, 0.5)), [(2, 3, 4)]),
        (lambda x: F.hardsigmoid(x), [(3, 4)]),
        (
            lambda q, w, b, ow: F.multi_head_attention_forward(
                q, q, q, 4, 2, w, b, None, None, False, 0.0, ow, None, need_weights=False
            )[0],
            [(3, 2, 4), (12, 4), (12,), (4, 4)],
        ),
    ],
    ids=["dropout", "dropout2d", "dropout1d", "hardsigmoid", "mha"],
)
def test_gradcheck_more(fn, shapes):
    assert gradcheck(fn, tuple(_inputs(shapes, [-3.0, 3.0])))
