"""Every nn layer, loss, optimizer and scheduler on cuda against the cpu result.

The op table already runs on the accelerator (tests/test_ops.py::test_device_matches_cpu); this
file does the same for what is built on top of it. Each case builds a module on cpu with a fixed
seed, deep-copies it onto the device, runs the same float64 input through both, backpropagates
the same upstream gradient and compares outputs, input and parameter gradients, parameters and
buffers. ``fakecuda`` (tests/_fake_cupy.py) always runs: its arrays refuse to mix with numpy's,
as cupy's do, so host/device slips in layer code show up without a GPU; ``cuda`` runs where a GPU
is present.
"""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .._devices import ACCELERATORS

nn = eg.nn

RTOL, ATOL = 1e-6, 1e-9  # float64
RTOL32, ATOL32 = 1e-4, 1e-6  # float32: cupy's kernels round differently from numpy's


# --- helpers ----------------------------------------------------------------------------------
def _rng(seed=0):
    return np.random.default_rng(seed)


def _randn(*shape, seed=0):
    return _rng(seed).standard_normal(shape)


def _uniform(lo, hi, *shape, seed=0):
    return _rng(seed).uniform(lo, hi, shape)


def _ints(hi, *shape, seed=0):
    return _rng(seed).integers(0, hi, shape).astype(np.int64)


def _host(t):
    return t.detach().cpu().numpy()


def _flat(out):
    """Tensors of a module's output, in order (tuples, PackedSequence, None skipped)."""
    if out is None:
        return []
    if isinstance(out, eg.Tensor):
        return [out]
    if isinstance(out, PackedSequence):
        # NOTE: batch_sizes stays on the cpu, as in torch; _compare_module compares it by value.
        return [out.data] + _flat(out.sorted_indices) + _flat(out.unsorted_indices)
    return [t for o in out for t in _flat(o)]


def _packed(out):
    if isinstance(out, PackedSequence):
        return [out]
    if isinstance(out, (tuple, list)):
        return [p for o in out for p in _packed(o)]
    return []


def _assert_same(dev_t, cpu_t, device, what):
    assert dev_t.device.type == eg.device(device).type, f"{what}: on {dev_t.device}, not {device}"
    # A tensor labelled with the device must hold the device's arrays, not host ones.
    assert isinstance(dev_t._data, eg.device(device).xp.ndarray), f"{what}: host data"
    assert dev_t.dtype == cpu_t.dtype, f"{what}: dtype {dev_t.dtype} != {cpu_t.dtype}"
    a, b = _host(dev_t), _host(cpu_t)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    if a.dtype.kind in "fc":
        rtol, atol = (RTOL, ATOL) if a.dtype == np.float64 else (RTOL32, ATOL32)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def _run(module, arrays, device, grad, call, seed):
    """Forward and backward of ``module`` on ``device``; returns (outputs, input tensors)."""
    ins = []
    for i, a in enumerate(arrays):
        t = eg.tensor(a, device=device)
        if a.dtype.kind == "f" and (grad is None or i in grad):
            t.requires_grad_(True)
        ins.append(t)
    out = call(module, *ins) if call else module(*ins)
    outs = _flat(out)
    diff = [o for o in outs if o.requires_grad]
    if diff:
        rng = _rng(seed)
        ups = [eg.tensor(rng.standard_normal(tuple(o.shape)).astype(_host(o).dtype),
                         device=device) for o in diff]
        eg.autograd.backward(diff, ups)
    return out, ins


def _compare_module(make, arrays, device, *, modes=("train",), grad=None, call=None):
    """Runs ``make()`` (built on cpu) and its deep copy moved to ``device`` on ``arrays``.

    Compares, for each mode in ``modes`` ("train"/"eval", run in that order on the same two
    modules, so running stats carry over): outputs (values, dtype, device), input gradients
    (inputs listed in ``grad``; default every floating input), parameter gradients, parameters
    (Embedding's max_norm renormalises them in forward) and buffers (running stats).
    """
    cpu_mod = make()
    dev_mod = copy.deepcopy(cpu_mod).to(device)
    for name, t in [*dev_mod.named_parameters(), *dev_mod.named_buffers()]:
        assert t.device.type == eg.device(device).type, f"{name} not moved"
    for step, mode in enumerate(modes):
        for m in (cpu_mod, dev_mod):
            m.train(mode == "train")
            m.zero_grad()
        cpu_out, cpu_in = _run(cpu_mod, arrays, "cpu", grad, call, seed=step)
        dev_out, dev_in = _run(dev_mod, arrays, device, grad, call, seed=step)
        cpu_flat, dev_flat = _flat(cpu_out), _flat(dev_out)
        assert len(dev_flat) == len(cpu_flat)
        for i, (d, c) in enumerate(zip(dev_flat, cpu_flat)):
            _assert_same(d, c, device, f"{mode}: output {i}")
        for p, q in zip(_packed(dev_out), _packed(cpu_out)):
            np.testing.assert_array_equal(_host(p.batch_sizes), _host(q.batch_sizes))
        for i, (d, c) in enumerate(zip(dev_in, cpu_in)):
            if c.grad is not None:
                assert d.grad is not None, f"{mode}: no gradient for input {i}"
                _assert_same(d.grad, c.grad, device, f"{mode}: grad of input {i}")
        cpu_params = dict(cpu_mod.named_parameters())
        for name, p in dev_mod.named_parameters():
            _assert_same(p, cpu_params[name], device, f"{mode}: parameter {name}")
            if cpu_params[name].grad is None:
                assert p.grad is None, f"{mode}: unexpected grad of {name}"
            else:
                _assert_same(p.grad, cpu_params[name].grad, device, f"{mode}: grad of {name}")
        cpu_bufs = dict(cpu_mod.named_buffers())
        for name, b in dev_mod.named_buffers():
            _assert_same(b, cpu_bufs[name], device, f"{mode}: buffer {name}")
    return cpu_out, dev_out


def case(id, make, *arrays, marks=(), **kwargs):  # noqa: A002
    """One table row: ``make`` builds the float64 module on cpu, ``arrays`` are the inputs."""
    return pytest.param(make, arrays, kwargs, id=id, marks=marks)


def _double(cls, *args, **kwargs):
    return lambda: cls(*args, **kwargs).double()


# --- layers -----------------------------------------------------------------------------------
class _Composite(nn.Module):
    """Covers the containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict,
    Buffer and a plain Module subclass in one forward."""

    def __init__(self):
        super().__init__()
        self.seq = nn.Sequential(nn.Linear(4, 5), nn.Tanh())
        self.blocks = nn.ModuleList([nn.Linear(5, 5), nn.Linear(5, 3)])
        self.heads = nn.ModuleDict({"a": nn.Linear(3, 2), "b": nn.Linear(3, 2)})
        self.scales = nn.ParameterList([nn.Parameter(eg.randn(2)), nn.Parameter(eg.randn(2))])
        self.shifts = nn.ParameterDict({"s": nn.Parameter(eg.randn(2))})
        self.offset = nn.Buffer(eg.randn(2))

    def forward(self, x):
        h = self.seq(x)
        for block in self.blocks:
            h = block(h).relu()
        out = self.heads["a"](h) * self.scales[0] + self.heads["b"](h) * self.scales[1]
        return out + self.shifts["s"] + self.offset


