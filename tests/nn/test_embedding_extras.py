"""F.embedding / nn.Embedding: max_norm (in-place renorm), norm_type, scale_grad_by_freq,
sparse; gradchecks, torch comparisons, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import eagergrad as eg
from eagergrad import nn
from eagergrad.nn import functional as F

from ._helpers import assert_close, to_eg

IDX = np.array([[0, 2, 2, 5], [5, 1, 2, 0]])


def _weight(rng, rows=6, dim=3, scale=2.0, dtype=np.float64):
    return (rng.standard_normal((rows, dim)) * scale).astype(dtype)


# --- max_norm ------------------------------------------------------------------------------------
def _norms(w, p):
    a = np.abs(w)
    if p == math.inf:
        return a.max(1)
    if p == 0:
        return (a != 0).sum(1).astype(w.dtype)
    return (a**p).sum(1) ** (1 / p)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
def test_max_norm_renormalises_referenced_rows_in_place(norm_type):
    rng = np.random.default_rng(0)
    w0 = _weight(rng)
    w = eg.tensor(w0)
    version = w._version
    idx = eg.tensor([[1, 3, 3]])
    out = F.embedding(idx, w, max_norm=1.0, norm_type=norm_type)
    assert w._version == version + 1  # an in-place op, like torch's embedding_renorm_
    after = w.numpy()
    before_norms = _norms(w0, norm_type)
    assert before_norms[1] > 1.0 or before_norms[3] > 1.0  # something to renormalise
    for r in range(6):
        if r in (1, 3) and before_norms[r] > 1.0:
            expected = w0[r] * (1.0 / (before_norms[r] + 1e-7))
            np.testing.assert_allclose(after[r], expected, rtol=1e-12)
            assert _norms(after[r : r + 1], norm_type)[0] <= 1.0
        else:
            np.testing.assert_array_equal(after[r], w0[r])
    np.testing.assert_array_equal(out.numpy(), after[[[1, 3, 3]]])


def test_max_norm_leaves_small_rows_and_still_bumps_the_version():
    w = eg.tensor([[0.3, 0.4], [3.0, 4.0]], dtype=eg.float64)
    F.embedding(eg.tensor([0]), w, max_norm=1.0)
    assert w.tolist() == [[0.3, 0.4], [3.0, 4.0]] and w._version == 1
    F.embedding(eg.tensor([], dtype=eg.int64), w, max_norm=1.0)
    assert w._version == 2
    F.embedding(eg.tensor([1]), w, max_norm=10.0, norm_type=0)  # 0-"norm" = nonzero count
    assert w.tolist()[1] == [3.0, 4.0]
    F.embedding(eg.tensor([1]), w, max_norm=1.0, norm_type=0)
    np.testing.assert_allclose(w.numpy()[1], np.array([3.0, 4.0]) / (2 + 1e-7))


def test_max_norm_on_a_leaf_that_requires_grad():
    rng = np.random.default_rng(1)
    w = eg.tensor(_weight(rng), requires_grad=True)
    out = F.embedding(eg.tensor(IDX), w, max_norm=1.5)
    assert out.requires_grad and w.is_leaf and w.grad_fn is None
    out.sum().backward()
    counts = np.bincount(IDX.ravel(), minlength=6)[:, None]
    np.testing.assert_array_equal(w.grad.numpy(), np.broadcast_to(counts, (6, 3)))


def test_max_norm_invalidates_tensors_saved_for_backward():
    w = eg.tensor([[3.0, 4.0], [1.0, 0.0]], requires_grad=True)
    y = w * 1.0
    z = (y * y).sum()  # saves y
    F.embedding(eg.tensor([0]), y, max_norm=1.0)  # renormalises y in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_gradcheck_max_norm_rows_within_the_norm():
    # The renorm runs under no_grad and is not differentiated (as in torch): where the rows
    # already satisfy max_norm the lookup's gradient is the plain one.
    rng = np.random.default_rng(2)
    w = eg.tensor(_weight(rng, scale=0.1), requires_grad=True)
    idx = eg.tensor(IDX)
    assert eg.autograd.gradcheck(lambda t: F.embedding(idx, t, max_norm=5.0), (w,))


# --- scale_grad_by_freq --------------------------------------------------------------------------
def test_scale_grad_by_freq_divides_by_counts():
    w = eg.ones(6, 2, requires_grad=True)
    g = np.random.default_rng(3).standard_normal(IDX.shape + (2,))
    F.embedding(eg.tensor(IDX), w, scale_grad_by_freq=True).backward(eg.tensor(g, dtype=eg.float32))
    expected = np.zeros((6, 2))
    np.add.at(expected, IDX.ravel(), g.reshape(-1, 2))
    counts = np.bincount(IDX.ravel(), minlength=6)
    expected /= np.maximum(counts, 1)[:, None]
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-6)


UNIQUE = np.array([[4, 1], [0, 5]])  # each index once: the scaled gradient is the true one


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_gradcheck_scale_grad_by_freq(padding_idx):
    # NOTE: with repeated indices (or padding_idx) the scaled gradient is deliberately not the
    # derivative of the lookup (as in torch), so gradcheck runs on unique indices without the
    # padding row; gradgradcheck (the scaled backward differentiated again, w.r.t. the output
    # gradient) on repeated ones, padding row included.
    rng = np.random.default_rng(4)
    w = eg.tensor(_weight(rng), requires_grad=True)

    def f(idx):
        return lambda t: F.embedding(idx, t, padding_idx=padding_idx, scale_grad_by_freq=True)

    assert eg.autograd.gradcheck(f(eg.tensor(UNIQUE)), (w,))
    assert eg.autograd.gradgradcheck(f(eg.tensor(IDX)), (w,))


def test_gradcheck_all_options_together():
    rng = np.random.default_rng(5)
    w0 = _weight(rng, scale=0.1)
    w = eg.tensor(w0, requires_grad=True)
    idx = eg.tensor(UNIQUE)

    def f(t):
        return F.embedding(idx, t, padding_idx=2, max_norm=3.0, norm_type=1.0,
                           scale_grad_by_freq=True) * 2.0

    assert eg.autograd.gradcheck(f, (w,))
    assert eg.autograd.gradgradcheck(f, (w,))
    # max_norm never had to renormalise (the rows are small), yet each call bumped the version
    np.testing.assert_array_equal(w.detach().numpy(), w0)
    assert w._version > 0


def test_scaled_gradient_is_the_plain_one_over_counts():
    rng = np.random.default_rng(6)
    w0 = _weight(rng)
    g = eg.tensor(rng.standard_normal(IDX.shape + (3,)))
    grads = []
    for scale in (False, True):
        w = eg.tensor(w0, requires_grad=True)
        F.embedding(eg.tensor(IDX), w, padding_idx=2, scale_grad_by_freq=scale).backward(g)
        grads.append(w.grad.numpy())
    counts = np.bincount(IDX.ravel(), minlength=6)
    np.testing.assert_allclose(grads[1], grads[0] / np.maximum(counts, 1)[:, None], rtol=1e-12)
    assert np.any(grads[1] != grads[0])


# --- errors ---------------------------------------------------------------------------------------
def test_sparse_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="sparse gradients"):
        F.embedding(eg.tensor([0]), eg.ones(2, 2), sparse=True)
    emb = nn.Embedding(3, 2, sparse=True)
    assert emb.sparse is True
    with pytest.raises(NotImplementedError, match="sparse"):
        emb(eg.tensor([1]))


def test_max_norm_with_out_of_range_index_raises_and_leaves_weight():
    w = eg.tensor([[3.0, 4.0], [6.0, 8.0]])
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding(eg.tensor([0, 2]), w, max_norm=1.0)
    assert w.tolist() == [[3.0, 4.0], [6.0, 8.0]]
    with pytest.raises(RuntimeError, match="indices"):
        F.embedding(eg.tensor([0.0]), w, max_norm=1.0)


# --- nn.Embedding ---------------------------------------------------------------------------------
def test_module_passes_options_through():
    emb = nn.Embedding(4, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)
    with eg.no_grad():
        emb.weight.copy_(eg.tensor([[3.0, 1.0], [0.2, 0.2], [1.0, 1.0], [0.0, 0.5]]))
    out = emb(eg.tensor([0, 0, 1]))
    np.testing.assert_allclose(emb.weight.detach().numpy()[0], [0.75, 0.25], rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(emb.weight.grad.numpy(), [[1, 1], [1, 1], [0, 0], [0, 0]])
    pre = nn.Embedding.from_pretrained(eg.tensor([[3.0, 4.0]]), max_norm=2.0, norm_type=2.0,
                                       scale_grad_by_freq=True)
    assert (pre.max_norm, pre.norm_type, pre.scale_grad_by_freq) == (2.0, 2.0, True)
    np.testing.assert_allclose(pre(eg.tensor([0])).numpy(), [[1.2, 1.6]], rtol=1e-6)


def test_module_repr():
    assert repr(nn.Embedding(5, 2)) == "Embedding(5, 2)"
    assert (repr(nn.Embedding(5, 2, padding_idx=1, max_norm=1.5, norm_type=3.0,
                              scale_grad_by_freq=True, sparse=True))
            == "Embedding(5, 2, padding_idx=1, max_norm=1.5, norm_type=3.0, "
               "scale_grad_by_freq=True, sparse=True)")


# --- versus torch ---------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.5, math.inf, 0.0])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
@pytest.mark.parametrize("padding_idx", [None, 5])
def test_functional_matches_torch(norm_type, scale_grad_by_freq, padding_idx):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    w0 = _weight(rng, dtype=np.float32)
    max_norm = 2.0 if norm_type else 2.5
    tw = torch.tensor(w0, requires_grad=True)
    ew = eg.tensor(w0, requires_grad=True)
    kw = dict(padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
              scale_grad_by_freq=scale_grad_by_freq)
    tv, ev = tw._version, ew._version
    to = torch.nn.functional.embedding(torch.tensor(IDX), tw, **kw)
    eo = F.embedding(eg.tensor(IDX), ew, **kw)
    assert ew._version - ev == tw._version - tv
    assert_close(ew, tw, 1e-7, 1e-6, "renormalised weight")
    assert_close(eo, to, 1e-7, 1e-6, "output")
    g = rng.standard_normal(tuple(to.shape)).astype(np.float32)
    to.backward(torch.tensor(g))
    eo.backward(eg.tensor(g))
    assert_close(ew.grad, tw.grad, 1e-6, 1e-5, "weight grad")


@pytest.mark.torch
def test_module_and_from_pretrained_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    w0 = _weight(rng, rows=10, dim=4, dtype=np.float32)
    kw = dict(padding_idx=3, max_norm=1.2, norm_type=3.0, scale_grad_by_freq=True)
    tm = torch.nn.Embedding(10, 4, **kw)
    em = nn.Embedding(10, 4, **kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w0))
    em.load_state_dict({"weight": to_eg(tm.weight)})
    idx = np.array([[1, 3, 3, 9], [9, 9, 0, 1]])
    for _ in range(2):  # a second step sees the already renormalised rows
        to, eo = tm(torch.tensor(idx)), em(eg.tensor(idx))
        assert_close(eo, to, 1e-7, 1e-6, "output")
        (to * to).sum().backward()
        (eo * eo).sum().backward()
        assert_close(em.weight.grad, tm.weight.grad, 1e-6, 1e-5, "grad")
        assert_close(em.weight, tm.weight, 1e-7, 1e-6, "weight")
    tp = torch.nn.Embedding.from_pretrained(torch.tensor(w0), freeze=False, **kw)
    ep = nn.Embedding.from_pretrained(eg.tensor(w0), freeze=False, **kw)
    assert repr(ep) == repr(tp)
    assert_close(ep(eg.tensor(idx)), tp(torch.tensor(idx)), 1e-7, 1e-6, "from_pretrained")
    assert_close(ep.weight, tp.weight, 1e-7, 1e-6, "from_pretrained weight")
    for kw in (dict(), dict(sparse=True), dict(norm_type=1.0), dict(max_norm=1)):
        assert repr(nn.Embedding(5, 2, **kw)) == repr(torch.nn.Embedding(5, 2, **kw))
