"""Convolutions (F.conv1d/conv2d/conv_transpose1d/2d, F.unfold/fold) and the Conv modules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import eagergrad as eg
from eagergrad._ops import conv as C
from eagergrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
# torch warns that it copies the input for 'same' padding with an even kernel; not our concern.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


def _pair(shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    return ([eg.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def compare(eg_fn, torch_fn, shapes, atol=1e-10, **kw):
    """Same call on both libraries (float64): output values and every input gradient agree."""
    ours, theirs = _pair(shapes)
    y, yt = eg_fn(*ours, **kw), torch_fn(*theirs, **kw)
    assert tuple(y.shape) == tuple(yt.shape)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=atol)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    y.backward(eg.tensor(g))
    yt.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=atol)


# --- conv2d -------------------------------------------------------------------------------------
CONV2D_GRID = [
    c for c in itertools.product([1, 2, (2, 1)], [0, 1, (1, 2), "same", "valid"], [1, 2],
                                 [1, 2], [True, False])
    if not (c[1] == "same" and c[0] != 1)
]


@pytest.mark.parametrize("stride,padding,dilation,groups,bias", CONV2D_GRID)
def test_conv2d_matches_torch(stride, padding, dilation, groups, bias):
    shapes = [(2, 4, 8, 7), (6, 4 // groups, 3, 2)] + ([(6,)] if bias else [])
    compare(C.conv2d, TF.conv2d, shapes, stride=stride, padding=padding, dilation=dilation,
            groups=groups)


def test_conv2d_same_even_kernel_pads_right_bottom():
    compare(C.conv2d, TF.conv2d, [(1, 2, 6, 5), (3, 2, 4, 2), (3,)], padding="same")


def test_conv2d_unbatched_and_float32():
    compare(C.conv2d, TF.conv2d, [(3, 5, 5), (2, 3, 3, 3)], padding=1)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((4, 3, 3, 3)).astype(np.float32)
    y = C.conv2d(eg.tensor(x), eg.tensor(w), stride=2)
    assert y.dtype == eg.float32
    np.testing.assert_allclose(y.numpy(), TF.conv2d(torch.tensor(x), torch.tensor(w),
                                                    stride=2).numpy(), rtol=1e-5, atol=1e-5)
    assert y.is_contiguous()


def test_conv2d_depthwise():
    compare(C.conv2d, TF.conv2d, [(2, 4, 6, 6), (8, 1, 3, 3), (8,)], padding=1, groups=4)


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 0, 1, 1), (2, 1, 1, 1), (3, 2, 2, 2), (1, "same", 2, 2), (2, "valid", 1, 1)])
def test_conv1d_matches_torch(stride, padding, dilation, groups):
    compare(C.conv1d, TF.conv1d, [(2, 4, 11), (6, 4 // groups, 3), (6,)], stride=stride,
            padding=padding, dilation=dilation, groups=groups)


def test_conv1d_unbatched():
    compare(C.conv1d, TF.conv1d, [(4, 9), (2, 4, 3)])


# --- conv_transpose -----------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups,bias", [
    (1, 0, 0, 1, 1, True), (2, 1, 1, 1, 1, True), (2, 0, 1, 2, 2, False),
    ((2, 3), (1, 0), (1, 2), 1, 1, True), (1, 1, 1, 2, 2, True), (3, 2, 0, (1, 2), 1, False),
])
def test_conv_transpose2d_matches_torch(stride, padding, output_padding, dilation, groups, bias):
    shapes = [(2, 4, 5, 4), (4, 3, 3, 2)] + ([(3 * groups,)] if bias else [])
    compare(C.conv_transpose2d, TF.conv_transpose2d, shapes, stride=stride, padding=padding,
            output_padding=output_padding, dilation=dilation, groups=groups)


def test_conv_transpose1d_matches_torch():
    compare(C.conv_transpose1d, TF.conv_transpose1d, [(2, 4, 5), (4, 3, 3), (3,)], stride=3,
            padding=1, output_padding=2)
    compare(C.conv_transpose1d, TF.conv_transpose1d, [(4, 5), (4, 1, 3)], groups=2, stride=2)


# --- gradients in float64, including second order ------------------------------------------------
def _leaves(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(eg.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)


def test_conv2d_gradcheck_and_gradgradcheck():
    x, w, b = _leaves((2, 4, 5, 4), (6, 2, 3, 2), (6,))

    def f(x, w, b):
        return C.conv2d(x, w, b, stride=2, padding=(1, 0), dilation=(1, 2), groups=2)

    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


def test_conv_transpose2d_gradcheck_and_gradgradcheck():
    x, w, b = _leaves((2, 4, 3, 3), (4, 3, 3, 2), (6,))

    def f(x, w, b):
        return C.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)

    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


def test_conv1d_gradcheck():
    x, w, b = _leaves((2, 2, 7), (3, 2, 3), (3,))
    assert gradgradcheck(lambda x, w, b: C.conv1d(x, w, b, stride=2, padding=1), (x, w, b))


def test_conv2d_double_backward_matches_torch():
    (x, w), (xt, wt) = _pair([(2, 3, 6, 5), (4, 3, 3, 3)])
    y, yt = C.conv2d(x, w, padding=1), TF.conv2d(xt, wt, padding=1)
    (gx,) = eg.autograd.grad((y * y).sum(), x, create_graph=True)
    (gxt,) = torch.autograd.grad((yt * yt).sum(), xt, create_graph=True)
    (gx * gx).sum().backward()
    (gxt * gxt).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9)


# --- unfold / fold ------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel,dilation,padding,stride", [
    (2, 1, 0, 1), ((2, 3), (1, 2), 1, (2, 1)), (3, 1, 1, 2)])
def test_unfold_fold_match_torch(kernel, dilation, padding, stride):
    kw = dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
    compare(C.unfold, TF.unfold, [(2, 3, 7, 6)], **kw)
    blocks = TF.unfold(torch.zeros(1, 1, 7, 6), **kw).shape[2]
    kk = int(np.prod(C._ntuple(kernel, 2)))
    compare(lambda t, **k: C.fold(t, (7, 6), **k), lambda t, **k: TF.fold(t, (7, 6), **k),
            [(2, 3 * kk, blocks)], **kw)


def test_unfold_gradgradcheck():
    (x,) = _leaves((1, 2, 4, 4))
    assert gradgradcheck(lambda x: C.unfold(x, 2, padding=1, stride=2), (x,))


# --- errors -------------------------------------------------------------------------------------
def _raises_like_torch(eg_call, torch_call):
    with pytest.raises(Exception) as theirs:
        torch_call()
    with pytest.raises(type(theirs.value)) as ours:
        eg_call()
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("xs,ws,kw", [
    ((64, 3, 28, 28), (32, 1, 3, 3), {}),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"groups": 2}),
    ((2, 3, 5, 5), (4, 3, 7, 7), {}),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"padding": "foo"}),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"stride": 2, "padding": "same"}),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"stride": 0}),
    ((2, 3, 5, 5), (4, 3, 3, 3), {"padding": -1}),
    ((5, 5), (4, 3, 3, 3), {}),
])
def test_conv2d_errors_match_torch(xs, ws, kw):
    _raises_like_torch(lambda: C.conv2d(eg.zeros(*xs), eg.zeros(*ws), **kw),
                       lambda: TF.conv2d(torch.zeros(*xs), torch.zeros(*ws), **kw))


def test_conv_bias_and_transpose_errors_match_torch():
    _raises_like_torch(lambda: C.conv2d(eg.zeros(2, 3, 5, 5), eg.zeros(4, 3, 3, 3), eg.zeros(3)),
                       lambda: TF.conv2d(torch.zeros(2, 3, 5, 5), torch.zeros(4, 3, 3, 3),
                                         torch.zeros(3)))
    _raises_like_torch(lambda: C.conv1d(eg.zeros(3, 5, 5), eg.zeros(4, 2, 3)),
                       lambda: TF.conv1d(torch.zeros(3, 5, 5), torch.zeros(4, 2, 3)))
    _raises_like_torch(lambda: C.conv_transpose2d(eg.zeros(2, 3, 5, 5), eg.zeros(4, 3, 3, 3)),
                       lambda: TF.conv_transpose2d(torch.zeros(2, 3, 5, 5),
                                                   torch.zeros(4, 3, 3, 3)))
    _raises_like_torch(
        lambda: C.conv_transpose2d(eg.zeros(2, 3, 5, 5), eg.zeros(3, 3, 3, 3), output_padding=1),
        lambda: TF.conv_transpose2d(torch.zeros(2, 3, 5, 5), torch.zeros(3, 3, 3, 3),
                                    output_padding=1))


# --- modules ------------------------------------------------------------------------------------
MODULE_CASES = [
    ("Conv2d", (1, 32, 3), dict(padding=1)),
    ("Conv2d", (2, 4, (3, 5)), dict(stride=2, padding=1, dilation=2, groups=2, bias=False)),
    ("Conv2d", (2, 4, 4), dict(padding="same", padding_mode="reflect")),
    ("Conv2d", (2, 4, 3), dict(padding=(1, 2), padding_mode="replicate")),
    ("Conv2d", (2, 4, 3), dict(padding=1, padding_mode="circular")),
    ("Conv2d", (2, 4, 3), dict(padding="valid")),
    ("Conv1d", (2, 4, 3), dict(stride=2, padding=1)),
    ("Conv1d", (2, 4, 3), dict(padding="same", padding_mode="reflect")),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, padding=1, output_padding=1)),
    ("ConvTranspose2d", (4, 6, 3), dict(groups=2, dilation=2, bias=False)),
    ("ConvTranspose1d", (4, 2, 3), dict(stride=3)),
]


@pytest.mark.parametrize("name,args,kw", MODULE_CASES)
def test_conv_modules_match_torch(name, args, kw):
    theirs = getattr(torch.nn, name)(*args, **kw).double()
    ours = getattr(eg.nn, name)(*args, **kw).double()
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert tuple(p.shape) == tuple(q.shape)
        p.data = eg.tensor(q.detach().numpy().copy())
    nd = 1 if name.endswith("1d") else 2
    shape = (2, args[0]) + (9, 12)[:nd]
    x = np.random.default_rng(0).standard_normal(shape)
    xe, xt = eg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xe), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name,args,kw", MODULE_CASES)
def test_conv_module_default_init_matches_torch_bounds(name, args, kw):
    m = getattr(eg.nn, name)(*args, **kw)
    w = m.weight.detach().numpy()
    assert m.weight.dtype == eg.float32 and m.weight.requires_grad
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    bound = 1 / np.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) -> 1/sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    if m.bias is not None:
        assert np.abs(m.bias.detach().numpy()).max() <= bound


def test_conv_transpose_output_size():
    m, mt = eg.nn.ConvTranspose2d(4, 2, 3, stride=2), torch.nn.ConvTranspose2d(4, 2, 3, stride=2)
    x = eg.zeros(1, 4, 5, 5)
    assert m(x, output_size=[12, 11]).shape == (1, 2, 12, 11)
    assert tuple(mt(torch.zeros(1, 4, 5, 5), output_size=[12, 11]).shape) == (1, 2, 12, 11)
    with pytest.raises(ValueError, match="requested an output size of"):
        m(x, output_size=[14, 11])


@pytest.mark.parametrize("kw,match", [
    (dict(groups=0), "groups must be a positive integer"),
    (dict(groups=3), "in_channels must be divisible by groups"),
    (dict(padding="foo"), "Invalid padding string"),
    (dict(padding="same", stride=2), "padding='same' is not supported for strided"),
    (dict(padding_mode="bad"), "padding_mode must be one of"),
])
def test_conv_module_init_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        eg.nn.Conv2d(4, 6, 3, **kw)
    with pytest.raises(ValueError, match=match):
        torch.nn.Conv2d(4, 6, 3, **kw)


def test_conv_module_state_dict_loads_from_torch_layout():
    m = eg.nn.Conv2d(3, 8, 3, padding=1)
    assert list(m.state_dict()) == ["weight", "bias"]
    assert m(eg.zeros(2, 3, 9, 9)).shape == (2, 8, 9, 9)


def test_conv_dtype_mismatch_errors_match_torch():
    _raises_like_torch(
        lambda: C.conv2d(eg.zeros(1, 2, 5, 5, dtype=eg.float64), eg.zeros(3, 2, 3, 3)),
        lambda: TF.conv2d(torch.zeros(1, 2, 5, 5, dtype=torch.float64), torch.zeros(3, 2, 3, 3)))
    _raises_like_torch(
        lambda: C.conv2d(eg.zeros(1, 2, 5, 5), eg.zeros(3, 2, 3, 3), eg.zeros(3, dtype=eg.float64)),
        lambda: TF.conv2d(torch.zeros(1, 2, 5, 5), torch.zeros(3, 2, 3, 3),
                          torch.zeros(3, dtype=torch.float64)))


# --- graph reuse, devices, random shapes --------------------------------------------------------
def test_conv2d_retain_graph_second_backward_recomputes_freed_buffers():
    (x, w), (xt, wt) = _pair([(2, 3, 6, 5), (4, 3, 3, 3)])
    y = C.conv2d(x, w, padding=1, stride=2).sum()
    y.backward(retain_graph=True)
    y.backward()
    yt = TF.conv2d(xt, wt, padding=1, stride=2).sum()
    yt.backward(retain_graph=True)
    yt.backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9)


def test_conv_ops_on_device_match_cpu(device):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in [(2, 4, 7, 6), (6, 2, 3, 3),
                                                                   (6,)])
    results = []
    for dev in ("cpu", device):
        ts = [eg.tensor(a, device=dev, requires_grad=True) for a in (x, w, b)]
        y = C.conv2d(*ts, stride=(1, 2), padding=1, groups=2)
        z = C.conv_transpose2d(y, ts[1], stride=2)
        z.sum().backward()
        results.append([z.detach().cpu().numpy()] + [t.grad.cpu().numpy() for t in ts])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@hypothesis.given(n=st.integers(1, 2), groups=st.integers(1, 2), cin=st.integers(1, 2),
                  cout=st.integers(1, 2), h=st.integers(1, 7), w=st.integers(1, 7),
                  kh=st.integers(1, 3), kw=st.integers(1, 3), stride=st.integers(1, 3),
                  padding=st.integers(0, 2), dilation=st.integers(1, 2))
@hypothesis.settings(deadline=None)
def test_conv2d_random_shapes_match_torch(n, groups, cin, cout, h, w, kh, kw, stride, padding,
                                          dilation):
    shapes = [(n, cin * groups, h, w), (cout * groups, cin, kh, kw), (cout * groups,)]
    kw_ = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if h + 2 * padding < dilation * (kh - 1) + 1 or w + 2 * padding < dilation * (kw - 1) + 1:
        _raises_like_torch(lambda: C.conv2d(*_pair(shapes)[0], **kw_),
                           lambda: TF.conv2d(*_pair(shapes)[1], **kw_))
        return
    compare(C.conv2d, TF.conv2d, shapes, **kw_)


def test_conv_and_pool_accept_non_contiguous_inputs():
    data = np.random.default_rng(0).standard_normal((2, 7, 6, 4))  # NHWC memory
    w = np.random.default_rng(1).standard_normal((3, 4, 3, 3))
    x = eg.tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    y = C.max_pool2d(C.conv2d(x.permute(0, 3, 1, 2), eg.tensor(w), padding=1), 2)
    yt = TF.max_pool2d(TF.conv2d(xt.permute(0, 3, 1, 2), torch.tensor(w), padding=1), 2)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-9)
    g = np.random.default_rng(2).standard_normal(tuple(yt.shape)).transpose(0, 1, 3, 2)
    y.backward(eg.tensor(g.copy()).transpose(2, 3))
    yt.backward(torch.tensor(g.copy()).transpose(2, 3))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9)


@pytest.mark.parametrize("call", [
    lambda m, T: m.conv2d(T(2, 3, 5, 5), T(4, 3, 3)),
    lambda m, T: m.conv2d(T(2, 3, 5, 5), T(4, 3, 3), stride=2),
    lambda m, T: m.conv2d(T(2, 4, 5, 5), T(3, 2, 3, 3), groups=2),
    lambda m, T: m.conv2d(T(2, 4, 5, 5), T(4, 2, 3, 3), groups=0),
    lambda m, T: m.conv_transpose2d(T(2, 3, 5, 5), T(3, 2, 3, 3), groups=2),
    lambda m, T: m.conv_transpose2d(T(2, 4, 5, 5), T(4, 2, 3, 3), bias=T(3)),
    lambda m, T: m.conv2d(T(2, 4, 5, 5), T(4, 4, 3, 3), dilation=0),
])
def test_more_conv_errors_match_torch(call):
    _raises_like_torch(lambda: call(C, eg.zeros), lambda: call(TF, torch.zeros))


def test_benchmark_cnn_step_matches_torch():
    """The CNN of benchmarks/bench_cnn.py: same weights give the same loss and gradients."""

    def build(nn):
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 32), nn.ReLU(), nn.Linear(32, 10),
        ).double()

    ours, theirs = build(eg.nn), build(torch.nn)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.data = eg.tensor(q.detach().numpy().copy())
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 1, 28, 28)), rng.integers(0, 10, 4)
    loss = eg.nn.functional.cross_entropy(ours(eg.tensor(x)), eg.tensor(y))
    loss_t = TF.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
    loss.backward()
    loss_t.backward()
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-10)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-12)