def _lstm_h0c0(m, x, h0, c0):
    return m(x, (h0, c0))


def _packed_call(lengths, batch_first=True, enforce_sorted=True, unpack=False):
    """Runs a recurrent layer on ``x`` packed with ``lengths`` (and optional h0/c0)."""
    def call(m, x, *state):
        packed = pack_padded_sequence(x, lengths, batch_first=batch_first,
                                      enforce_sorted=enforce_sorted)
        hx = None if not state else state[0] if len(state) == 1 else tuple(state)
        out, h = m(packed, hx)
        if not unpack:
            return out, h
        padded, lens = pad_packed_sequence(out, batch_first=batch_first)
        assert lens.device.type == "cpu" and lens.tolist() == list(lengths)  # torch's layout
        return padded, h
    return call


_SEQ = _randn(3, 5, 3)  # (batch, time, features) for batch_first recurrent layers
_H0 = _randn(4, 3, 4, seed=1)  # (layers * directions, batch, hidden)
_C0 = _randn(4, 3, 4, seed=2)
_MASK = np.triu(np.ones((4, 5), dtype=bool), k=2)  # (target L, source S)
_KPM = np.array([[False] * 5, [False, False, False, True, True]])  # (N, S)
_FLOAT_MASK = np.where(_MASK, -1e9, 0.0) + _randn(4, 5, seed=3) * 0.1
_SRC_MASK = np.triu(np.ones((5, 5), dtype=bool), k=1)

