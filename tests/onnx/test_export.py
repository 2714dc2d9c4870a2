"""eg.onnx.export: exported models run in onnxruntime and agree with eagergrad."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.jit  # noqa: F401 - registers eg.jit
import eagergrad.onnx  # noqa: F401 - registers eg.onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

nn = eg.nn
F = nn.functional


def _run(path, feeds):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def _eager(model, *xs):
    model.eval()
    with eg.no_grad():
        out = model(*xs)
    return out.numpy()


def _cnn():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding="same", groups=2, bias=False),
        nn.LeakyReLU(0.2),
        nn.AvgPool2d(2),
        nn.Conv2d(8, 6, 1, stride=1, dilation=1),
        nn.Sigmoid(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(6, 16),
        nn.GELU(),
        nn.Linear(16, 16),
        nn.GELU(approximate="tanh"),
        nn.Tanh(),
        nn.Linear(16, 5),
        nn.Softmax(dim=1),
    )
    bn = model[1]
    rng = np.random.default_rng(0)
    bn.running_mean.data = eg.tensor(rng.standard_normal(8).astype(np.float32))
    bn.running_var.data = eg.tensor(rng.uniform(0.5, 2, 8).astype(np.float32))
    return model


def test_cnn_round_trip_with_dynamic_batch(tmp_path):
    model = _cnn()
    model.train()
    path = tmp_path / "cnn.onnx"
    eg.onnx.export(
        model,
        eg.randn(2, 3, 16, 16),
        path,
        input_names=["images"],
        output_names=["probs"],
        dynamic_axes={"images": {0: "batch"}, "probs": {0: "batch"}},
    )
    assert model.training  # modes restored
    onnx.checker.check_model(onnx.load(str(path)))
    for n in (2, 7):
        x = eg.randn(n, 3, 16, 16)
        (got,) = _run(path, {"images": x.numpy()})
        np.testing.assert_allclose(got, _eager(model, x), rtol=1e-4, atol=1e-6)


def test_mlp_log_softmax_and_list_dynamic_axes(tmp_path):
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(12, 10),
        nn.ReLU(),
        nn.Linear(10, 4),
        nn.BatchNorm1d(4),
        nn.LogSoftmax(dim=-1),
    )
    path = tmp_path / "mlp.onnx"
    eg.onnx.export(model, (eg.randn(3, 3, 4),), path, dynamic_axes={"input": [0]})
    x = eg.randn(9, 3, 4)
    (got,) = _run(path, {"input": x.numpy()})
    np.testing.assert_allclose(got, _eager(model, x), rtol=1e-5, atol=1e-5)


class _Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 6)
        self.fc2 = nn.Linear(6, 2)

    def forward(self, x):
        h = F.relu(self.fc1(x)) + x
        return self.fc2(h.view(h.shape[0], -1) * 0.5)


def test_custom_forward_of_supported_layers_and_ops(tmp_path):
    model = _Residual()
    path = tmp_path / "res.onnx"
    eg.onnx.export(
        model, eg.randn(4, 6), path, dynamic_axes={"input": {0: "n"}, "output": {0: "n"}}
    )
    x = eg.randn(5, 6)
    (got,) = _run(path, {"input": x.numpy()})
    np.testing.assert_allclose(got, _eager(model, x), rtol=1e-5, atol=1e-6)


def test_unsupported_layer_is_named(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4))
    with pytest.raises(eg.onnx.UnsupportedOperatorError, match=r"in module '1' \(LayerNorm\)"):
        eg.onnx.export(model, eg.randn(2, 4), tmp_path / "x.onnx")


def test_unsupported_free_op_is_named(tmp_path):
    class M(nn.Module):
        def forward(self, x):
            return x.abs()

    with pytest.raises(eg.onnx.UnsupportedOperatorError, match="op 'Abs'"):
        eg.onnx.export(M(), eg.randn(2, 4), tmp_path / "x.onnx")


def test_unsupported_conv_padding_mode(tmp_path):
    model = nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect")
    with pytest.raises(eg.onnx.UnsupportedOperatorError, match="padding_mode='reflect'"):
        eg.onnx.export(model, eg.randn(1, 1, 5, 5), tmp_path / "x.onnx")


def test_traced_model_and_traced_layers_export(tmp_path):
    inner = nn.Sequential(nn.Linear(4, 6), nn.ReLU()).eval()
    x = eg.randn(3, 4)
    model = nn.Sequential(eg.jit.trace(inner, (x,)), nn.Linear(6, 2)).eval()
    path = tmp_path / "traced.onnx"
    eg.onnx.export(eg.jit.trace(model, (x,)), x, path)
    (got,) = _run(path, {"input": x.numpy()})
    np.testing.assert_allclose(got, _eager(model, x), rtol=1e-5, atol=1e-6)
