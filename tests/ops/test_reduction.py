"""Reduction family: ties, zeros, extremes, argument rules and errors, checked against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import eagergrad as eg

torch = pytest.importorskip("torch")


def _pair(values, dtype="float64"):
    """The same leaf on eagergrad and torch."""
    a = np.asarray(values, dtype=dtype)
    return eg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _grads(fn, values, dtype="float64"):
    """(output, grad) of ``fn(lib, x).sum()`` on both libraries."""
    x, tx = _pair(values, dtype)
    y, ty = fn(eg, x), fn(torch, tx)
    y.sum().backward()
    ty.sum().backward()
    return (y, x.grad), (ty, tx.grad)


def _assert_same(ours, theirs, atol=1e-12):
    for o, t in zip(ours, theirs):
        if t is None:  # torch leaves .grad None where the gradient is structurally zero
            assert not o.numpy().any()
            continue
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-6)


# --- ties -----------------------------------------------------------------------------------------
TIED = [[1.0, 3.0, 3.0], [3.0, 0.0, 3.0]]


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(),
    lambda lib, x: x.min(),
    lambda lib, x: x.amax(),
    lambda lib, x: x.amax(1),
    lambda lib, x: x.amin((0, 1), keepdim=True),
    lambda lib, x: x.max(1).values,
    lambda lib, x: x.max(0, keepdim=True)[0],
    lambda lib, x: x.min(-1).values,
    lambda lib, x: x.norm(float("inf")),
], ids=["max_all", "min_all", "amax_all", "amax_dim", "amin_keepdim", "max_dim", "max_dim0",
        "min_dim", "norm_inf"])
def test_tie_gradients_match_torch(fn):
    ours, theirs = _grads(fn, TIED)
    _assert_same(ours, theirs)


def test_max_all_splits_gradient_evenly_over_ties():
    x = eg.tensor([1.0, 3.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 1 / 3, 1 / 3, 1 / 3])


def test_max_dim_gives_gradient_to_first_index():
    x = eg.tensor([[3.0, 1.0, 3.0]], requires_grad=True)
    out = x.max(1)
    assert out.indices.tolist() == [0]
    out.values.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0]]


def test_max_dim_returns_named_values_and_indices():
    x = eg.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    out = x.max(dim=1)
    values, indices = out
    assert values is out.values and indices is out.indices
    assert indices.dtype == eg.int64 and not indices.requires_grad
    assert values.requires_grad
    assert out.indices.tolist() == [1, 0]


def test_max_min_on_0d_with_dim():
    x = eg.tensor(3.0)
    assert x.max(0).values.item() == 3.0 and x.max(0).indices.item() == 0
    assert x.min(-1, keepdim=True).values.shape == ()


def test_max_binary_is_maximum():
    if not hasattr(eg, "maximum"):
        pytest.skip("elementwise.maximum not written yet")
    a, b = eg.tensor([1.0, 5.0]), eg.tensor([3.0, 2.0])
    assert eg.max(a, b).tolist() == [3.0, 5.0] and a.min(b).tolist() == [1.0, 2.0]


def test_max_of_nan_gives_nan_and_gradient_to_the_nan():
    x = eg.tensor([[1.0, float("nan"), 3.0], [2.0, 5.0, 1.0]], requires_grad=True)
    y = x.max()
    assert np.isnan(y.item())
    y.backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]  # as torch's max()
    m = eg.tensor([[1.0, float("nan"), 3.0]]).max(1)
    assert np.isnan(m.values.item()) and m.indices.item() == 1


def test_max_empty_raises_like_torch():
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        eg.zeros(0).max()
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        eg.zeros(0, 3).max(0)


def test_argmax_argmin():
    x = eg.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    t = torch.tensor(x.numpy())
    for got, want in [(x.argmax(), t.argmax()), (x.argmin(1), t.argmin(1)),
                      (x.argmax(1, keepdim=True), t.argmax(1, keepdim=True)),
                      (x.argmax(keepdim=True), t.argmax(keepdim=True)),
                      (eg.argmin(x, dim=-2), torch.argmin(t, dim=-2))]:
        assert got.dtype == eg.int64 and not got.requires_grad
        assert got.shape == tuple(want.shape) and got.tolist() == want.tolist()
    assert not eg.tensor([1.0], requires_grad=True).argmax().requires_grad


# --- prod and cumprod with zeros ------------------------------------------------------------------
ZEROS = {
    "one_zero": [[2.0, 0.0, 3.0], [1.5, -2.0, 4.0]],
    "two_zeros_one_row": [[0.0, 0.0, 3.0], [1.5, 0.0, 4.0]],
    "all_zero": [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
}


@pytest.mark.parametrize("values", ZEROS.values(), ids=ZEROS.keys())
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.prod(),
    lambda lib, x: x.prod(1),
    lambda lib, x: x.prod(0, keepdim=True),
    lambda lib, x: x.cumprod(1),
    lambda lib, x: x.cumprod(0),
], ids=["prod", "prod_dim1", "prod_dim0", "cumprod_dim1", "cumprod_dim0"])
def test_prod_cumprod_gradients_with_zeros(fn, values):
    ours, theirs = _grads(fn, values)
    _assert_same(ours, theirs)
    assert np.isfinite(ours[1].numpy()).all()


@pytest.mark.parametrize("fn", [lambda x: x.prod(), lambda x: x.prod(1), lambda x: x.cumprod(1)],
                         ids=["prod", "prod_dim", "cumprod"])
@pytest.mark.parametrize("values", [
    [[2.0, 0.0, 3.0, 0.5], [1.5, -2.0, 0.7, 0.0]],
    [[2.0, 0.0, 3.0, 0.0], [0.0, -2.0, 0.0, 0.0]],
], ids=["zeros_in_two_rows", "two_and_three_zeros"])
def test_prod_cumprod_gradcheck_gradgradcheck_with_zeros(fn, values):
    x = eg.tensor(values, dtype=eg.float64, requires_grad=True)
    assert eg.autograd.gradcheck(fn, (x,))
    assert eg.autograd.gradgradcheck(fn, (x,))


def test_cumprod_gradcheck_with_several_zeros():
    x = eg.tensor([[2.0, 0.0, 3.0, 0.0, 0.5], [0.0, -2.0, 0.7, 1.1, 0.0]], dtype=eg.float64,
                  requires_grad=True)
    assert eg.autograd.gradcheck(lambda t: t.cumprod(1), (x,))


def test_prod_int_gives_int64():
    assert eg.tensor([2, 3], dtype=eg.int32).prod().dtype == eg.int64
    assert eg.tensor([2, 3]).prod().item() == 6


# --- var, std -------------------------------------------------------------------------------------
def test_std_of_constant_has_zero_gradient():
    ours, theirs = _grads(lambda lib, x: x.std(1), [[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    _assert_same(ours, theirs)
    assert ours[1].numpy()[0].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("kwargs", [{}, {"unbiased": False}, {"correction": 0},
                                    {"correction": 2}, {"dim": (0, 1)}, {"dim": 1, "keepdim": True},
                                    {"dim": [-1]}])
def test_var_std_arguments_match_torch(kwargs):
    x = np.random.default_rng(0).standard_normal((3, 4))
    for name in ("var", "std", "var_mean", "std_mean"):
        ours, theirs = _grads(lambda lib, t, n=name: _first(getattr(lib, n)(t, **kwargs)), x)
        _assert_same(ours, theirs)


def _first(out):
    return out[0] + out[1] if isinstance(out, tuple) else out


def test_var_positional_unbiased_and_errors():
    x = eg.tensor([1.0, 2.0, 4.0])
    assert math.isclose(x.var(False).item(), np.var([1.0, 2.0, 4.0]), rel_tol=1e-6)
    with pytest.raises(TypeError):
        x.var(unbiased=True, correction=1)
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        eg.tensor([1, 2]).std()


def test_var_without_degrees_of_freedom_warns_and_is_nan():
    x = eg.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        v = x.var()
    assert math.isnan(v.item())
    v.backward()  # nan, without numpy warnings (torch is silent too)
    assert math.isnan(x.grad.item())


# --- mean, sum ------------------------------------------------------------------------------------
def test_mean_of_int_raises_like_torch():
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype. Input dtype "
                                           r"must be either a floating point or complex dtype. "
                                           r"Got: Long"):
        eg.tensor([1, 2]).mean()
    with pytest.raises(RuntimeError, match="Got: Bool"):
        eg.tensor([True]).mean()
    m = eg.tensor([1, 2]).mean(dtype=eg.float64)
    assert m.dtype == eg.float64 and m.item() == 1.5


def test_sum_dims_forms():
    x = eg.ones(2, 3, 4)
    assert x.sum([0, -1]).shape == (3,)
    assert x.sum((-1,), keepdim=True).shape == (2, 3, 1)
    assert eg.tensor(2.0).sum(0).shape == () and eg.tensor(2.0).sum(-1, keepdim=True).shape == ()
    assert eg.tensor([1, 2], dtype=eg.int32).sum().dtype == eg.int64
    assert x.sum(dtype=eg.float64).dtype == eg.float64
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(3)
    with pytest.raises(RuntimeError, match="appears multiple times"):
        x.sum((0, -3))


@given(st.data())
def test_reductions_over_random_dims(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, max_side=4))
    nd = len(shape)
    dims = data.draw(st.lists(st.integers(-max(nd, 1), max(nd, 1) - 1), unique_by=lambda d:
                              d % max(nd, 1), max_size=max(nd, 1)))
    keepdim = data.draw(st.booleans())
    a = np.random.default_rng(0).standard_normal(shape)
    for name in ("sum", "mean", "amax", "logsumexp"):
        if 0 in shape and name in ("amax", "logsumexp", "mean"):
            continue
        if name == "logsumexp" and not dims:  # torch's logsumexp(dim=()) is inconsistent
            continue
        x = eg.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        y, ty = getattr(x, name)(tuple(dims), keepdim=keepdim), \
            getattr(t, name)(tuple(dims), keepdim=keepdim)
        assert tuple(y.shape) == tuple(ty.shape), name
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-10)
        y.sum().backward()
        ty.sum().backward()
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-10)


# --- logsumexp, softmax, log_softmax: extremes ----------------------------------------------------
@pytest.mark.parametrize("dtype,big", [("float64", 800.0), ("float32", 1e4)])
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.logsumexp(1),
    lambda lib, x: x.softmax(1),
    lambda lib, x: x.log_softmax(1),
    lambda lib, x: lib.softmax(x, 0),
], ids=["logsumexp", "softmax", "log_softmax", "softmax_dim0"])
def test_stable_at_extremes(fn, dtype, big):
    values = [[big, -big, 0.0], [-big, -big, -big], [big, big, big - 1]]
    ours, theirs = _grads(fn, values, dtype)
    assert np.isfinite(ours[0].detach().numpy()).all()
    assert np.isfinite(ours[1].numpy()).all()
    _assert_same(ours, theirs, atol=1e-5 if dtype == "float32" else 1e-10)


def test_logsumexp_of_all_neg_inf_row_is_neg_inf_with_finite_grad():
    x = eg.tensor([[-math.inf, -math.inf], [0.0, 1.0]], requires_grad=True)
    y = x.logsumexp(1)
    assert y[0].item() == -math.inf
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    assert x.grad.numpy()[0].tolist() == [0.0, 0.0]  # torch gives nan here; see NOTE in op
    np.testing.assert_allclose(x.grad.numpy()[1], torch.tensor([0.0, 1.0]).softmax(0).numpy())


def test_logsumexp_with_pos_inf_and_int_input():
    assert eg.tensor([math.inf, 0.0]).logsumexp(0).item() == math.inf
    y = eg.tensor([1, 2]).logsumexp(0)
    assert y.dtype == eg.float32
    assert math.isclose(y.item(), torch.tensor([1, 2]).logsumexp(0).item(), rel_tol=1e-6)


def test_softmax_all_neg_inf_row_is_nan_like_torch():
    y = eg.tensor([[-math.inf, -math.inf]]).softmax(1)
    assert np.isnan(y.numpy()).all()


def test_softmax_dtype_and_int_input():
    x = eg.tensor([[1.0, 2.0]])
    assert x.softmax(1, dtype=eg.float64).dtype == eg.float64
    assert eg.log_softmax(x, 1, dtype=eg.float64).dtype == eg.float64
    with pytest.raises(NotImplementedError, match="softmax_lastdim_kernel_impl"):
        eg.tensor([1, 2]).softmax(0)


def test_softmax_gradgrad():
    x = eg.randn(2, 5, dtype=eg.float64, requires_grad=True)
    for fn in (lambda t: t.softmax(-1), lambda t: t.log_softmax(0)):
        assert eg.autograd.gradgradcheck(fn, (x,))


# --- norm -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, "fro", 1, 3, 0.5, float("inf"), 0])
def test_norm_at_zero_vector_has_zero_gradient(p):
    ours, theirs = _grads(lambda lib, x: x.norm(p, dim=1), [[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    assert np.isfinite(ours[1].numpy()).all()
    assert ours[1].numpy()[0].tolist() == [0.0, 0.0, 0.0]
    _assert_same(ours, theirs)


def test_norm_errors():
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. "
                                           "Got Long"):
        eg.tensor([1, 2]).norm()
    assert eg.tensor([1, 2]).norm(dtype=eg.float32).dtype == eg.float32


# --- all, any, count_nonzero, cumsum --------------------------------------------------------------
def test_all_any_count_nonzero():
    a = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])
    x, t = eg.tensor(a), torch.tensor(a)
    pairs = [(x.all(), t.all()), (x.any(1), t.any(1)), (x.all(0, keepdim=True),
                                                        t.all(0, keepdim=True)),
             (x.count_nonzero(), t.count_nonzero()), (x.count_nonzero(0), t.count_nonzero(0)),
             (eg.count_nonzero(x, (0, 1)), torch.count_nonzero(t, (0, 1)))]
    for got, want in pairs:
        assert got.dtype.name == str(want.dtype).replace("torch.", "")
        assert got.tolist() == want.tolist()


def test_cumsum_int_gives_int64():
    y = eg.tensor([1, 2, 3], dtype=eg.int32).cumsum(0)
    assert y.dtype == eg.int64 and y.tolist() == [1, 3, 6]
    assert eg.tensor([1.0, 2.0]).cumsum(0, dtype=eg.float64).dtype == eg.float64


# --- sort, argsort, topk --------------------------------------------------------------------------
@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_with_ties(descending):
    a = np.array([[2.0, 1.0, 2.0, 1.0, 3.0, 2.0]])
    x, t = eg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    got = x.sort(descending=descending)
    want = t.sort(descending=descending, stable=True)
    assert got.indices.tolist() == want.indices.tolist()
    assert x.argsort(descending=descending).tolist() == want.indices.tolist()
    (got.values * eg.arange(6.0, dtype=eg.float64)).sum().backward()
    (want.values * torch.arange(6.0, dtype=torch.float64)).sum().backward()
    assert x.grad.tolist() == t.grad.tolist()


def test_topk_grad_and_errors():
    ours, theirs = _grads(lambda lib, x: x.topk(2, dim=0, largest=False).values * 3,
                          [[3.0, 1.0], [0.5, 4.0], [2.0, 2.5]])
    _assert_same(ours, theirs)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        eg.ones(3).topk(4)