LAYERS = [
    # linear and containers
    case("Linear", _double(nn.Linear, 5, 3), _randn(2, 4, 5)),
    case("Linear-nobias", _double(nn.Linear, 5, 3, bias=False), _randn(4, 5)),
    case("Identity", nn.Identity, _randn(3, 4)),
    case("Bilinear", _double(nn.Bilinear, 3, 4, 2), _randn(5, 3), _randn(5, 4, seed=1)),
    case("Bilinear-nobias-batched", _double(nn.Bilinear, 3, 4, 2, bias=False),
         _randn(2, 5, 3), _randn(2, 5, 4, seed=1)),
    case("containers", lambda: _Composite().double(), _randn(6, 4)),
    # convolutions
    case("Conv1d-stride-pad-dil-groups", _double(nn.Conv1d, 4, 6, 3, stride=2, padding=1,
                                                  dilation=2, groups=2), _randn(2, 4, 11)),
    case("Conv1d-same", _double(nn.Conv1d, 3, 2, 4, padding="same", dilation=2),
         _randn(2, 3, 9)),
    *[case(f"Conv1d-{mode}", _double(nn.Conv1d, 3, 2, 3, padding=2, padding_mode=mode),
           _randn(2, 3, 7)) for mode in ("reflect", "replicate", "circular")],
    case("Conv2d-stride-pad-dil-groups",
         _double(nn.Conv2d, 4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2),
                 groups=2), _randn(2, 4, 7, 6)),
    case("Conv2d-same-even-kernel", _double(nn.Conv2d, 2, 3, (2, 4), padding="same",
                                            dilation=(2, 1)), _randn(1, 2, 5, 6)),
    case("Conv2d-nobias-valid", _double(nn.Conv2d, 2, 3, 3, bias=False, padding="valid"),
         _randn(1, 2, 5, 6)),
    *[case(f"Conv2d-{mode}", _double(nn.Conv2d, 2, 3, 3, padding=(1, 2), padding_mode=mode),
           _randn(2, 2, 5, 6)) for mode in ("reflect", "replicate", "circular")],
    case("ConvTranspose1d-outpad-groups",
         _double(nn.ConvTranspose1d, 4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
         _randn(2, 4, 5)),
    case("ConvTranspose1d-dilation", _double(nn.ConvTranspose1d, 3, 2, 3, stride=3, dilation=2,
                                             output_padding=2), _randn(2, 3, 4)),
    case("ConvTranspose2d-outpad-groups",
         _double(nn.ConvTranspose2d, 4, 6, (3, 2), stride=(2, 3), padding=(1, 0),
                 output_padding=(1, 2), groups=2), _randn(2, 4, 4, 3)),
    case("ConvTranspose2d-dilation-nobias",
         _double(nn.ConvTranspose2d, 2, 3, 3, stride=2, dilation=2, bias=False),
         _randn(1, 2, 3, 4)),
    # pooling
    case("MaxPool1d-ceil-pad-indices", lambda: nn.MaxPool1d(3, 2, padding=1, ceil_mode=True,
                                                            return_indices=True),
         _randn(2, 3, 10)),
    case("MaxPool1d-dilation", lambda: nn.MaxPool1d(2, dilation=2), _randn(2, 3, 9)),
    case("MaxPool2d-ceil-pad-indices", lambda: nn.MaxPool2d(3, 2, padding=1, ceil_mode=True,
                                                            return_indices=True),
         _randn(2, 3, 6, 7)),
    case("MaxPool2d-dilation-rect", lambda: nn.MaxPool2d((2, 3), stride=(1, 2), dilation=(2, 1)),
         _randn(1, 2, 7, 8)),
    case("AvgPool1d-ceil-pad-exclude", lambda: nn.AvgPool1d(3, 2, padding=1, ceil_mode=True,
                                                            count_include_pad=False),
         _randn(2, 3, 10)),
    case("AvgPool2d-ceil-pad-include", lambda: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True),
         _randn(2, 3, 6, 7)),
    case("AvgPool2d-divisor", lambda: nn.AvgPool2d((2, 3), divisor_override=4), _randn(1, 2, 6, 7)),
    case("AdaptiveAvgPool1d", lambda: nn.AdaptiveAvgPool1d(4), _randn(2, 3, 7)),
    case("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((3, 5)), _randn(2, 3, 7, 9)),
    case("AdaptiveAvgPool2d-None", lambda: nn.AdaptiveAvgPool2d((None, 4)), _randn(1, 2, 3, 7)),
    case("AdaptiveMaxPool1d-indices", lambda: nn.AdaptiveMaxPool1d(3, return_indices=True),
         _randn(2, 3, 8)),
    case("AdaptiveMaxPool2d-indices", lambda: nn.AdaptiveMaxPool2d((3, 4), return_indices=True),
         _randn(2, 3, 7, 9)),
    case("Unfold", lambda: nn.Unfold((2, 3), dilation=(2, 1), padding=1, stride=2),
         _randn(2, 3, 5, 6)),
    case("Fold", lambda: nn.Fold((5, 6), (2, 3), padding=1, stride=2), _randn(2, 18, 9)),
    # upsampling
    case("Upsample-nearest-scale", lambda: nn.Upsample(scale_factor=2), _randn(2, 3, 4, 5)),
    case("Upsample-nearest-size", lambda: nn.Upsample(size=(7, 3)), _randn(2, 3, 4, 5)),
    case("Upsample-nearest-1d", lambda: nn.Upsample(size=7), _randn(2, 3, 4)),
    case("Upsample-nearest-exact", lambda: nn.Upsample(size=(7, 3), mode="nearest-exact"),
         _randn(1, 2, 4, 5)),
    case("Upsample-linear", lambda: nn.Upsample(size=9, mode="linear"), _randn(2, 3, 4)),
    case("Upsample-bilinear", lambda: nn.Upsample(size=(7, 3), mode="bilinear"),
         _randn(2, 3, 4, 5)),
    case("Upsample-bilinear-align",
         lambda: nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
         _randn(2, 3, 4, 5)),
    case("Upsample-trilinear", lambda: nn.Upsample(size=(3, 5, 4), mode="trilinear"),
         _randn(1, 2, 2, 3, 3)),
    case("Upsample-area", lambda: nn.Upsample(size=(3, 2), mode="area"), _randn(1, 2, 7, 5)),
    case("UpsamplingBilinear2d", lambda: nn.UpsamplingBilinear2d(size=(6, 7)), _randn(2, 2, 3, 4)),
    case("UpsamplingNearest2d", lambda: nn.UpsamplingNearest2d(scale_factor=3),
         _randn(2, 2, 3, 4)),
    # padding
    *[case(f"{kind}Pad{d}d", (lambda k=kind, d=d, pad=pad: getattr(nn, f"{k}Pad{d}d")(pad)),
           _randn(2, 3, *[4, 5, 3][:d]))
      for kind in ("Zero", "Reflection", "Replication", "Circular")
      for d, pad in [(1, (2, 1)), (2, (1, 2, 2, 0)), (3, (1, 0, 2, 1, 0, 2))]],
    *[case(f"ConstantPad{d}d", (lambda d=d, pad=pad: getattr(nn, f"ConstantPad{d}d")(pad, 1.5)),
           _randn(2, 3, *[4, 5, 3][:d]))
      for d, pad in [(1, 2), (2, (1, 2, 2, 0)), (3, (1, 0, 2, 1, 0, 2))]],
    # activations (inputs kept off the kinks at 0 and at the clamp limits)
    *[case(name, make, _randn(3, 4, 5) + 0.05) for name, make in [
        ("ReLU", nn.ReLU), ("ReLU6", nn.ReLU6), ("LeakyReLU", lambda: nn.LeakyReLU(0.2)),
        ("ELU", lambda: nn.ELU(0.7)), ("CELU", lambda: nn.CELU(1.3)), ("SELU", nn.SELU),
        ("GELU", nn.GELU), ("GELU-tanh", lambda: nn.GELU("tanh")), ("SiLU", nn.SiLU),
        ("Mish", nn.Mish), ("Sigmoid", nn.Sigmoid), ("LogSigmoid", nn.LogSigmoid),
        ("Tanh", nn.Tanh), ("Hardtanh", lambda: nn.Hardtanh(-0.5, 0.8)),
        ("Hardsigmoid", nn.Hardsigmoid), ("Hardswish", nn.Hardswish),
        ("Softplus", lambda: nn.Softplus(beta=2.0, threshold=1.0)), ("Softsign", nn.Softsign),
        ("Softmax", lambda: nn.Softmax(dim=1)), ("LogSoftmax", lambda: nn.LogSoftmax(dim=1)),
        ("Softmin", lambda: nn.Softmin(dim=-1)), ("GLU", lambda: nn.GLU(dim=1)),
        ("PReLU", _double(nn.PReLU, 4, init=0.1)), ("PReLU-shared", _double(nn.PReLU)),
        ("Threshold", lambda: nn.Threshold(0.3, -2.0)),
    ]],
    *[case(f"{cls.__name__}-inplace", lambda c=cls: c(inplace=True), _randn(3, 4) + 0.05,
           call=lambda m, x: m(x * 1.0))
      for cls in (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.Hardtanh, nn.SiLU, nn.Hardswish)],
    # normalization (train then eval: running stats updated on the way are compared too)
    case("BatchNorm1d-2d", _double(nn.BatchNorm1d, 3), _randn(6, 3), modes=("train", "eval")),
    case("BatchNorm1d-3d", _double(nn.BatchNorm1d, 3, momentum=None), _randn(4, 3, 5),
         modes=("train", "train", "eval")),
    case("BatchNorm2d", _double(nn.BatchNorm2d, 3), _randn(2, 3, 4, 5), modes=("train", "eval")),
    case("BatchNorm2d-noaffine", _double(nn.BatchNorm2d, 3, affine=False), _randn(2, 3, 4, 5),
         modes=("train", "eval")),
    case("BatchNorm2d-nostats", _double(nn.BatchNorm2d, 3, track_running_stats=False),
         _randn(2, 3, 4, 5), modes=("train", "eval")),
    case("BatchNorm3d", _double(nn.BatchNorm3d, 2, momentum=0.3), _randn(2, 2, 3, 4, 3),
         modes=("train", "eval")),
    case("LayerNorm", _double(nn.LayerNorm, (4, 5)), _randn(3, 4, 5)),
    case("LayerNorm-noaffine", _double(nn.LayerNorm, 5, elementwise_affine=False),
         _randn(3, 4, 5)),
    case("LayerNorm-nobias", _double(nn.LayerNorm, 5, bias=False), _randn(3, 5)),
    case("BatchNorm1d-eval-fresh", _double(nn.BatchNorm1d, 3), _randn(6, 3), modes=("eval",)),
    case("GroupNorm", _double(nn.GroupNorm, 2, 4), _randn(3, 4, 5)),
    case("GroupNorm-4d-noaffine", _double(nn.GroupNorm, 3, 6, affine=False), _randn(2, 6, 3, 2)),
    # dropout: eval mode only (the device RNG stream differs; see test_dropout_train_on_device)
    case("Dropout-eval", lambda: nn.Dropout(0.4), _randn(3, 4), modes=("eval",)),
    case("Dropout1d-eval", lambda: nn.Dropout1d(0.4), _randn(2, 3, 4), modes=("eval",)),
    case("Dropout2d-eval", lambda: nn.Dropout2d(0.4), _randn(2, 3, 4, 5), modes=("eval",)),
    # embedding
    case("Embedding-padding_idx", _double(nn.Embedding, 10, 4, padding_idx=2),
         np.array([[1, 2, 3], [2, 9, 1]])),
    case("Embedding-max_norm", _double(nn.Embedding, 10, 4, max_norm=1.0),
         np.array([[1, 2, 3], [2, 9, 1]])),
    case("Embedding-max_norm-p1", _double(nn.Embedding, 10, 4, max_norm=0.7, norm_type=1.0),
         np.array([4, 4, 0, 7])),
    case("Embedding-from_pretrained-max_norm",
         lambda: nn.Embedding.from_pretrained(eg.tensor(_randn(6, 3)), freeze=False,
                                              max_norm=1.0, padding_idx=0),
         np.array([[0, 1, 1], [5, 1, 0]])),
    case("Embedding-scale_grad_by_freq", _double(nn.Embedding, 6, 3, scale_grad_by_freq=True),
         np.array([[0, 1, 1], [5, 1, 0]])),
    # flatten
    case("Flatten", nn.Flatten, _randn(2, 3, 4, 5)),
    case("Flatten-0-1", lambda: nn.Flatten(0, 1), _randn(2, 3, 4)),
    case("Unflatten", lambda: nn.Unflatten(1, (2, 3)), _randn(4, 6, 2)),
    # recurrent
    case("LSTM-2layer-bi-batch_first-h0c0",
         _double(nn.LSTM, 3, 4, num_layers=2, bidirectional=True, batch_first=True),
         _SEQ, _H0, _C0, call=_lstm_h0c0),
    case("LSTM-proj", _double(nn.LSTM, 3, 4, proj_size=2), _randn(5, 2, 3)),
    case("GRU-2layer-bi-batch_first-h0",
         _double(nn.GRU, 3, 4, num_layers=2, bidirectional=True, batch_first=True),
         _SEQ, _H0, call=lambda m, x, h: m(x, h)),
    case("RNN-relu-2layer", _double(nn.RNN, 3, 4, num_layers=2, nonlinearity="relu"),
         _randn(5, 2, 3)),
    case("RNN-tanh-bi-unbatched", _double(nn.RNN, 3, 4, bidirectional=True), _randn(5, 3)),
    case("LSTM-packed-bi-h0c0",
         _double(nn.LSTM, 3, 4, num_layers=2, bidirectional=True, batch_first=True),
         _SEQ, _H0, _C0, call=_packed_call([5, 3, 1])),
    case("GRU-packed", _double(nn.GRU, 3, 4, bidirectional=True, batch_first=True),
         _SEQ, call=_packed_call([5, 3, 1])),
    case("RNN-packed-time_first", _double(nn.RNN, 3, 4), _randn(5, 3, 3),
         call=_packed_call([5, 4, 2], batch_first=False)),
    case("LSTM-packed-unsorted-padded", _double(nn.LSTM, 3, 4, bidirectional=True,
                                                batch_first=True),
         _SEQ, _randn(2, 3, 4, seed=1), _randn(2, 3, 4, seed=2),
         call=_packed_call([2, 5, 3], enforce_sorted=False, unpack=True)),
    case("GRU-packed-unsorted-time_first", _double(nn.GRU, 3, 4, num_layers=2),
         _randn(5, 3, 3), call=_packed_call([3, 5, 4], batch_first=False, enforce_sorted=False,
                                            unpack=True)),
    case("LSTM-dropout-eval", _double(nn.LSTM, 3, 4, num_layers=2, dropout=0.5),
         _randn(5, 2, 3), modes=("eval",)),
    case("LSTMCell-hc", _double(nn.LSTMCell, 3, 4), _randn(2, 3), _randn(2, 4, seed=1),
         _randn(2, 4, seed=2), call=lambda m, x, h, c: m(x, (h, c))),
    case("LSTMCell-nohx", _double(nn.LSTMCell, 3, 4), _randn(2, 3)),
    case("GRUCell-h", _double(nn.GRUCell, 3, 4), _randn(2, 3), _randn(2, 4, seed=1),
         call=lambda m, x, h: m(x, h)),
    case("RNNCell-relu-nobias", _double(nn.RNNCell, 3, 4, bias=False, nonlinearity="relu"),
         _randn(2, 3) + 0.1),
    # attention and transformer
    case("MultiheadAttention-masks-weights", _double(nn.MultiheadAttention, 6, 2),
         _randn(4, 2, 6), _randn(5, 2, 6, seed=1), _randn(5, 2, 6, seed=2), _MASK, _KPM,
         call=lambda m, q, k, v, am, kpm: m(q, k, v, attn_mask=am, key_padding_mask=kpm)),
    case("MultiheadAttention-batch_first-per-head",
         _double(nn.MultiheadAttention, 6, 3, batch_first=True, kdim=4, vdim=5),
         _randn(2, 4, 6), _randn(2, 5, 4, seed=1), _randn(2, 5, 5, seed=2), _FLOAT_MASK,
         call=lambda m, q, k, v, am: m(q, k, v, attn_mask=am, average_attn_weights=False),
         grad=(0, 1, 2)),
    case("MultiheadAttention-bias_kv-zero_attn-noweights",
         _double(nn.MultiheadAttention, 6, 2, add_bias_kv=True, add_zero_attn=True),
         _randn(5, 2, 6), _KPM, call=lambda m, x, kpm: m(x, x, x, key_padding_mask=kpm,
                                                          need_weights=False)),
    case("MultiheadAttention-causal-eval-dropout",
         _double(nn.MultiheadAttention, 6, 2, dropout=0.3), _randn(5, 2, 6), _SRC_MASK,
         call=lambda m, x, am: m(x, x, x, attn_mask=am, is_causal=True), modes=("eval",)),
    case("TransformerEncoderLayer-train",
         _double(nn.TransformerEncoderLayer, 6, 2, dim_feedforward=8, dropout=0.0),
         _randn(5, 2, 6), _SRC_MASK, call=lambda m, x, am: m(x, src_mask=am)),
    case("TransformerEncoderLayer-norm_first-gelu-eval",
         _double(nn.TransformerEncoderLayer, 6, 2, dim_feedforward=8, norm_first=True,
                 activation="gelu", batch_first=True),
         _randn(2, 5, 6), _KPM, call=lambda m, x, kpm: m(x, src_key_padding_mask=kpm),
         modes=("eval",)),
    case("TransformerEncoder-eval",
         lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(6, 2, dim_feedforward=8),
                                       2, norm=nn.LayerNorm(6)).double(),
         _randn(5, 2, 6), _SRC_MASK, _KPM,
         call=lambda m, x, am, kpm: m(x, mask=am, src_key_padding_mask=kpm), modes=("eval",)),
    case("TransformerEncoder-train-nodropout",
         lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(
             6, 2, dim_feedforward=8, dropout=0.0, batch_first=True), 2).double(),
         _randn(2, 5, 6), call=lambda m, x: m(x)),
    # float32, the dtype most models train in (looser tolerance, see RTOL32)
    case("Conv2d-float32", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1),
         _randn(2, 3, 6, 5).astype(np.float32)),
    case("BatchNorm2d-float32", lambda: nn.BatchNorm2d(3), _randn(2, 3, 4, 5).astype(np.float32),
         modes=("train", "eval")),
    case("LSTM-float32", lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True),
         _SEQ.astype(np.float32)),
    case("MultiheadAttention-float32", lambda: nn.MultiheadAttention(6, 2, batch_first=True),
         _randn(2, 5, 6).astype(np.float32), _KPM,
         call=lambda m, x, kpm: m(x, x, x, key_padding_mask=kpm)),
    case("Embedding-float32-max_norm", lambda: nn.Embedding(10, 4, max_norm=1.0),
         np.array([[1, 2, 3], [2, 9, 1]])),
    case("LayerNorm-float32", lambda: nn.LayerNorm(5), _randn(3, 5).astype(np.float32)),
]

