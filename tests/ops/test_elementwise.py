"""Elementwise ops: torch's type promotion, scalar operands, gradients at kinks and ties,
errors, erf accuracy, in-place ops and their autograd rules.

The generic forward/gradcheck/torch tests come from tests/op_db/elementwise.py; this file covers
what a table of random samples cannot: exact corner values (TORCH_SEMANTICS.md).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import eagergrad as eg


def _torch():
    return pytest.importorskip("torch")


def _np(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


def _dtype_name(t) -> str:
    return str(t.dtype).replace("torch.", "").replace("eagergrad.", "")


# --- type promotion (run on eagergrad and torch, compare dtype and values) ---------------------
PROMOTION = {
    "f32 + 0-d f64 stays f32": lambda L: L.tensor([1.5, 2.0]) + L.tensor(2.0, dtype=L.float64),
    "i64 * 2.5 -> f32": lambda L: L.tensor([1, 2]) * 2.5,
    "i64 * 0-d f64 -> f64": lambda L: L.tensor([1, 2]) * L.tensor(2.5, dtype=L.float64),
    "int / int -> f32": lambda L: L.tensor([3, 4]) / L.tensor([2, 8]),
    "int / python int -> f32": lambda L: L.tensor([3, -3]) / 2,
    "exp(int) -> f32": lambda L: L.exp(L.tensor([0, 1])),
    "i32 + python int stays i32": lambda L: L.tensor([1, 2], dtype=L.int32) + 3,
    "i32 + 0-d i64 stays i32": lambda L: L.tensor([1, 2], dtype=L.int32) + L.tensor(3),
    "u8 + 0-d i8 stays u8": lambda L: L.tensor([1], dtype=L.uint8) + L.tensor(2, dtype=L.int8),
    "f16 + 0-d f32 stays f16": lambda L: L.tensor([1.0], dtype=L.float16) + L.tensor(2.5),
    "i32 * f16 -> f16": lambda L: L.tensor([3], dtype=L.int32) * L.tensor([2.0],
                                                                          dtype=L.float16),
    "f32 * f64 -> f64": lambda L: L.tensor([3.0]) * L.tensor([2.0], dtype=L.float64),
    "bool + bool -> bool": lambda L: L.tensor([True, False]) + L.tensor([True, True]),
    "bool * bool -> bool": lambda L: L.tensor([True, False]) * L.tensor([True, True]),
    "bool + 1 -> i64": lambda L: L.tensor([True, False]) + 1,
    "bool + True -> bool": lambda L: L.tensor([True, False]) + True,
    "bool * 2.5 -> f32": lambda L: L.tensor([True, False]) * 2.5,
    "bool / bool -> f32": lambda L: L.tensor([True, False]) / L.tensor([True, True]),
    "i32 ** 2 stays i32": lambda L: L.tensor([2, 3], dtype=L.int32) ** 2,
    "i64 ** 2.5 -> f32": lambda L: L.tensor([2, 3]) ** 2.5,
    "2 ** i32 stays i32": lambda L: 2 ** L.tensor([2, 3], dtype=L.int32),
    "2.5 ** i32 -> f32": lambda L: 2.5 ** L.tensor([2, 3], dtype=L.int32),
    "bool ** 2 -> i64": lambda L: L.tensor([True, False]) ** 2,
    "int ** int tensor with negatives": lambda L: L.tensor([2, 1, -1, -1, 0, 3])
    ** L.tensor([-1, -2, -1, -2, 2, 2]),
    "f32 ** 0-d f64 stays f32": lambda L: L.tensor([2.0]) ** L.tensor(2.0, dtype=L.float64),
    "i64 // 2 stays int": lambda L: L.tensor([-7, 7]) // 2,
    "i64 // 2.0 -> f32": lambda L: L.tensor([-7, 7]) // 2.0,
    "i64 % 3": lambda L: L.tensor([-7, 7]) % 3,
    "7 % tensor": lambda L: 7 % L.tensor([-3, 3]),
    "f32 % scalar": lambda L: L.tensor([-3.5, 3.5]) % 2,
    "remainder f32 by negative": lambda L: L.remainder(L.tensor([-3.5, 3.5]),
                                                       L.tensor([2.0, -2.0])),
    "fmod i64": lambda L: L.fmod(L.tensor([-7, 7]), 3),
    "div trunc int": lambda L: L.div(L.tensor([-7, 7]), 2, rounding_mode="trunc"),
    "div floor f32": lambda L: L.div(L.tensor([-7.0, 7.0]), 2, rounding_mode="floor"),
    "div floor int by float": lambda L: L.div(L.tensor([-7, 7]), 2.0, rounding_mode="floor"),
    "float // 0": lambda L: L.tensor([3.0, -3.0, 0.0]) // 0,
    "sqrt(int)": lambda L: L.sqrt(L.tensor([4, 9])),
    "sigmoid(int)": lambda L: L.sigmoid(L.tensor([4, -1])),
    "reciprocal(int)": lambda L: L.reciprocal(L.tensor([4])),
    "exp2(int)": lambda L: L.exp2(L.tensor([3])),
    "erf(i32)": lambda L: L.erf(L.tensor([1], dtype=L.int32)),
    "atan2(int, int)": lambda L: L.atan2(L.tensor([1]), L.tensor([2])),
    "clamp(int, min=1.5) -> f32": lambda L: L.clamp(L.tensor([1, 5]), min=1.5),
    "clamp(i32, min=2) stays i32": lambda L: L.clamp(L.tensor([1, 5], dtype=L.int32), min=2),
    "clamp(f32, f64 tensor) -> f64": lambda L: L.clamp(L.tensor([1.0, 5.0]),
                                                       min=L.tensor([2.0], dtype=L.float64)),
    "clamp min > max gives max": lambda L: L.clamp(L.tensor([1.0, 5.0, 3.0]), min=4, max=2),
    "clamp_min int": lambda L: L.tensor([1, 5]).clamp_min(2),
    "where(c, 1., 0.) -> f32": lambda L: L.where(L.tensor([True, False]), 1.0, 0.0),
    "where(c, 1, 0) -> i64": lambda L: L.where(L.tensor([True, False]), 1, 0),
    "where(c, int, 0.5) -> f32": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), 0.5),
    "where(c, f32, f64) -> f64": lambda L: L.where(L.tensor([True, False]), L.tensor([1.0, 2.0]),
                                                   L.tensor([3.0, 4.0], dtype=L.float64)),
    "maximum(int, float)": lambda L: L.maximum(L.tensor([1, 3]), L.tensor([1.5, 2.0])),
    "square(i32)": lambda L: L.square(L.tensor([4], dtype=L.int32)),
    "square(bool) -> i64": lambda L: L.square(L.tensor([True])),
    "abs(int)": lambda L: L.abs(L.tensor([-3, 2])),
    "relu(int)": lambda L: L.relu(L.tensor([-4, 3])),
    "sign(int)": lambda L: L.sign(L.tensor([-3, 0, 2])),
    "sign(bool)": lambda L: L.sign(L.tensor([True, False])),
    "floor(i32)": lambda L: L.floor(L.tensor([3], dtype=L.int32)),
    "round(int)": lambda L: L.round(L.tensor([3])),
    "round half to even": lambda L: L.round(L.tensor([0.5, 1.5, 2.5, -0.5, -2.5])),
    "round decimals": lambda L: L.round(L.tensor([1.2345, -2.5e-3, 1234.5]), decimals=2),
    "round negative decimals": lambda L: L.round(L.tensor([1234.5, 1250.0]), decimals=-2),
    "frac": lambda L: L.frac(L.tensor([-1.25, 2.5])),
    "nan_to_num(int)": lambda L: L.nan_to_num(L.tensor([1])),
    "nan_to_num defaults": lambda L: L.nan_to_num(L.tensor([math.nan, math.inf, -math.inf])),
    "nan_to_num f16": lambda L: L.nan_to_num(L.tensor([math.inf], dtype=L.float16)),
    "nan_to_num values": lambda L: L.nan_to_num(L.tensor([math.inf, math.nan, -math.inf]),
                                                nan=1.0, posinf=2.0, neginf=3.0),
    "i64 == 1.5": lambda L: L.tensor([1, 2]) == 1.5,
    "i64 < 1.5": lambda L: L.tensor([1, 2]) < 1.5,
    "bool == 1": lambda L: L.tensor([True, False]) == 1,
    "f32 == 0.1": lambda L: L.tensor([0.1]) == 0.1,
    "f32 == 0-d f64 in f32": lambda L: L.tensor([1.1]) == L.tensor(1.1, dtype=L.float64),
    "u8 & i8 -> i16": lambda L: L.tensor([3], dtype=L.uint8) & L.tensor([1], dtype=L.int8),
    "int & bool": lambda L: L.tensor([3]) & L.tensor([True]),
    "bool | 1 -> i64": lambda L: L.tensor([True]) | 1,
    "int ^ 1": lambda L: L.tensor([3]) ^ 1,
    "~int": lambda L: ~L.tensor([0, 5]),
    "~bool is logical not": lambda L: ~L.tensor([True, False]),
    "logical_and(float, int)": lambda L: L.logical_and(L.tensor([1.0, 0.0]), L.tensor([2, 2])),
    "logical_not(int)": lambda L: L.logical_not(L.tensor([0, 2])),
    "isnan(int)": lambda L: L.isnan(L.tensor([1])),
    "isinf(int)": lambda L: L.isinf(L.tensor([1])),
    "isfinite(int)": lambda L: L.isfinite(L.tensor([1])),
    "isclose ints with rtol": lambda L: L.isclose(L.tensor([100]), L.tensor([101]), rtol=0.1),
    "isclose infinities": lambda L: L.isclose(L.tensor([math.inf, math.nan, -math.inf]),
                                              L.tensor([math.inf, math.nan, math.inf])),
    "isclose equal_nan": lambda L: L.isclose(L.tensor([math.nan]), L.tensor([math.nan]),
                                             equal_nan=True),
    "isclose bool": lambda L: L.isclose(L.tensor([True]), L.tensor([True])),
    "add alpha int": lambda L: L.add(L.tensor([1, 2]), L.tensor([3, 4]), alpha=2),
    "sub alpha": lambda L: L.sub(L.tensor([1.0, 2.0]), 3, alpha=2),
    "int32 + huge int stays int32": lambda L: L.tensor([1], dtype=L.int32) + 2**20,
    "sigmoid large |x| (f64)": lambda L: L.sigmoid(L.tensor(np.array([-800.0, 800.0, -40.0]))),
    "sigmoid large |x| (f32)": lambda L: L.sigmoid(L.tensor([-1e4, 1e4, -80.0])),
    "log(0), log(-1)": lambda L: L.log(L.tensor([0.0, -1.0])),
    "rsqrt(0), rsqrt(-1)": lambda L: L.rsqrt(L.tensor([0.0, -1.0])),
    "reciprocal(0)": lambda L: L.reciprocal(L.tensor([0.0, -0.0])),
    "int / 0 -> inf": lambda L: L.tensor([1, -1, 0]) / 0,
    "pow 0 ** 0": lambda L: L.tensor([0.0]) ** 0,
    "negative ** fraction is nan": lambda L: L.tensor([-8.0]) ** (1 / 3),
    "abs(-0.)": lambda L: L.abs(L.tensor([-0.0])),
    "maximum nan propagates": lambda L: L.maximum(L.tensor([math.nan, 1.0]),
                                                  L.tensor([1.0, math.nan])),
    "clamp nan stays nan": lambda L: L.clamp(L.tensor([math.nan]), 0, 1),
    "lerp weight tensor": lambda L: L.lerp(L.tensor([1.0, 2.0]), L.tensor([3.0, 5.0]),
                                           L.tensor([0.3, 0.8])),
    "lerp weight 1 is exact": lambda L: L.lerp(L.tensor([0.1]), L.tensor([0.7]), 1.0),
    "erf tails f64": lambda L: L.erf(L.tensor(np.array([-30.0, -6.0, -1e-300, 0.0, 0.5, 1.0, 3.0,
                                                        6.0]))),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(PROMOTION), ids=list(PROMOTION))
def test_matches_torch_dtype_and_values(case):
    torch = _torch()
    fn = PROMOTION[case]
    got, want = fn(eg), fn(torch)
    assert _dtype_name(got) == _dtype_name(want), f"{case}: {got.dtype} vs torch {want.dtype}"
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(_np(got).astype(np.float64), _np(want).astype(np.float64),
                               rtol=1e-6, atol=0, equal_nan=True, err_msg=case)


def test_promotion_without_torch():
    # The core rules of TORCH_SEMANTICS.md, checked even where torch is not installed.
    assert (eg.tensor([1.0]) + eg.tensor(2.0, dtype=eg.float64)).dtype == eg.float32
    assert (eg.tensor([1, 2]) * 2.5).dtype == eg.float32
    assert (eg.tensor([3]) / eg.tensor([2])).dtype == eg.float32
    assert eg.exp(eg.tensor([1])).dtype == eg.float32
    assert (eg.tensor([1], dtype=eg.int32) + 1).dtype == eg.int32
    assert (eg.tensor([True]) + eg.tensor([True])).dtype == eg.bool
    assert eg.tensor([True, False]).sum().dtype == eg.int64
    assert eg.tensor([1, 2], dtype=eg.int32).sum().dtype == eg.int64


def test_integer_tensor_chains():
    x = eg.tensor([[1, 2], [3, 4]])
    y = (x * 2 + 1) // 3 - x % 2
    assert y.dtype == eg.int64
    assert y.sum().item() == int(((np.array([[1, 2], [3, 4]]) * 2 + 1) // 3 -
                                  np.array([[1, 2], [3, 4]]) % 2).sum())
    assert (x / 2).sum().dtype == eg.float32
    assert not (x * 2).requires_grad


def test_leaf_grad_keeps_leaf_dtype_when_graph_mixes_precisions():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = eg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    z = (x * y + eg.clamp(x, min=eg.tensor(np.array([1.5, 1.5])))).sum()
    assert z.dtype == eg.float64
    z.backward()
    assert x.grad.dtype == eg.float32 and y.grad.dtype == eg.float64
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 2.0])


# --- scalar-first forms ----------------------------------------------------------------------
@pytest.mark.parametrize("expr,ref,dref", [
    (lambda x: 2 - x, lambda x: 2 - x, lambda x: -np.ones_like(x)),
    (lambda x: 2 / x, lambda x: 2 / x, lambda x: -2 / x**2),
    (lambda x: 2**x, lambda x: 2.0**x, lambda x: 2.0**x * math.log(2)),
    (lambda x: 3 * x, lambda x: 3 * x, lambda x: 3 * np.ones_like(x)),
    (lambda x: 1 + x, lambda x: 1 + x, lambda x: np.ones_like(x)),
    (lambda x: x**2, lambda x: x**2, lambda x: 2 * x),
    (lambda x: x**-1, lambda x: 1 / x, lambda x: -1 / x**2),
])
def test_scalar_operands(expr, ref, dref):
    a = np.array([0.5, 1.5, 2.0], dtype=np.float32)
    x = eg.tensor(a, requires_grad=True)
    y = expr(x)
    assert y.dtype == eg.float32 and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ref(a), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), dref(a), rtol=1e-5)


def test_scalar_base_zero_pow_gradient_matches_torch():
    torch = _torch()
    vals = [0.0, -1.0, 2.0]
    x, t = eg.tensor(vals, requires_grad=True), torch.tensor(vals, requires_grad=True)
    (0**x).sum().backward()
    (0**t).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


# --- gradients at kinks and ties ---------------------------------------------------------------
def _f64(L, vals, requires_grad=True):
    """A float64 tensor of exact Python floats (built from a numpy float64 array)."""
    return L.tensor(np.array(vals, dtype=np.float64), requires_grad=requires_grad)


def _grad(fn, *vals):
    ts = [_f64(eg, v) for v in vals]
    out = fn(*ts)
    out.sum().backward()
    return [t.grad.numpy() for t in ts]


def test_relu_gradient_at_zero_is_zero():
    (g,) = _grad(lambda x: x.relu(), [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])


def test_abs_gradient_at_zero_is_zero():
    (g,) = _grad(lambda x: x.abs(), [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


def test_clamp_passes_gradient_at_bounds():
    (g,) = _grad(lambda x: x.clamp(0.0, 1.0), [-0.5, 0.0, 0.5, 1.0, 1.5])
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])
    (g,) = _grad(lambda x: x.clamp(min=0.0), [-0.5, 0.0, 0.5])
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0])
    (g,) = _grad(lambda x: x.clamp(4.0, 2.0), [1.0, 3.0, 5.0])  # min > max: constant
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


@pytest.mark.torch
@pytest.mark.parametrize("x,lo,hi", [
    ([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 2.0, 2.0, 6.0, 0.0], [4.0, 4.0, 4.0, 5.0, 5.0]),
    ([1.0, 3.0, 5.0], [3.0, 3.0, 3.0], [3.0, 3.0, 3.0]),
    ([1.0, 3.0, 5.0, 4.0], [4.0, 4.0, 4.0, 5.0], [2.0, 2.0, 2.0, 3.0]),
    ([1.0, 3.0, 5.0], [3.0, 3.0, 3.0], None),
    ([1.0, 3.0, 5.0], None, [3.0, 3.0, 3.0]),
])
def test_clamp_tensor_bound_gradients_match_torch(x, lo, hi):
    torch = _torch()
    results = []
    for L in (eg, torch):
        ts = [None if v is None else L.tensor(v, requires_grad=True) for v in (x, lo, hi)]
        L.clamp(*ts).sum().backward()
        results.append([None if t is None else t.grad.numpy() for t in ts])
    for ours, theirs in zip(*results):
        if theirs is not None:
            np.testing.assert_array_equal(ours, theirs)


def test_maximum_minimum_split_ties_half_half():
    gx, gy = _grad(lambda x, y: eg.maximum(x, y), [1.0, 2.0, 3.0], [1.0, 3.0, 2.0])
    np.testing.assert_array_equal(gx, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.5, 1.0, 0.0])
    gx, gy = _grad(lambda x, y: eg.minimum(x, y), [1.0, 2.0, 3.0], [1.0, 3.0, 2.0])
    np.testing.assert_array_equal(gx, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(gy, [0.5, 0.0, 1.0])


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc"])
def test_rounding_requires_grad_with_zero_gradient(name):
    x = eg.tensor([-1.5, 0.0, 0.3, 2.5], requires_grad=True)
    y = getattr(x, name)()
    assert y.requires_grad and y.grad_fn is not None
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(4))


def test_round_decimals_zero_gradient_and_frac_unit_gradient():
    x = eg.tensor([1.234, -2.5], requires_grad=True)
    (eg.round(x, decimals=2) + x.frac()).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_comparisons_never_require_grad():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    for out in (x > 1, x == 1, x.ne(x), x.isnan(), eg.isclose(x, x), x.logical_not(),
                eg.logical_and(x, x)):
        assert out.dtype == eg.bool and not out.requires_grad and out.grad_fn is None


def test_where_zero_gradient_to_untaken_branch():
    gc = [True, False, True]
    x = eg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = eg.tensor([4.0, 5.0, 6.0], requires_grad=True)
    eg.where(eg.tensor(gc), x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 1.0, 0.0])


def test_where_propagates_nan_of_untaken_branch_backward():
    # torch does this too: sqrt'(0) = inf, and inf * 0 = nan in the untaken branch.
    x = eg.tensor([0.0, 1.0], requires_grad=True)
    eg.where(x > 0, x.sqrt(), 0.0).sum().backward()
    assert np.isnan(x.grad.numpy()[0]) and x.grad.numpy()[1] == 0.5


@pytest.mark.torch
@pytest.mark.parametrize("xs,es", [
    ([0.0, 0.0, 2.0, -1.0, 0.0], [0.0, 2.0, 0.0, 2.0, -1.0]),
    ([0.0, 3.0], [0.5, 1.0]),
])
def test_pow_gradients_at_zero_match_torch(xs, es):
    torch = _torch()
    res = []
    for L in (eg, torch):
        x, e = _f64(L, xs), _f64(L, es)
        (x**e).sum().backward()
        res.append((x.grad.numpy(), e.grad.numpy()))
    for ours, theirs in zip(*res):
        np.testing.assert_allclose(ours, theirs, equal_nan=True)


@pytest.mark.torch
@pytest.mark.parametrize("exponent", [0, 0.5, 1, 2, 3, -1, -1.5])
def test_pow_scalar_gradient_at_zero_and_negative_matches_torch(exponent):
    torch = _torch()
    res = []
    for L in (eg, torch):
        x = _f64(L, [0.0, -1.0, 2.0])
        (x**exponent).sum().backward()
        res.append(x.grad.numpy())
    np.testing.assert_allclose(res[0], res[1], equal_nan=True)


def test_sqrt_gradient_at_zero_is_inf():
    (g,) = _grad(lambda x: x.sqrt(), [0.0, 1.0])
    assert g[0] == np.inf and g[1] == 0.5


def test_nan_to_num_gradient_is_zero_at_non_finite():
    (g,) = _grad(lambda x: eg.nan_to_num(x), [math.nan, math.inf, 1.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])


@pytest.mark.torch
def test_remainder_fmod_lerp_gradients_match_torch():
    torch = _torch()
    res = []
    for L in (eg, torch):
        x, y, w = _f64(L, [3.0, -2.5, 1.0]), _f64(L, [2.0, 1.5, -0.7]), _f64(L, [0.3, 0.8, -0.2])
        (L.remainder(x, y) * 1.5 + L.fmod(x, y) + L.lerp(x, y, w) ** 2).sum().backward()
        res.append([t.grad.numpy() for t in (x, y, w)])
    for ours, theirs in zip(*res):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_double_backward_through_pow_and_sigmoid():
    x = _f64(eg, [0.5, 1.5])
    (g,) = eg.autograd.grad((x**3).sum(), x, create_graph=True)
    (gg,) = eg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.detach().numpy())
    s = x.sigmoid()
    (g,) = eg.autograd.grad(s.sum(), x, create_graph=True)
    (gg,) = eg.autograd.grad(g.sum(), x)
    sv = 1 / (1 + np.exp(-x.detach().numpy()))
    np.testing.assert_allclose(gg.numpy(), sv * (1 - sv) * (1 - 2 * sv))


# --- numerics ----------------------------------------------------------------------------------
def test_erf_matches_math_erf_over_a_wide_range():
    xs = np.concatenate([np.linspace(-30, 30, 20001), np.geomspace(1e-300, 30, 2000),
                         -np.geomspace(1e-300, 30, 2000),
                         [0.84375, 1.25, 1 / 0.35, 6.0, 28.0, -0.84375, -1.25]])
    got = eg.erf(eg.tensor(xs)).numpy()
    want = np.array([math.erf(v) for v in xs])
    np.testing.assert_allclose(got, want, rtol=2.3e-16, atol=1e-300)
    gotc = eg.erfc(eg.tensor(xs)).numpy()
    wantc = np.array([math.erfc(v) for v in xs])
    np.testing.assert_allclose(gotc, wantc, rtol=1e-15, atol=1e-300)


def test_erf_special_values_and_float32():
    got = eg.erf(_f64(eg, [math.inf, -math.inf, math.nan, -0.0], False)).numpy()
    assert got[0] == 1.0 and got[1] == -1.0 and np.isnan(got[2]) and np.signbit(got[3])
    x = np.linspace(-5, 5, 101).astype(np.float32)
    y = eg.erf(eg.tensor(x))
    assert y.dtype == eg.float32
    np.testing.assert_allclose(y.numpy(), [math.erf(v) for v in x.astype(np.float64)],
                               rtol=1e-6, atol=1e-7)


def test_erfinv_inverts_erf_including_the_tails():
    y = np.concatenate([np.linspace(-0.999, 0.999, 2001), 1 - np.geomspace(1.2e-16, 0.5, 200),
                        -1 + np.geomspace(1.2e-16, 0.5, 200), np.geomspace(1e-300, 0.5, 100)])
    z = eg.erfinv(eg.tensor(y)).numpy()
    np.testing.assert_allclose(eg.erf(eg.tensor(z)).numpy(), y, rtol=0, atol=2.3e-16)
    tail = y > 0.5  # erf is flat there: check erfc(z) against 1 - y instead
    np.testing.assert_allclose([math.erfc(v) for v in z[tail]], 1 - y[tail], rtol=1e-13)
    special = eg.erfinv(_f64(eg, [1.0, -1.0, 1.5, math.nan, -0.0], False)).numpy()
    assert special[0] == np.inf and special[1] == -np.inf and np.isnan(special[2:4]).all()
    assert special[4] == 0 and np.signbit(special[4])
    assert eg.erfinv(eg.tensor([0.5])).dtype == eg.float32


@pytest.mark.torch
def test_erfinv_matches_torch():
    torch = _torch()
    y = np.concatenate([np.linspace(-1, 1, 4001), 1 - np.geomspace(1.2e-16, 0.5, 200)])
    np.testing.assert_allclose(eg.erfinv(eg.tensor(y)).numpy(),
                               torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-14, atol=1e-300)


@pytest.mark.torch
def test_erf_matches_torch_in_float64():
    torch = _torch()
    x = np.random.default_rng(0).standard_normal(1000) * 3
    np.testing.assert_allclose(eg.erf(eg.tensor(x)).numpy(), torch.erf(torch.tensor(x)).numpy(),
                               rtol=1e-15, atol=1e-16)


def test_out_of_domain_math_is_silent():
    # numpy warns (and the suite turns warnings into errors); torch returns inf/nan silently.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = eg.tensor([0.0, -1.0, 1e30])
        for out in (x.log(), x.sqrt(), x.rsqrt(), x.reciprocal(), x / 0, x.log1p(),
                    x.asin(), x ** 0.5, x ** -1, x.sigmoid(), -x.sigmoid(), x % 0, x // 0,
                    eg.fmod(x, 0.0), eg.tensor([-1e4]).sigmoid(), x.log2(), x.log10()):
            assert out.shape == (3,) or out.shape == (1,)


def test_sigmoid_is_stable_at_extremes():
    y = eg.sigmoid(_f64(eg, [-800.0, 800.0, 0.0], False)).numpy()
    np.testing.assert_array_equal(y, [0.0, 1.0, 0.5])
    assert eg.sigmoid(_f64(eg, [-40.0], False)).item() == pytest.approx(
        4.248354255291589e-18, rel=1e-12)


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,exc,msg", [
    (lambda: eg.clamp(eg.tensor([1.0])), RuntimeError,
     "torch.clamp: At least one of 'min' or 'max' must not be None"),
    (lambda: eg.tensor([True]) - eg.tensor([True]), RuntimeError,
     "Subtraction, the `-` operator, with two bool tensors is not supported"),
    (lambda: eg.tensor([1.0]) - eg.tensor([True]), RuntimeError,
     "Subtraction, the `-` operator, with a bool tensor is not supported"),
    (lambda: 1 - eg.tensor([True]), RuntimeError, "with a bool tensor is not supported"),
    (lambda: -eg.tensor([True]), RuntimeError, "Negation, the `-` operator, on a bool tensor"),
    (lambda: eg.tensor([0.1, 1.0]) + eg.tensor([1.0, 2.0, 3.0]), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
    (lambda: eg.ones(2, 3) * eg.ones(4, 1, 2), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 2"),
    (lambda: eg.tensor([0.1, 1.0]) == eg.tensor([1.0, 2.0, 3.0]), RuntimeError,
     "must match the size of tensor b (3)"),
    (lambda: eg.where(eg.tensor([1, 0]), 1.0, 0.0), RuntimeError,
     "where expected condition to be a boolean tensor, but got a tensor with dtype Long"),
    (lambda: eg.lerp(eg.tensor([1.0]), eg.tensor([1.0], dtype=eg.float64), 0.5), RuntimeError,
     "expected dtype float for `end` but got dtype double"),
    (lambda: eg.lerp(eg.tensor([1.0]), eg.tensor([1.0]), eg.tensor([0.5], dtype=eg.float64)),
     RuntimeError, "expected dtype float for `weight` but got dtype double"),
    (lambda: eg.lerp(eg.tensor([1]), eg.tensor([1]), 0.5), NotImplementedError,
     "\"lerp_kernel_scalar\" not implemented for 'Long'"),
    (lambda: eg.isclose(eg.tensor([1.0]), eg.tensor([1.0], dtype=eg.float64)), RuntimeError,
     "Float did not match Double"),
    (lambda: eg.isclose(eg.tensor([1.0]), eg.tensor([1.0]), rtol=-1), RuntimeError,
     "rtol must be greater than or equal to zero, but got -1"),
    (lambda: eg.isclose(eg.tensor([1.0]), 1.0), TypeError,
     "isclose(): argument 'other' (position 2) must be Tensor, not float"),
    (lambda: eg.maximum(eg.tensor([1.0]), 1.0), TypeError,
     "maximum(): argument 'other' (position 2) must be Tensor, not float"),
    (lambda: eg.logical_and(eg.tensor([True]), True), TypeError,
     "logical_and(): argument 'other' (position 2) must be Tensor, not bool"),
    (lambda: eg.tensor([3]) // 0, RuntimeError, "ZeroDivisionError"),
    (lambda: eg.tensor([3]) % 0, RuntimeError, "ZeroDivisionError"),
    (lambda: eg.fmod(eg.tensor([3]), eg.tensor([0])), RuntimeError, "ZeroDivisionError"),
    (lambda: eg.div(eg.tensor([3]), 0, rounding_mode="trunc"), RuntimeError, "ZeroDivisionError"),
    (lambda: eg.div(eg.tensor([1.0]), 2, rounding_mode="x"), RuntimeError,
     "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'x'"),
    (lambda: eg.tensor([2]) ** -1, RuntimeError,
     "Integers to negative integer powers are not allowed."),
    (lambda: eg.tensor([1.0]) & eg.tensor([1.0]), NotImplementedError,
     "\"bitwise_and_cpu\" not implemented for 'Float'"),
    (lambda: ~eg.tensor([1.0]), TypeError,
     "~ (operator.invert) is only implemented on integer and Boolean-type tensors"),
    (lambda: eg.sub(eg.tensor([1.0]), eg.tensor([1.0]), alpha=True), RuntimeError,
     "Boolean alpha only supported for Boolean results."),
    (lambda: eg.add(eg.tensor([1]), eg.tensor([1]), alpha=2.5), RuntimeError,
     "For integral input tensors, argument alpha must not be a floating point number."),
    (lambda: eg.tensor([1]).frac(), NotImplementedError,
     "\"frac_cpu\" not implemented for 'Long'"),
    (lambda: eg.tensor([True]).abs(), NotImplementedError,
     "\"abs_cpu\" not implemented for 'Bool'"),
    (lambda: eg.tensor([True]).relu(), RuntimeError, "Boolean inputs not supported for relu"),
    (lambda: eg.tensor([1.0]) + "a", TypeError, ""),
    (lambda: eg.tensor([1.0]).pow("a"), TypeError, "pow(): argument 'exponent'"),
])
def test_errors_use_torch_types_and_wording(fn, exc, msg):
    with pytest.raises(exc) as info:
        fn()
    assert msg in str(info.value)


@pytest.mark.torch
def test_error_types_match_torch():
    torch = _torch()
    cases = [
        lambda L: L.clamp(L.tensor([1.0])),
        lambda L: L.tensor([True]) - L.tensor([True]),
        lambda L: L.tensor([0.1, 1.0]) + L.tensor([1.0, 2.0, 3.0]),
        lambda L: L.where(L.tensor([1, 0]), 1.0, 0.0),
        lambda L: L.tensor([3]) // 0,
        lambda L: L.tensor([2]) ** -1,
        lambda L: L.tensor([1.0]) & L.tensor([1.0]),
        lambda L: ~L.tensor([1.0]),
        lambda L: L.maximum(L.tensor([1.0]), 1.0),
    ]
    for fn in cases:
        with pytest.raises(Exception) as ours:
            fn(eg)
        with pytest.raises(Exception) as theirs:
            fn(torch)
        assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
        assert str(ours.value).split("\n")[0] in str(theirs.value)


# --- in-place ops ------------------------------------------------------------------------------
def test_inplace_arithmetic_and_dunders():
    x = eg.tensor([1.0, 2.0, 3.0])
    before = x._version
    x.add_(1).mul_(2).sub_(eg.tensor([1.0, 1.0, 1.0]), alpha=2).div_(2)
    np.testing.assert_allclose(x.numpy(), [1.0, 2.0, 3.0])
    x += 1
    x *= eg.tensor(2.0)
    x -= 1
    x /= 2
    x **= 2
    np.testing.assert_allclose(x.numpy(), [2.25, 6.25, 12.25])
    assert x._version > before


def test_inplace_keeps_dtype_and_refuses_unsafe_cast():
    x = eg.tensor([1, 2, 3])
    x += 1
    assert x.dtype == eg.int64
    np.testing.assert_array_equal(x.numpy(), [2, 3, 4])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        x.add_(1.5)
    f = eg.tensor([1.0, 2.0])
    f.add_(eg.tensor([1, 2]))  # int into float is allowed
    assert f.dtype == eg.float32
    np.testing.assert_array_equal(f.numpy(), [2.0, 4.0])


def test_inplace_broadcast_shape_error():
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast "
                                           r"shape \[2, 3\]"):
        eg.zeros(3).add_(eg.ones(2, 3))
    y = eg.zeros(2, 3)
    y.add_(eg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(y.numpy(), [[1, 2, 3], [1, 2, 3]])


def test_clamp_zero_fill_copy_inplace():
    x = eg.tensor([-2.0, 0.5, 3.0])
    assert x.clamp_(0, 1) is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 0.5, 1.0])
    x.clamp_(max=0.25)
    np.testing.assert_array_equal(x.numpy(), [0.0, 0.25, 0.25])
    x.zero_()
    np.testing.assert_array_equal(x.numpy(), [0.0, 0.0, 0.0])
    x.fill_(7)
    np.testing.assert_array_equal(x.numpy(), [7.0, 7.0, 7.0])
    y = eg.zeros(2, 3)
    y.copy_(eg.tensor([1, 2, 3]))  # broadcast and int -> float cast
    assert y.dtype == eg.float32
    np.testing.assert_array_equal(y.numpy(), [[1, 2, 3], [1, 2, 3]])
    with pytest.raises(RuntimeError, match="copy_"):
        y.copy_(eg.ones(4))


def test_inplace_on_leaf_requiring_grad_raises():
    z = eg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        z.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        z.clamp_(0, 1)
    with eg.no_grad():
        z.add_(1)
        z.mul_(2)
    np.testing.assert_array_equal(z.detach().numpy(), [4.0, 4.0, 4.0])
    assert z.is_leaf and z.requires_grad


def test_inplace_on_saved_tensor_raises_at_backward_naming_the_op():
    a = eg.ones(3, requires_grad=True)
    b = a * 2
    c = b * b  # Mul saved b
    b.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*MulBackward0"):
        c.sum().backward()
    a = eg.ones(3, requires_grad=True)
    b = a.exp()  # Exp saved its output
    b.mul_(2)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*ExpBackward0"):
        b.sum().backward()


def test_inplace_on_non_leaf_records_gradient():
    a = eg.tensor([1.0, 2.0], requires_grad=True)
    b = a * 3
    b.add_(1).mul_(a)
    b.sum().backward()
    # b = (3a + 1) * a -> db/da = 6a + 1
    np.testing.assert_allclose(a.grad.numpy(), [7.0, 13.0])


def test_inplace_on_leaf_used_by_graph_under_no_grad_raises_at_backward():
    w = eg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with eg.no_grad():
        w.sub_(0.5)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_version_counter_bumps_on_every_inplace_op():
    x = eg.zeros(2)
    versions = [x._version]
    for op in (lambda: x.add_(1), lambda: x.zero_(), lambda: x.fill_(2.0),
               lambda: x.copy_(eg.ones(2)), lambda: x.clamp_(0, 1), lambda: x.mul_(3)):
        op()
        versions.append(x._version)
    assert versions == sorted(set(versions))


@pytest.mark.torch
def test_inplace_results_match_torch():
    torch = _torch()
    res = []
    for L in (eg, torch):
        x = L.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])
        x.add_(L.tensor([1.0, 2.0, 3.0]), alpha=0.5).mul_(2).clamp_(min=-1.0, max=5.0)
        x.sub_(1).div_(L.tensor([[2.0], [4.0]]))
        x.pow_(2)
        res.append(x.numpy().copy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


# --- devices -----------------------------------------------------------------------------------
def _elementwise_ops():
    from ..op_db.elementwise import OPS

    return OPS


@pytest.mark.parametrize("op", _elementwise_ops(), ids=[op.name for op in _elementwise_ops()])
def test_op_on_device_matches_cpu(op, device):
    # numpy and cupy differ in corners (scalar promotion, where with scalars, erf's bit tricks).
    if device == "cpu":
        pytest.skip("compares the cuda result against cpu")
    from ..op_db import float_input_indices, make_arrays

    sample = op.shapes[0]
    arrays = make_arrays(op, sample, "float64")
    req = float_input_indices(op, sample) if op.differentiable else ()
    results = []
    for dev in ("cpu", device):
        ts = [eg.tensor(a).to(dev) for a in arrays]
        for i in req:
            ts[i].requires_grad_(True)
        out = op.fn(eg, *ts)
        if req:
            out.sum().backward()
        results.append((out, [ts[i].grad for i in req]))
    (out_c, grads_c), (out_d, grads_d) = results
    assert out_d.dtype == out_c.dtype and out_d.device == eg.device(device)
    np.testing.assert_allclose(out_d.cpu().detach().numpy(), out_c.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    for gc, gd in zip(grads_c, grads_d):
        np.testing.assert_allclose(gd.cpu().numpy(), gc.numpy(), rtol=1e-12, atol=1e-12)


def _nth_grads(fn, x, n):
    out, grads = fn(x), []
    for _ in range(n):
        (out,) = eg.autograd.grad(out.sum(), x, create_graph=True)
        grads.append(out.detach().numpy())
    return grads


def test_fused_activation_backwards_are_differentiable_three_times():
    v = np.array([-1.5, -0.2, 0.3, 2.0])
    t = np.tanh(v)
    g1, g2, g3 = _nth_grads(eg.tanh, _f64(eg, v), 3)
    np.testing.assert_allclose(g1, 1 - t**2, rtol=1e-12)
    np.testing.assert_allclose(g2, -2 * t * (1 - t**2), rtol=1e-12)
    np.testing.assert_allclose(g3, (1 - t**2) * (6 * t**2 - 2), rtol=1e-12)
    s = 1 / (1 + np.exp(-v))
    g1, g2, g3 = _nth_grads(eg.sigmoid, _f64(eg, v), 3)
    np.testing.assert_allclose(g1, s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(g2, s * (1 - s) * (1 - 2 * s), rtol=1e-12)
    np.testing.assert_allclose(g3, s * (1 - s) * (1 - 6 * s + 6 * s**2), rtol=1e-10)
    g1, g2 = _nth_grads(lambda x: eg.relu(x) * x, _f64(eg, v), 2)
    np.testing.assert_allclose(g1, np.where(v > 0, 2 * v, 0.0))
    np.testing.assert_allclose(g2, np.where(v > 0, 2.0, 0.0))
