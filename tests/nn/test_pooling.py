"""Pooling, padding and interpolation (F.max_pool*, avg_pool*, adaptive pools, pad, interpolate)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import eagergrad as eg
from eagergrad._ops import conv as C
from eagergrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    return ([eg.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def compare(eg_fn, torch_fn, shapes, **kw):
    """Same call on both libraries (float64): outputs (indices too) and input gradients agree."""
    ours, theirs = _pair(shapes)
    y, yt = eg_fn(*ours, **kw), torch_fn(*theirs, **kw)
    if isinstance(yt, tuple):
        np.testing.assert_array_equal(y[1].numpy(), yt[1].numpy())
        assert y[1].dtype == eg.int64 and not y[1].requires_grad
        y, yt = y[0], yt[0]
    assert tuple(y.shape) == tuple(yt.shape)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    y.backward(eg.tensor(g))
    yt.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def _distinct(shape):
    """Values at least 0.1 apart (no ties within finite-difference reach of each other)."""
    n = int(np.prod(shape))
    return np.random.default_rng(0).permutation(n).astype(np.float64).reshape(shape) / 10


# --- max pooling --------------------------------------------------------------------------------
MAX_GRID = [
    c for c in itertools.product([2, 3, (3, 2)], [None, 1, 2, (1, 3)], [0, 1], [1, 2],
                                 [False, True])
]


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", MAX_GRID)
def test_max_pool2d_matches_torch(kernel, stride, padding, dilation, ceil_mode):
    compare(C.max_pool2d, TF.max_pool2d, [(2, 3, 9, 8)], kernel_size=kernel, stride=stride,
            padding=padding, dilation=dilation, ceil_mode=ceil_mode, return_indices=True)


def test_max_pool2d_fast_path_and_unbatched():
    compare(C.max_pool2d, TF.max_pool2d, [(4, 3, 28, 28)], kernel_size=2)
    compare(C.max_pool2d, TF.max_pool2d, [(3, 7, 7)], kernel_size=2, return_indices=True)


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", [
    (2, None, 0, 1, False), (3, 2, 1, 1, True), (3, 1, 1, 2, False), (4, 3, 2, 1, True)])
def test_max_pool1d_matches_torch(kernel, stride, padding, dilation, ceil_mode):
    compare(C.max_pool1d, TF.max_pool1d, [(2, 3, 11)], kernel_size=kernel, stride=stride,
            padding=padding, dilation=dilation, ceil_mode=ceil_mode, return_indices=True)
    compare(C.max_pool1d, TF.max_pool1d, [(3, 11)], kernel_size=kernel, stride=stride,
            padding=padding, dilation=dilation, ceil_mode=ceil_mode)


@pytest.mark.parametrize("kernel,stride", [(3, 1), (2, 2), (2, 1), ((2, 3), (2, 1))])
def test_max_pool2d_ties_give_the_gradient_to_the_first_max(kernel, stride):
    ties = np.array([[0, 5, 5, 0, 1, 1], [5, 0, 5, 5, 1, 1], [0, 0, 2, 0, 0, 3],
                     [0, 0, 0, 2, 3, 0]], dtype=np.float64).reshape(1, 1, 4, 6)
    for data in (np.zeros((1, 1, 4, 6)), ties):
        x = eg.tensor(data, requires_grad=True)
        xt = torch.tensor(data, requires_grad=True)
        y, i = C.max_pool2d(x, kernel, stride, return_indices=True)
        yt, it = TF.max_pool2d(xt, kernel, stride, return_indices=True)
        np.testing.assert_array_equal(i.numpy(), it.numpy())
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_max_pool2d_propagates_nan():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    y = C.max_pool2d(eg.tensor(x), 2).numpy()
    np.testing.assert_array_equal(y, TF.max_pool2d(torch.tensor(x), 2).numpy())


def test_max_pool2d_gradcheck_and_gradgradcheck():
    x = eg.tensor(_distinct((1, 2, 5, 5)), requires_grad=True)
    assert gradcheck(lambda x: C.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), (x,))
    assert gradgradcheck(lambda x: C.max_pool2d(x, 2, stride=1), (x,))


# --- average pooling ----------------------------------------------------------------------------
AVG_GRID = [
    c for c in itertools.product([2, 3, (3, 2)], [None, 2, (1, 3)], [0, 1], [False, True],
                                 [True, False], [None, 5])
]


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,count_include_pad,divisor_override",
                         AVG_GRID)
def test_avg_pool2d_matches_torch(kernel, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override):
    compare(C.avg_pool2d, TF.avg_pool2d, [(2, 3, 9, 8)], kernel_size=kernel, stride=stride,
            padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
            divisor_override=divisor_override)


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,count_include_pad", [
    (2, None, 0, False, True), (3, 2, 1, True, False), (3, 2, 1, True, True), (4, 3, 2, False,
                                                                              False)])
def test_avg_pool1d_matches_torch(kernel, stride, padding, ceil_mode, count_include_pad):
    compare(C.avg_pool1d, TF.avg_pool1d, [(2, 3, 10)], kernel_size=kernel, stride=stride,
            padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad)


def test_avg_pool2d_gradgradcheck():
    x = eg.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 5)), requires_grad=True)
    assert gradgradcheck(lambda x: C.avg_pool2d(x, 3, 2, 1, True, False), (x,))


# --- adaptive pooling ---------------------------------------------------------------------------
@pytest.mark.parametrize("in_hw,out", [((6, 8), (3, 4)), ((7, 5), (3, 2)), ((5, 5), 3),
                                       ((6, 7), (None, 4)), ((4, 4), 1), ((3, 3), (5, 4))])
def test_adaptive_pools_match_torch(in_hw, out):
    compare(C.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, [(2, 3) + in_hw], output_size=out)
    compare(C.adaptive_max_pool2d, TF.adaptive_max_pool2d, [(2, 3) + in_hw], output_size=out,
            return_indices=True)
    compare(C.adaptive_max_pool2d, TF.adaptive_max_pool2d, [(3,) + in_hw], output_size=out)


def test_adaptive_pools_1d_match_torch():
    for out in (3, 4, 7):
        compare(C.adaptive_avg_pool1d, TF.adaptive_avg_pool1d, [(2, 3, 10)], output_size=out)
        compare(C.adaptive_max_pool1d, TF.adaptive_max_pool1d, [(2, 3, 10)], output_size=out,
                return_indices=True)


def test_adaptive_pools_gradgradcheck():
    x = eg.tensor(_distinct((1, 1, 7, 5)), requires_grad=True)
    assert gradgradcheck(lambda x: C.adaptive_avg_pool2d(x, (3, 2)), (x,))
    assert gradgradcheck(lambda x: C.adaptive_max_pool2d(x, (3, 2)), (x,))


# --- pad ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,pad,mode", [
    ((2, 3, 4), (1, 2), "constant"), ((2, 3, 4, 5), (1, 0, 2, 3), "constant"),
    ((2, 3, 4, 5), (-1, 2, 1, -2), "constant"), ((2, 3, 4, 5), (1, 1, 1, 1, 1, 0), "constant"),
    ((2, 3, 6), (2, 3), "reflect"), ((2, 3, 4, 5), (1, 3, 2, 1), "reflect"),
    ((3, 4, 5), (4, 1, 3, 3), "reflect"), ((2, 3, 6), (2, 3), "replicate"),
    ((2, 3, 4, 5), (3, 1, 0, 2), "replicate"), ((2, 2, 3, 4, 5), (1, 2, 1, 0, 2, 1), "replicate"),
    ((2, 3, 4, 5), (2, 1, 1, 3), "circular"),
])
def test_pad_matches_torch(shape, pad, mode):
    compare(C.pad, TF.pad, [shape], pad=pad, mode=mode)


def test_pad_value_and_gradgradcheck():
    compare(C.pad, TF.pad, [(2, 3)], pad=(1, 1, 2, 0), value=3.5)
    x = eg.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), requires_grad=True)
    for mode in ("constant", "reflect", "replicate", "circular"):
        assert gradgradcheck(lambda x, m=mode: C.pad(x, (2, 1, 1, 2), mode=m), (x,))


def test_pad_errors_match_torch():
    x, xt = eg.zeros(2, 3, 5, 5), torch.zeros(2, 3, 5, 5)
    for kw in (dict(pad=(1, 2, 3)), dict(pad=(5, 5, 0, 0), mode="reflect"),
               dict(pad=(1, 1), mode="reflect")):
        with pytest.raises(Exception) as theirs:
            TF.pad(xt, **kw)
        with pytest.raises(type(theirs.value)) as ours:
            C.pad(x, **kw)
        assert str(ours.value) == str(theirs.value)


# --- interpolate --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 5, 4), dict(size=(7, 9))),
    ((2, 3, 5, 4), dict(size=(3, 2))),
    ((2, 3, 5, 4), dict(scale_factor=2)),
    ((2, 3, 5, 4), dict(scale_factor=(1.7, 0.6))),
    ((2, 3, 5), dict(scale_factor=2.5)),
    ((1, 2, 3, 4, 5), dict(size=(4, 6, 3))),
    ((2, 3, 5, 4), dict(size=(7, 9), mode="bilinear")),
    ((2, 3, 5, 4), dict(size=(7, 9), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 4), dict(size=(3, 2), mode="bilinear", align_corners=False)),
    ((2, 3, 5, 4), dict(scale_factor=1.5, mode="bilinear")),
    ((2, 3, 5, 4), dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 5, 4), dict(size=(1, 1), mode="bilinear", align_corners=True)),
    ((2, 3, 6), dict(size=10, mode="linear", align_corners=True)),
    ((2, 3, 5, 4), dict(size=(7, 3), mode="nearest-exact")),
    ((2, 3, 5, 4), dict(scale_factor=1.7, mode="nearest-exact")),
    ((1, 2, 3, 4, 5), dict(size=(4, 6, 3), mode="trilinear")),
    ((1, 2, 3, 4, 5), dict(scale_factor=1.5, mode="trilinear", align_corners=True)),
    ((2, 3, 7, 5), dict(size=(3, 2), mode="area")),
    ((2, 3, 7), dict(scale_factor=0.5, mode="area")),
])
def test_interpolate_matches_torch(shape, kw):
    compare(C.interpolate, TF.interpolate, [shape], **kw)


def test_interpolate_gradgradcheck_and_errors():
    x = eg.tensor(np.random.default_rng(0).standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert gradgradcheck(lambda x: C.interpolate(x, size=(5, 3), mode="bilinear"), (x,))
    assert gradcheck(lambda x: C.interpolate(x, scale_factor=2), (x,))
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        C.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        C.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        C.interpolate(x, size=2, align_corners=True)


# --- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,shape,args,kw", [
    ("max_pool2d", (2, 3, 5, 5), (3,), dict(padding=2)),
    ("max_pool2d", (2, 3, 5, 5), (7,), {}),
    ("max_pool2d", (5, 5), (2,), {}),
    ("avg_pool2d", (2, 3, 5, 5), (7,), {}),
    ("avg_pool2d", (2, 3, 5, 5), (3,), dict(padding=2)),
])
def test_pool_errors_match_torch(fn, shape, args, kw):
    with pytest.raises(Exception) as theirs:
        getattr(TF, fn)(torch.zeros(*shape), *args, **kw)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(C, fn)(eg.zeros(*shape), *args, **kw)
    assert str(ours.value) == str(theirs.value)


# --- modules ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,args,kw,shape", [
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3, 2, 1, 2), dict(ceil_mode=True), (2, 3, 9, 8)),
    ("MaxPool1d", (3, 2, 1, 2, False, True), {}, (2, 3, 11)),
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", (3, 2, 1, True, False, 2), {}, (2, 3, 9, 8)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1), (2, 3, 11)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", (2,), {}, (2, 3, 5, 5)),
    ("AdaptiveMaxPool2d", ((3, None),), dict(return_indices=True), (2, 3, 7, 5)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 8)),
    ("Upsample", (), dict(scale_factor=2), (2, 3, 4, 5)),
    ("Upsample", (), dict(size=(5, 7), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    ("UpsamplingNearest2d", (), dict(scale_factor=3), (1, 2, 3, 3)),
    ("UpsamplingBilinear2d", (), dict(size=4), (1, 2, 3, 3)),
    ("Unfold", ((2, 3),), dict(padding=1), (2, 3, 5, 4)),
    ("Fold", ((4, 5), (2, 2)), {}, (2, 12, 12)),
])
def test_pooling_modules_match_torch(name, args, kw, shape):
    ours, theirs = getattr(eg.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    compare(lambda t: ours(t), lambda t: theirs(t), [shape])


def test_max_pool2d_integer_input_with_padding():
    x = np.arange(-20, 5).reshape(1, 1, 5, 5)
    y = C.max_pool2d(eg.tensor(x), 3, stride=2, padding=1)
    np.testing.assert_array_equal(y.numpy(), TF.max_pool2d(torch.tensor(x), 3, 2, 1).numpy())


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@hypothesis.given(h=st.integers(1, 8), w=st.integers(1, 8), kh=st.integers(1, 3),
                  kw=st.integers(1, 3), sh=st.integers(1, 3), sw=st.integers(1, 3),
                  pad=st.integers(0, 1), dilation=st.integers(1, 2), ceil_mode=st.booleans(),
                  avg=st.booleans(), count_include_pad=st.booleans())
@hypothesis.settings(deadline=None)
def test_pool2d_random_shapes_match_torch(h, w, kh, kw, sh, sw, pad, dilation, ceil_mode, avg,
                                          count_include_pad):
    if avg:
        kw_ = dict(kernel_size=(kh, kw), stride=(sh, sw), padding=pad, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad)
        fns = (C.avg_pool2d, TF.avg_pool2d)
    else:
        kw_ = dict(kernel_size=(kh, kw), stride=(sh, sw), padding=pad, dilation=dilation,
                   ceil_mode=ceil_mode, return_indices=True)
        fns = (C.max_pool2d, TF.max_pool2d)
    try:
        probe = fns[1](torch.zeros(1, 2, h, w), **kw_)
    except RuntimeError as exc:
        with pytest.raises(RuntimeError) as ours:
            fns[0](eg.zeros(1, 2, h, w), **kw_)
        assert str(ours.value) == str(exc)
        return
    # A dilated window can fall entirely in the padding: torch returns -inf and an index that
    # points outside the input there; not a case worth copying.
    hypothesis.assume(bool(torch.isfinite(probe[0] if isinstance(probe, tuple) else probe).all()))
    compare(*fns, [(1, 2, h, w)], **kw_)


@pytest.mark.parametrize("name,args,shape", [
    ("ConstantPad1d", ((1, 2), 3.5), (2, 3, 4)), ("ConstantPad2d", (1, -1.0), (2, 3, 4)),
    ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 2.0), (1, 2, 3, 4)), ("ZeroPad1d", (2,), (2, 3, 4)),
    ("ZeroPad2d", ((1, 0, 2, 1),), (1, 2, 3, 4)), ("ZeroPad3d", (1,), (1, 2, 2, 3)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 2, 0, 1),), (1, 2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 3, 4)), ("ReplicationPad1d", ((3, 1),), (2, 3, 4)),
    ("ReplicationPad2d", (2,), (1, 2, 3, 4)), ("ReplicationPad3d", (1,), (1, 2, 2, 3, 3)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", ((1, 2, 2, 0),), (1, 2, 3, 4)),
    ("CircularPad3d", (1,), (1, 2, 2, 3, 3)),
])
def test_padding_modules_match_torch(name, args, shape):
    ours, theirs = getattr(eg.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    compare(lambda t: ours(t), lambda t: theirs(t), [shape])


@pytest.mark.parametrize("call", [
    lambda m, T: m.max_pool2d(T(2, 4, 5, 5), 0),
    lambda m, T: m.max_pool2d(T(2, 4, 5, 5), 0, stride=1),
    lambda m, T: m.max_pool2d(T(2, 4, 5, 5), 2, stride=0),
    lambda m, T: m.max_pool1d(T(2, 4, 5), 0),
    lambda m, T: m.max_pool1d(T(2, 4, 5), 2, stride=0),
    lambda m, T: m.avg_pool2d(T(2, 4, 5, 5), 2, stride=0),
    lambda m, T: m.avg_pool1d(T(2, 4, 5), 2, stride=0),
    lambda m, T: m.max_pool2d(T(2, 4, 5, 5), 2, dilation=0),
    lambda m, T: m.avg_pool2d(T(2, 4, 5, 5), 2, divisor_override=0),
    lambda m, T: m.max_pool1d(T(4, 5, 5, 5), 2),
    lambda m, T: m.avg_pool1d(T(4, 5, 5, 5), 2),
    lambda m, T: m.adaptive_avg_pool2d(T(2, 4, 5, 5), (1, 2, 3)),
    lambda m, T: m.adaptive_max_pool2d(T(2, 4, 5, 5), (1, 2, 3)),
    lambda m, T: m.unfold(T(2, 4, 5, 5), 7),
    lambda m, T: m.fold(T(2, 4, 5), (3, 3), 2),
    lambda m, T: m.fold(T(2, 3, 4), (3, 3), 2),
    lambda m, T: m.pad(T(2, 3, 4), (1, 1), mode="foo"),
    lambda m, T: m.pad(T(2, 3, 4), (5, 1), mode="circular"),
    lambda m, T: m.interpolate(T(2, 3, 4), size=3, mode="bilinear"),
    lambda m, T: m.interpolate(T(2, 3, 4, 4), size=(3,)),
    lambda m, T: m.interpolate(T(2, 3, 4, 4), scale_factor=(2.0,)),
])
def test_more_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch.zeros)
    with pytest.raises(type(theirs.value)) as ours:
        call(C, eg.zeros)
    assert str(ours.value) == str(theirs.value)