# Layer classes each case above covers; the coverage test below keeps the table complete.
_ABSTRACT = {"Module", "RNNBase", "RNNCellBase", "Parameter", "Buffer"}  # bases, not layers
_CONTAINERS = {"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"}


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("make,arrays,kwargs", LAYERS)
def test_layer_matches_cpu(make, arrays, kwargs, device):
    """Outputs, input/parameter gradients, parameters and buffers on the device match cpu."""
    _compare_module(make, arrays, device, **kwargs)


def test_every_layer_has_a_case():
    layers = {n for n in dir(nn) if n[0].isupper() and not n.endswith("Loss")}
    covered = {p.id.split("-")[0] for p in LAYERS} | _ABSTRACT | _CONTAINERS
    assert sorted(layers - covered) == []


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("cls,shape", [(nn.Dropout, (40, 50)), (nn.Dropout1d, (40, 50, 3)),
                                       (nn.Dropout2d, (40, 50, 3, 2))])
def test_dropout_train_on_device(cls, shape, device):
    """In train mode the device mask differs from cpu's, so check what it must satisfy: the
    fraction of dropped channels, the 1/(1-p) scaling, whole channels dropped together, and a
    gradient that is the same mask times the upstream gradient."""
    p = 0.3
    x = eg.tensor(_uniform(1.0, 2.0, *shape), device=device, requires_grad=True)
    y = cls(p).train()(x)
    assert y.device == x.device and y.shape == x.shape
    out, xin = _host(y), _host(x)
    kept = out != 0
    np.testing.assert_allclose(out[kept], xin[kept] / (1 - p), rtol=1e-12)
    if len(shape) > 2:  # channel dropout: a channel is all kept or all dropped
        per_channel = kept.reshape(shape[0], shape[1], -1)
        assert np.all(per_channel.all(-1) | ~per_channel.any(-1))
    assert abs((~kept).mean() - p) < 0.05
    up = _randn(*shape)
    y.backward(eg.tensor(up, device=device))
    np.testing.assert_allclose(_host(x.grad), np.where(kept, up / (1 - p), 0.0), rtol=1e-12)


