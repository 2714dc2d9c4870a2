"""median, mode, nan-reductions, quantile, cummax/cummin, logcumsumexp, aminmax, the new
elementwise and linalg ops and eagergrad.special: tie rules, nan, namedtuples and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.special as special

NAN = float("nan")


def _np(t):
    return t.detach().numpy()


# --- namedtuples and no-grad results -----------------------------------------------------------
def test_median_namedtuple_fields():
    out = eg.median(eg.tensor([[3., 1., 2., 4.]]), 1, keepdim=True)
    assert type(out).__name__ == "median" and out._fields == ("values", "indices")
    assert out.values.tolist() == [[2.]] and out.indices.tolist() == [[2]]


def test_median_all_gradient_split_over_ties():
    x = eg.tensor([1., 2., 2., 3.], requires_grad=True)
    eg.median(x).backward()
    assert x.grad.tolist() == [0., 0.5, 0.5, 0.]


def test_median_empty_is_nan_and_empty_dim_raises():
    assert math.isnan(eg.median(eg.zeros(0)).item())
    with pytest.raises(IndexError, match="non-zero size"):
        eg.median(eg.zeros(2, 0), 1)


def test_nanmedian_and_median_nan_rows():
    x = eg.tensor([3., NAN, 2., 1.])
    assert math.isnan(eg.median(x).item()) and eg.median(x, 0).indices.item() == 1
    assert eg.nanmedian(x).item() == 2. and eg.nanmedian(x, 0).indices.item() == 2
    assert type(eg.nanmedian(x, 0)).__name__ == "nanmedian"


def test_mode_ties_smallest_value_last_index():
    out = eg.mode(eg.tensor([1, 2, 2, 3, 3, 1, 0]))
    assert (out.values.item(), out.indices.item()) == (1, 5)
    z = eg.mode(eg.tensor(3.))
    assert (z.values.item(), z.indices.item()) == (3., 0)


def test_mode_gradient_to_index():
    x = eg.tensor([[2., 1., 2.], [5., 5., 0.]], requires_grad=True)
    eg.mode(x, 1).values.sum().backward()
    assert x.grad.tolist() == [[0., 0., 1.], [0., 1., 0.]]


def test_cummax_ties_and_nan_indices():
    out = eg.cummax(eg.tensor([1., 3., 3., 2., NAN, 5., NAN, 1.]), 0)
    assert out.indices.tolist() == [0, 1, 2, 2, 4, 4, 6, 6]
    assert type(out).__name__ == "cummax"
    assert eg.cummin(eg.tensor([3, 1, 1, 2]), 0).indices.tolist() == [0, 1, 2, 2]


def test_cummax_gradient_accumulates_at_repeated_index():
    x = eg.tensor([1., 3., 2., 0.], requires_grad=True)
    eg.cummax(x, 0).values.sum().backward()
    assert x.grad.tolist() == [1., 3., 0., 0.]


def test_logcumsumexp_no_underflow_or_overflow():
    y = eg.logcumsumexp(eg.tensor([-1000., 0., 1000.], dtype=eg.float64), 0)
    np.testing.assert_allclose(y.numpy(), [-1000., 0., 1000.])


def test_nansum_nanmean_ignore_nan_in_value_and_gradient():
    x = eg.tensor([1., NAN, 3.], requires_grad=True)
    eg.nanmean(x).backward()
    assert x.grad.tolist() == [0.5, 0., 0.5]
    assert eg.nansum(x).item() == 4. and eg.nansum(eg.tensor([1, 2])).dtype == eg.int64
    assert math.isnan(eg.nanmean(eg.tensor([NAN, NAN])).item())


def test_aminmax_fields_and_all_dims_keepdim():
    out = eg.aminmax(eg.tensor([[1., 2.], [3., 4.]]), keepdim=True)
    assert out._fields == ("min", "max") and out.min.shape == (1, 1)
    assert out.max.tolist() == [[4.]]


def test_heaviside_values_no_grad():
    x = eg.tensor([-1., 0., 2.], requires_grad=True)
    out = eg.heaviside(x, eg.tensor([0.5]))
    assert out.tolist() == [0., 0.5, 1.] and not out.requires_grad
    assert eg.heaviside(eg.tensor([0, 3]), eg.tensor([7])).tolist() == [7, 1]


def test_xlogy_zero_times_log_zero_and_nan():
    out = eg.xlogy(eg.tensor([0., 0., 1.]), eg.tensor([0., NAN, 0.]))
    assert out[0].item() == 0. and math.isnan(out[1].item()) and out[2].item() == -math.inf


def test_sinc_gradient_at_zero_is_zero():
    x = eg.tensor([0., 0.5], dtype=eg.float64, requires_grad=True)
    eg.sinc(x).sum().backward()
    assert x.grad[0].item() == 0.


def test_special_aliases():
    assert special.expit is eg.sigmoid and special.erf is eg.erf and special.logsumexp is (
        eg.logsumexp)
    assert set(special.__all__) >= {"expit", "logit", "xlog1py", "entr", "ndtr", "softmax"}


# --- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("call,exc,match", [
    (lambda: eg.quantile(eg.tensor([1, 2]), 0.5), RuntimeError, "float or double"),
    (lambda: eg.quantile(eg.tensor([1., 2.]), 1.5), RuntimeError, r"range \[0, 1\]"),
    (lambda: eg.quantile(eg.tensor([1., 2.]), eg.tensor([0.5], dtype=eg.float64)), RuntimeError,
     "same dtype"),
    (lambda: eg.quantile(eg.tensor([1., 2.]), eg.tensor([[0.5]])), RuntimeError, "1D tensor"),
    (lambda: eg.quantile(eg.tensor([1., 2.]), 0.5, interpolation="foo"), RuntimeError,
     "interpolation"),
    (lambda: eg.quantile(eg.zeros(0), 0.5), RuntimeError, "non-empty"),
    (lambda: eg.nanmean(eg.tensor([1, 2])), RuntimeError, "floating point"),
    (lambda: eg.logcumsumexp(eg.tensor([1, 2]), 0), NotImplementedError, "Long"),
    (lambda: eg.logaddexp(eg.tensor([1]), eg.tensor([2])), NotImplementedError, "Long"),
    (lambda: eg.hypot(eg.tensor([1]), eg.tensor([2])), NotImplementedError, "Long"),
    (lambda: eg.heaviside(eg.tensor([1.]), eg.tensor([1.], dtype=eg.float64)), RuntimeError,
     "different dtypes"),
    (lambda: eg.mode(eg.zeros(2, 0)), IndexError, "non-zero size"),
    (lambda: eg.cross(eg.zeros(2, 4), eg.zeros(2, 4)), RuntimeError, "no dimension of size 3"),
    (lambda: eg.cross(eg.zeros(2, 3), eg.zeros(3)), RuntimeError, "same number of dimensions"),
    (lambda: eg.cross(eg.zeros(2, 4), eg.zeros(2, 4), dim=1), RuntimeError, "must have length 3"),
    (lambda: eg.cdist(eg.zeros(3), eg.zeros(2, 3)), RuntimeError, "at least 2D"),
    (lambda: eg.cdist(eg.zeros(2, 3), eg.zeros(2, 4)), RuntimeError, "same number of columns"),
    (lambda: eg.cdist(eg.zeros(2, 3), eg.zeros(2, 3), p=-1), RuntimeError, "non-negative"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- versus torch --------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("name,fn", [
    ("median_nan", lambda lib, x: tuple(lib.median(x, 1))),
    ("nanmedian_nan", lambda lib, x: tuple(lib.nanmedian(x, 1))),
    ("nanmedian_all", lambda lib, x: lib.nanmedian(x)),
    ("nansum", lambda lib, x: lib.nansum(x, 0)),
    ("nanmean", lambda lib, x: lib.nanmean(x, 1, keepdim=True)),
    ("quantile_nan", lambda lib, x: lib.quantile(x, 0.3, 1)),
    ("nanquantile_nan", lambda lib, x: lib.nanquantile(x, 0.3, 1, interpolation="nearest")),
    ("cummax_nan", lambda lib, x: tuple(lib.cummax(x, 1))),
    ("cummin_nan", lambda lib, x: tuple(lib.cummin(x, 0))),
])
def test_nan_handling_matches_torch(name, fn):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((4, 5))
    a[1, 2] = a[2, :] = a[3, 0] = NAN
    ours = fn(eg, eg.tensor(a))
    theirs = fn(torch, torch.tensor(a))
    for o, t in zip(ours if isinstance(ours, tuple) else (ours,),
                    theirs if isinstance(theirs, tuple) else (theirs,)):
        np.testing.assert_allclose(_np(o), t.numpy(), equal_nan=True)


@pytest.mark.torch
@pytest.mark.parametrize("q", [0.0, 0.25, 1.0, [0.1, 0.5, 0.95]])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (1, False), (-1, True)])
def test_quantile_matches_torch(q, interpolation, dim, keepdim):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((2, 5, 4))
    qe = eg.tensor(q, dtype=eg.float64) if isinstance(q, list) else q
    qt = torch.tensor(q, dtype=torch.float64) if isinstance(q, list) else q
    x, tx = eg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = eg.quantile(x, qe, dim, keepdim, interpolation=interpolation)
    ty = torch.quantile(tx, qt, dim, keepdim, interpolation=interpolation)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)


@pytest.mark.torch
def test_mode_and_median_ties_match_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).integers(0, 4, (6, 9))
    for d in (0, 1):
        ours, theirs = eg.mode(eg.tensor(a), d), torch.mode(torch.tensor(a), d)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert eg.median(eg.tensor(a)).item() == torch.median(torch.tensor(a)).item()


@pytest.mark.torch
def test_cross_default_dim_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((2, 3, 3))
    b = np.random.default_rng(4).standard_normal((2, 3, 3))
    with pytest.warns(UserWarning):  # torch warns about the implicit dim; eagergrad does not
        want = torch.cross(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(eg.cross(eg.tensor(a), eg.tensor(b)).numpy(), want.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("name", ["expit", "erf", "erfc", "erfinv", "log1p", "expm1", "exp2",
                                  "sinc", "entr", "ndtr"])
def test_special_unary_matches_torch(name):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).uniform(0.05, 0.95, (3, 4))
    np.testing.assert_allclose(getattr(special, name)(eg.tensor(a)).numpy(),
                               getattr(torch.special, name)(torch.tensor(a)).numpy(), rtol=1e-7)


@pytest.mark.torch
def test_special_logit_xlogy_softmax_match_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(6).uniform(0.0, 1.0, (3, 4))
    e, t = eg.tensor(a), torch.tensor(a)
    pairs = [
        (special.logit(e, eps=0.2), torch.special.logit(t, eps=0.2)),
        (special.xlogy(e, e), torch.special.xlogy(t, t)),
        (special.xlog1py(e, e), torch.special.xlog1py(t, t)),
        (special.softmax(e, 1), torch.special.softmax(t, 1)),
        (special.logsumexp(e, 0), torch.special.logsumexp(t, 0)),
        (eg.heaviside(e - 0.5, e), torch.heaviside(t - 0.5, t)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)


@pytest.mark.torch
def test_logcumsumexp_gradient_matches_torch_with_extreme_values():
    torch = pytest.importorskip("torch")
    a = np.array([[-800., 0., 3., 700.], [1., 2., -1., 0.5]])
    g = np.array([[1., -2., 0.5, 0.], [-1., 1., 1., -3.]])
    x, tx = eg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    eg.logcumsumexp(x, 1).backward(eg.tensor(g))
    torch.logcumsumexp(tx, 1).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