# --- losses -----------------------------------------------------------------------------------
_W = np.array([0.2, 1.0, 0.7, 1.5])
_LOGITS = _randn(6, 4)
_CLASSES = np.array([0, 3, 1, 1, 2, 3])
_CLASSES_IGN = np.array([0, 3, -1, 1, 2, -1])
_PROBS = np.exp(_randn(6, 4, seed=1)) / np.exp(_randn(6, 4, seed=1)).sum(1, keepdims=True)
_REDUCTIONS = ("none", "mean", "sum")


def _loss32(cls, **kwargs):
    def make():
        return cls(**{k: eg.tensor(v.astype(np.float32)) if isinstance(v, np.ndarray) else v
                      for k, v in kwargs.items()})
    return make


def _kl_mean(m, x, t):
    with pytest.warns(UserWarning, match="batchmean"):  # torch warns about 'mean' too
        return m(x, t)


def _loss(cls, **kwargs):
    def make():
        kw = {k: eg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        return cls(**kw).double()
    return make


LOSSES = [
    *[case(f"{cls.__name__}-{r}", _loss(cls, reduction=r), _randn(3, 4),
           _randn(3, 4, seed=1), grad=(0, 1))
      for cls in (nn.MSELoss, nn.L1Loss) for r in _REDUCTIONS],
    *[case(f"SmoothL1Loss-{r}", _loss(nn.SmoothL1Loss, reduction=r, beta=0.5), _randn(3, 4),
           _randn(3, 4, seed=1), grad=(0, 1)) for r in _REDUCTIONS],
    *[case(f"HuberLoss-{r}", _loss(nn.HuberLoss, reduction=r, delta=0.7), _randn(3, 4),
           _randn(3, 4, seed=1), grad=(0, 1)) for r in _REDUCTIONS],
    *[case(f"CrossEntropyLoss-{r}", _loss(nn.CrossEntropyLoss, reduction=r), _LOGITS, _CLASSES)
      for r in _REDUCTIONS],
    *[case(f"CrossEntropyLoss-weight-ignore-{r}",
           _loss(nn.CrossEntropyLoss, weight=_W, ignore_index=-1, reduction=r),
           _LOGITS, _CLASSES_IGN) for r in _REDUCTIONS],
    *[case(f"CrossEntropyLoss-smoothing-weight-ignore-{r}",
           _loss(nn.CrossEntropyLoss, weight=_W, ignore_index=3, label_smoothing=0.2,
                 reduction=r), _LOGITS, _CLASSES) for r in _REDUCTIONS],
    case("CrossEntropyLoss-spatial", _loss(nn.CrossEntropyLoss, weight=_W),
         _randn(2, 4, 3, 2), _ints(4, 2, 3, 2)),
    case("CrossEntropyLoss-float32-smoothing", _loss32(nn.CrossEntropyLoss, weight=_W,
                                                       label_smoothing=0.1),
         _LOGITS.astype(np.float32), _CLASSES),
    case("CrossEntropyLoss-unbatched", _loss(nn.CrossEntropyLoss), _randn(4), np.array(2)),
    *[case(f"CrossEntropyLoss-probs-smoothing-weight-{r}",
           _loss(nn.CrossEntropyLoss, weight=_W, label_smoothing=0.1, reduction=r),
           _LOGITS, _PROBS, grad=(0,)) for r in _REDUCTIONS],
    *[case(f"NLLLoss-weight-ignore-{r}", _loss(nn.NLLLoss, weight=_W, ignore_index=1,
                                               reduction=r), _LOGITS, _CLASSES)
      for r in _REDUCTIONS],
    case("NLLLoss-spatial", _loss(nn.NLLLoss), _randn(2, 4, 3), _ints(4, 2, 3)),
    *[case(f"BCELoss-{r}", _loss(nn.BCELoss, reduction=r), _uniform(0.05, 0.95, 3, 4),
           _uniform(0, 1, 3, 4, seed=1), grad=(0,)) for r in _REDUCTIONS],
    case("BCELoss-weight", _loss(nn.BCELoss, weight=_W), _uniform(0.05, 0.95, 3, 4),
         (_randn(3, 4, seed=1) > 0).astype(np.float64), grad=(0,)),
    *[case(f"BCEWithLogitsLoss-{r}", _loss(nn.BCEWithLogitsLoss, reduction=r), _randn(3, 4),
           _uniform(0, 1, 3, 4, seed=1), grad=(0,)) for r in _REDUCTIONS],
    case("BCEWithLogitsLoss-weight-pos_weight",
         _loss(nn.BCEWithLogitsLoss, weight=_W, pos_weight=_W[::-1].copy()), _randn(3, 4),
         _uniform(0, 1, 3, 4, seed=1), grad=(0,)),
    *[case(f"KLDivLoss-{r}", _loss(nn.KLDivLoss, reduction=r), np.log(_PROBS),
           _PROBS[::-1].copy(), grad=(0, 1)) for r in ("none", "sum", "batchmean")],
    case("KLDivLoss-mean", _loss(nn.KLDivLoss), np.log(_PROBS), _PROBS[::-1].copy(),
         grad=(0, 1), call=_kl_mean),
    case("KLDivLoss-log_target", _loss(nn.KLDivLoss, reduction="batchmean", log_target=True),
         np.log(_PROBS), np.log(_PROBS[::-1]), grad=(0, 1)),
    *[case(f"CosineEmbeddingLoss-{r}", _loss(nn.CosineEmbeddingLoss, margin=0.2, reduction=r),
           _randn(5, 3), _randn(5, 3, seed=1), np.array([1, -1, -1, 1, -1]), grad=(0, 1))
      for r in _REDUCTIONS],
]


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("make,arrays,kwargs", LOSSES)
def test_loss_matches_cpu(make, arrays, kwargs, device):
    """Each loss with its target (and weight buffers) on the device gives cpu's values and
    gradients."""
    _compare_module(make, arrays, device, **kwargs)


def test_every_loss_has_a_case():
    losses = {n for n in dir(nn) if n.endswith("Loss")}
    assert sorted(losses - {p.id.split("-")[0] for p in LOSSES}) == []


# --- optimizers -------------------------------------------------------------------------------
def _model():
    eg.manual_seed(1)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


_X, _Y = _randn(8, 3, seed=4), _randn(8, 2, seed=5)


def _train(model, opt, device, steps):
    x, y = eg.tensor(_X, device=device), eg.tensor(_Y, device=device)
    losses = []
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss
        losses.append(opt.step(closure))
    return losses


def _is_scalar(v):
    return isinstance(v, (float, np.floating)) or (isinstance(v, eg.Tensor) and v.ndim == 0)


def _assert_state_equal(dev, cpu, device, what):
    """Optimizer states compared recursively: tensors by value; a tensor shaped like a parameter
    must live on the device (0-d step counters may stay on the cpu, as torch keeps them)."""
    if _is_scalar(cpu) and _is_scalar(dev) and not isinstance(cpu, (bool, int)):
        # Values only here; test_lbfgs_state_types_match_across_devices checks the types.
        value = _host(dev) if isinstance(dev, eg.Tensor) else dev
        np.testing.assert_allclose(value, _host(cpu) if isinstance(cpu, eg.Tensor) else cpu,
                                   rtol=RTOL, atol=ATOL, err_msg=what)
        if isinstance(dev, eg.Tensor):
            assert dev.device.type in ("cpu", eg.device(device).type), what
    elif isinstance(cpu, eg.Tensor):
        assert isinstance(dev, eg.Tensor), f"{what}: {type(dev).__name__}, not a Tensor"
        if cpu.ndim:
            _assert_same(dev, cpu, device, what)
        else:
            assert dev.device.type in ("cpu", eg.device(device).type)
            np.testing.assert_allclose(_host(dev), _host(cpu), rtol=RTOL, atol=ATOL, err_msg=what)
    elif isinstance(cpu, dict):
        assert dev.keys() == cpu.keys(), what
        for k in cpu:
            _assert_state_equal(dev[k], cpu[k], device, f"{what}[{k!r}]")
    elif isinstance(cpu, (list, tuple)):
        assert len(dev) == len(cpu), what
        for i, (d, c) in enumerate(zip(dev, cpu)):
            _assert_state_equal(d, c, device, f"{what}[{i}]")
    elif isinstance(cpu, float):
        assert dev == pytest.approx(cpu, rel=RTOL, abs=ATOL), what
    else:
        assert dev == cpu, what


def _assert_models_equal(dev_model, cpu_model, device):
    cpu_params = dict(cpu_model.named_parameters())
    for name, p in dev_model.named_parameters():
        _assert_same(p, cpu_params[name], device, name)


OPTIMIZERS = [
    pytest.param(eg.optim.SGD, {"lr": 0.1}, id="SGD"),
    pytest.param(eg.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True,
                                "weight_decay": 0.01}, id="SGD-nesterov-wd"),
    pytest.param(eg.optim.SGD, {"lr": 0.1, "momentum": 0.8, "dampening": 0.3,
                                "maximize": True}, id="SGD-dampening-maximize"),
    pytest.param(eg.optim.Adam, {"lr": 0.05}, id="Adam"),
    pytest.param(eg.optim.Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1},
                 id="Adam-amsgrad-wd"),
    pytest.param(eg.optim.Adam, {"lr": eg.tensor(0.05), "maximize": True},
                 id="Adam-tensor_lr-maximize"),
    pytest.param(eg.optim.AdamW, {"lr": 0.05, "amsgrad": True}, id="AdamW-amsgrad"),
    pytest.param(eg.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1,
                                    "weight_decay": 0.01}, id="Adagrad"),
    pytest.param(eg.optim.Adadelta, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01},
                 id="Adadelta"),
    pytest.param(eg.optim.Adamax, {"lr": 0.05, "weight_decay": 0.01}, id="Adamax"),
    pytest.param(eg.optim.NAdam, {"lr": 0.05}, id="NAdam"),
    pytest.param(eg.optim.NAdam, {"lr": 0.05, "weight_decay": 0.1,
                                  "decoupled_weight_decay": True}, id="NAdam-decoupled"),
    pytest.param(eg.optim.RAdam, {"lr": 0.05, "weight_decay": 0.1}, id="RAdam"),
    pytest.param(eg.optim.RAdam, {"lr": 0.05, "weight_decay": 0.1,
                                  "decoupled_weight_decay": True}, id="RAdam-decoupled"),
    pytest.param(eg.optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5,
                                    "weight_decay": 0.01}, id="RMSprop-centered-momentum"),
    pytest.param(eg.optim.LBFGS, {"lr": 0.5, "max_iter": 4, "history_size": 3}, id="LBFGS"),
    pytest.param(eg.optim.LBFGS, {"lr": 1.0, "max_iter": 4, "line_search_fn": "strong_wolfe"},
                 id="LBFGS-strong_wolfe"),
]


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("cls,kwargs", OPTIMIZERS)
def test_optimizer_matches_cpu(cls, kwargs, device):
    """A few steps on the device leave the parameters, the returned losses and the optimizer's
    state_dict equal to the same steps on cpu."""
    cpu_model = _model()
    dev_model = copy.deepcopy(cpu_model).to(device)
    cpu_opt, dev_opt = cls(cpu_model.parameters(), **kwargs), cls(dev_model.parameters(), **kwargs)
    cpu_losses = _train(cpu_model, cpu_opt, "cpu", 3)
    dev_losses = _train(dev_model, dev_opt, device, 3)
    for i, (d, c) in enumerate(zip(dev_losses, cpu_losses)):
        _assert_same(d, c, device, f"loss returned by step {i}")
    _assert_models_equal(dev_model, cpu_model, device)
    _assert_state_equal(dev_opt.state_dict(), cpu_opt.state_dict(), device, "state_dict")


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("cls,kwargs", OPTIMIZERS)
def test_optimizer_loads_cpu_state_onto_device(cls, kwargs, device):
    """As torch does, load_state_dict of a cpu optimizer's state into an optimizer of device
    parameters puts the state on the device; training then continues exactly like on cpu."""
    cpu_model = _model()
    cpu_opt = cls(cpu_model.parameters(), **kwargs)
    _train(cpu_model, cpu_opt, "cpu", 2)
    dev_model = copy.deepcopy(cpu_model).to(device)
    dev_opt = cls(dev_model.parameters(), **kwargs)
    dev_opt.load_state_dict(cpu_opt.state_dict())
    _assert_state_equal(dev_opt.state_dict(), cpu_opt.state_dict(), device, "loaded state")
    _train(cpu_model, cpu_opt, "cpu", 2)
    _train(dev_model, dev_opt, device, 2)
    _assert_models_equal(dev_model, cpu_model, device)
    _assert_state_equal(dev_opt.state_dict(), cpu_opt.state_dict(), device, "state_dict")


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("cls,kwargs", OPTIMIZERS)
def test_device_optimizer_state_saved_and_resumed_on_cpu(cls, kwargs, device):
    """A device run's optimizer state, saved with eg.save and loaded with map_location='cpu',
    resumes on cpu exactly as the device run continues."""
    dev_model = _model().to(device)
    dev_opt = cls(dev_model.parameters(), **kwargs)
    _train(dev_model, dev_opt, device, 2)
    buf = io.BytesIO()
    eg.save({"model": dev_model.state_dict(), "optim": dev_opt.state_dict()}, buf)
    buf.seek(0)
    saved = eg.load(buf, map_location="cpu")
    cpu_model = _model()
    cpu_model.load_state_dict(saved["model"])
    cpu_opt = cls(cpu_model.parameters(), **kwargs)
    cpu_opt.load_state_dict(saved["optim"])
    _train(dev_model, dev_opt, device, 2)
    _train(cpu_model, cpu_opt, "cpu", 2)
    _assert_models_equal(dev_model, cpu_model, device)
    _assert_state_equal(dev_opt.state_dict(), cpu_opt.state_dict(), device, "state_dict")


@pytest.mark.parametrize("device", ACCELERATORS)
def test_lbfgs_state_types_match_across_devices(device):
    """ro, H_diag and al are 0-d Tensors in torch's LBFGS state, on every device and dtype."""
    kinds = {}
    for dev in ("cpu", device):
        model = _model().to(dev)
        opt = eg.optim.LBFGS(model.parameters(), max_iter=4)
        _train(model, opt, dev, 2)
        state = opt.state_dict()["state"][0]
        kinds[dev] = [type(v).__name__ for v in (state["H_diag"], *state["ro"], *state["al"])]
    # ``al`` is preallocated to history_size with None (as torch's); the rest are tensors.
    assert kinds["cpu"] == kinds[device]
    assert set(kinds["cpu"]) == {"Tensor", "NoneType"} and kinds["cpu"][0] == "Tensor"


@pytest.mark.parametrize("device", ACCELERATORS)
def test_optimizer_param_groups_on_device(device):
    """Two groups with their own options step like on cpu."""
    models = {}
    for dev in ("cpu", device):
        model = _model().to(dev)
        opt = eg.optim.Adam([{"params": model[0].parameters(), "lr": 0.1},
                             {"params": model[2].parameters(), "weight_decay": 0.5}], lr=0.01)
        _train(model, opt, dev, 3)
        models[dev] = (model, opt)
    _assert_models_equal(models[device][0], models["cpu"][0], device)
    _assert_state_equal(models[device][1].state_dict(), models["cpu"][1].state_dict(), device,
                        "state_dict")


# --- lr schedulers ----------------------------------------------------------------------------
SCHEDULERS = [
    pytest.param(lambda o: eg.optim.lr_scheduler.StepLR(o, 2, gamma=0.5), id="StepLR"),
    pytest.param(lambda o: eg.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
                 id="CosineAnnealingLR"),
    pytest.param(lambda o: eg.optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=8),
                 id="OneCycleLR"),
    pytest.param(lambda o: eg.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=0),
                 id="ReduceLROnPlateau"),
]


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("make_scheduler", SCHEDULERS)
def test_scheduler_matches_cpu(make_scheduler, device):
    """A scheduler driving an optimizer of device parameters gives cpu's learning rates and
    parameters (ReduceLROnPlateau is stepped with the loss tensor itself, on the device)."""
    runs = {}
    for dev in ("cpu", device):
        model = _model().to(dev)
        opt = eg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = make_scheduler(opt)
        lrs = []
        for _ in range(7):
            (loss,) = _train(model, opt, dev, 1)
            if isinstance(sched, eg.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(loss * 0 + 1.0)  # a metric that never improves: lr halves each step
            else:
                sched.step()
            lrs.append([g["lr"] for g in opt.param_groups])
        runs[dev] = (model, lrs)
    np.testing.assert_allclose(runs[device][1], runs["cpu"][1], rtol=1e-12)
    assert len({lr for (lr,) in runs["cpu"][1]}) > 2  # the schedule really changed the lr
    _assert_models_equal(runs[device][0], runs["cpu"][0], device)


# --- module state across devices --------------------------------------------------------------
def _stateful_model():
    eg.manual_seed(2)
    model = nn.Sequential(nn.Conv1d(2, 3, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(9, 2)).double()
    model(eg.tensor(_randn(4, 2, 5)))  # train-mode forward: running stats and counter move
    return model


@pytest.mark.parametrize("device", ACCELERATORS)
def test_state_dict_saves_and_loads_to_cpu(device):
    """state_dict of a device model holds device tensors; eg.save then eg.load with
    map_location='cpu' gives cpu tensors with the same values, dtypes and keys."""
    model = _stateful_model().to(device)
    state = model.state_dict()
    assert set(state) == {*dict(model.named_parameters()), *dict(model.named_buffers())}
    for name, t in state.items():
        assert t.device.type == eg.device(device).type, name
    buf = io.BytesIO()
    eg.save(state, buf)
    buf.seek(0)
    loaded = eg.load(buf, map_location="cpu")
    assert list(loaded) == list(state)
    for name, t in loaded.items():
        assert t.device.type == "cpu", name
        assert t.dtype == state[name].dtype, name
        np.testing.assert_array_equal(t.numpy(), _host(state[name]), err_msg=name)
    buf.seek(0)
    for name, t in eg.load(buf).items():  # no map_location: back where it was saved (torch)
        _assert_same(t, state[name], device, name)


@pytest.mark.parametrize("device", ACCELERATORS)
def test_load_cpu_state_dict_into_device_model(device):
    """load_state_dict copies cpu tensors into the existing device parameters and buffers
    (torch's copy_), which stay on the device; the model then computes what the cpu one does."""
    cpu_model = _stateful_model()
    eg.manual_seed(3)
    dev_model = nn.Sequential(nn.Conv1d(2, 3, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Flatten(),
                              nn.Linear(9, 2)).double().to(device)
    params_before = [id(p) for p in dev_model.parameters()]
    result = dev_model.load_state_dict(cpu_model.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    assert [id(p) for p in dev_model.parameters()] == params_before  # same Parameter objects
    cpu_state = cpu_model.state_dict()
    for name, t in dev_model.state_dict().items():
        _assert_same(t, cpu_state[name], device, name)
    x = _randn(3, 2, 5, seed=7)
    cpu_model.eval()
    dev_model.eval()
    _assert_same(dev_model(eg.tensor(x, device=device)), cpu_model(eg.tensor(x)), device,
                 "output")


# --- nn.utils ---------------------------------------------------------------------------------
def _model_with_grads(device):
    model = _model().to(device)
    x, y = eg.tensor(_X, device=device), eg.tensor(_Y, device=device)
    ((model(x) - y) ** 2).sum().backward()
    return model


def _assert_grads_equal(dev_model, cpu_model, device):
    cpu_params = dict(cpu_model.named_parameters())
    for name, p in dev_model.named_parameters():
        _assert_same(p.grad, cpu_params[name].grad, device, f"grad of {name}")


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_on_device(norm_type, device):
    """clip_grad_norm_ returns the device total norm cpu computes and scales grads the same."""
    cpu_model, dev_model = _model_with_grads("cpu"), _model_with_grads(device)
    cpu_norm = nn.utils.clip_grad_norm_(cpu_model.parameters(), 0.5, norm_type=norm_type)
    dev_norm = nn.utils.clip_grad_norm_(dev_model.parameters(), 0.5, norm_type=norm_type)
    assert float(cpu_norm) > 0.5  # the clip really scaled the gradients
    _assert_same(dev_norm, cpu_norm, device, "total norm")
    _assert_grads_equal(dev_model, cpu_model, device)


@pytest.mark.parametrize("device", ACCELERATORS)
def test_clip_grad_value_on_device(device):
    cpu_model, dev_model = _model_with_grads("cpu"), _model_with_grads(device)
    assert max(float(p.grad.abs().max()) for p in cpu_model.parameters()) > 0.3
    nn.utils.clip_grad_value_(cpu_model.parameters(), 0.3)
    nn.utils.clip_grad_value_(dev_model.parameters(), 0.3)
    _assert_grads_equal(dev_model, cpu_model, device)


@pytest.mark.parametrize("device", ACCELERATORS)
def test_parameters_to_vector_and_back_on_device(device):
    """parameters_to_vector gives a device vector equal to cpu's; vector_to_parameters writes a
    device vector back into the device parameters."""
    cpu_model = _model()
    dev_model = copy.deepcopy(cpu_model).to(device)
    cpu_vec = nn.utils.parameters_to_vector(cpu_model.parameters())
    dev_vec = nn.utils.parameters_to_vector(dev_model.parameters())
    _assert_same(dev_vec, cpu_vec, device, "vector")
    new = _randn(cpu_vec.shape[0], seed=9)
    nn.utils.vector_to_parameters(eg.tensor(new), cpu_model.parameters())
    nn.utils.vector_to_parameters(eg.tensor(new, device=device), dev_model.parameters())
    _assert_models_equal(dev_model, cpu_model, device)
    np.testing.assert_array_equal(_host(nn.utils.parameters_to_vector(dev_model.parameters())),
                                  new)


# --- in-place writes without numpy's ``writeable`` flag ------------------------------------------
# cupy's ``ndarray.flags`` holds only ``c_contiguous``, ``f_contiguous`` and ``owndata`` (no
# ``writeable``), and so does the fake's; in-place paths ask ``_backend.writeable`` instead.
def _leaf_backward(d):
    x = eg.ones(3, device=d, requires_grad=True)
    (x * 2).sum().backward()
    return x.grad


def _setitem(d):
    x = eg.ones(3, device=d)
    x[0] = 5.0
    return x


def _embedding_max_norm(d):
    emb = nn.Embedding(5, 3, max_norm=0.5).to(d)
    emb(eg.tensor([1, 2], device=d))
    return emb.weight.detach()[1:3].norm(dim=1) <= 0.5 + 1e-6  # rows renormalised in place


IN_PLACE = [
    pytest.param(_leaf_backward, [2.0, 2.0, 2.0], id="backward-leaf-grad"),
    pytest.param(lambda d: eg.ones(3, device=d).add_(1), [2.0, 2.0, 2.0], id="add_-fast-path"),
    pytest.param(lambda d: eg.ones(3, device=d).clamp_(0, 0.5), [0.5, 0.5, 0.5], id="clamp_"),
    pytest.param(_setitem, [5.0, 1.0, 1.0], id="setitem"),
    pytest.param(_embedding_max_norm, [True, True], id="Embedding-max_norm"),
    pytest.param(lambda d: eg.ones(3, device=d).zero_(), [0.0, 0.0, 0.0], id="zero_"),
    pytest.param(lambda d: eg.tensor([[1.0], [2.0]], device=d).t().contiguous().view(2),
                 [1.0, 2.0], id="contiguous"),
]


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("fn,expected", IN_PLACE)
def test_in_place_paths_on_device(fn, expected, device):
    np.testing.assert_array_equal(_host(fn(device)), expected)


@pytest.mark.parametrize("device", ["cpu", *ACCELERATORS])
@pytest.mark.parametrize("write", [lambda t: t.clamp_(0, 0.5), lambda t: t.__setitem__(0, 5.0)],
                         ids=["clamp_", "setitem"])
def test_writing_into_a_broadcast_view_raises_on_every_device(write, device):
    """An expanded tensor's elements share memory: writing into it raises, cpu or device."""
    t = eg.ones(1, device=device).expand(3)
    with pytest.raises(RuntimeError, match="read-only"):
        write(t)
