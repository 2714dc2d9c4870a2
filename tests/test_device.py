"""Device logic without a GPU: a numpy-backed test device stands in for a second device.

``_backend._register_test_device`` adds a device type whose arrays are numpy arrays but which the
library treats as separate from cpu, so propagation, mismatch errors and explicit moves are
tested on every machine; ``fakecuda`` (tests/_fake_cupy.py) is a device whose arrays behave
like cupy's. The same tests run on real cuda where a GPU is present.
"""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
from eagergrad import _backend

from ._devices import ACCELERATORS

TESTDEV = _backend._register_test_device("testdev")


@pytest.fixture(params=["testdev", *ACCELERATORS])
def other(request):
    return eg.device(request.param)


def test_device_objects():
    assert eg.device("cpu") is eg.device("cpu")
    assert str(eg.device("cpu")) == "cpu" and repr(eg.device("cpu")) == "device(type='cpu')"
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        eg.device("tpu")


def test_cuda_queries_without_gpu():
    if eg.cuda.is_available():
        pytest.skip("a GPU is present")
    assert eg.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="CUDA"):
        eg.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="CUDA"):
        eg.ones(2).cuda()


def test_move_and_back(other):
    x = eg.tensor([1.0, 2.0])
    y = x.to(other)
    assert y.device == other and x.device == "cpu"
    z = y.cpu()
    assert z.device == "cpu" and z.tolist() == [1.0, 2.0]
    y.add_(1)
    assert x.tolist() == [1.0, 2.0], "a move must copy, never alias"


def test_ops_propagate_device(other):
    x = eg.ones(2, 3, device=other)
    y = (x * 2 + 1).exp().sum(1)
    assert y.device == other


def test_mixed_devices_raise_torchs_message(other):
    a = eg.ones(2)
    b = eg.ones(2, device=other)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but "
                                           "found at least two devices"):
        a + b


def test_numpy_on_non_cpu_device_raises(other):
    x = eg.ones(2, device=other)
    with pytest.raises(TypeError, match="Use Tensor.cpu\\(\\) to copy the tensor to host memory"):
        x.numpy()
    with pytest.raises(TypeError, match="can't convert"):
        np.asarray(x)


def test_gradient_flows_back_across_a_move(other):
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(other) * 3
    y.sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [3.0, 3.0]


def test_grads_live_on_the_leaf_device(other):
    w = eg.ones(3, device=other, requires_grad=True)
    (w * w).sum().backward()
    assert w.grad.device == other


def test_python_scalars_do_not_move_data(other):
    x = eg.ones(2, device=other)
    assert (x * 2.0 + 1).device == other


def test_device_context_sets_factory_default(other):
    with other:
        assert eg.zeros(2).device == other and eg.randn(2).device == other
        assert eg.tensor([1.0]).device == other and eg.arange(3).device == other
        assert eg.zeros(1, device="cpu").device == "cpu"
    assert eg.zeros(2).device == "cpu"


def test_set_default_device(other):
    eg.set_default_device(other)
    try:
        assert eg.ones(2).device == other and eg.get_default_device() == other
    finally:
        eg.set_default_device(None)
    assert eg.ones(2).device == "cpu"


def test_optimizer_built_before_a_module_move_keeps_working(other):
    model = eg.nn.Linear(3, 2)
    opt = eg.optim.Adam(model.parameters(), lr=0.1)
    before = model.weight.detach().cpu().numpy().copy()
    model.to(other)
    loss = model(eg.ones(4, 3, device=other)).pow(2).sum()
    loss.backward()
    opt.step()
    assert model.weight.device == other
    assert opt.state[model.weight]["exp_avg"].device == other
    assert not np.allclose(model.weight.detach().cpu().numpy(), before)


def test_cuda_state_dict_loads_on_cpu_only_machine(other, tmp_path):
    model = eg.nn.Linear(3, 2).to(other)
    path = tmp_path / "m.egt"
    eg.save(model.state_dict(), path)
    state = eg.load(path, map_location="cpu")
    fresh = eg.nn.Linear(3, 2)
    fresh.load_state_dict(state)
    assert fresh.weight.device == "cpu"
    np.testing.assert_array_equal(fresh.weight.detach().numpy(),
                                  model.weight.detach().cpu().numpy())


def test_scalars_keep_their_shape_on_a_device(other):
    # numpy.ascontiguousarray makes 0-d arrays 1-d; the host-to-device copy must not.
    assert eg.tensor(1.5, device=other).shape == ()
    assert eg.tensor([], device=other).shape == (0,)
    assert eg.tensor(np.float64(2.0)).to(other).shape == ()


def test_scalar_only_results_stay_device_arrays(other):
    # lerp with a Python weight: its backward computes 1 - weight from two wrapped scalars.
    x = eg.randn(3, device=other, requires_grad=True)
    y = eg.randn(3, device=other, requires_grad=True)
    eg.lerp(x, y, 0.25).sum().backward()
    assert isinstance(x.grad._data, type(eg.ones(1, device=other)._data))
    np.testing.assert_allclose(x.grad.cpu().numpy(), [0.75] * 3)
    np.testing.assert_allclose(y.grad.cpu().numpy(), [0.25] * 3)


def test_tensor_from_a_device_array():
    """torch.tensor/as_tensor take cupy arrays (__cuda_array_interface__); so does eagergrad."""
    dev = eg.device("fakecuda")
    arr = eg.arange(6.0, device=dev).reshape(2, 3)._data  # a cupy-shaped device array
    t = eg.tensor(arr)
    assert t.device == dev and t.dtype == eg.float32 and t.shape == (2, 3)
    shared = eg.as_tensor(arr)
    on_cpu = eg.tensor(arr, device="cpu", dtype=eg.float64)
    arr[0, 0] = 7.0
    assert shared[0, 0].item() == 7.0, "as_tensor shares a device array's memory"
    assert t[0, 0].item() == 0.0, "tensor copies"
    assert on_cpu.device == "cpu" and on_cpu.dtype == eg.float64 and on_cpu[0, 0].item() == 0.0
    assert eg.as_tensor(arr, device="cpu").device == "cpu"


@pytest.mark.parametrize("dtype", [eg.int64, eg.int32, eg.int16, eg.int8, eg.uint8, eg.float16])
def test_scatter_adds_of_every_dtype(other, dtype):
    # cupy's scatter-add is CUDA's atomicAdd: no int64/int16/int8/uint8; eagergrad works around it.
    idx = eg.tensor([0, 2, 0, 0])
    src = eg.tensor([1, 2, 3, 100]).to(dtype)
    want = eg.zeros(3, dtype=dtype).index_add(0, idx, src)
    got = eg.zeros(3, dtype=dtype, device=other).index_add(0, idx.to(other), src.to(other))
    assert got.dtype == dtype and got.cpu().tolist() == want.tolist()
    got = eg.zeros(3, dtype=dtype, device=other).scatter_add(0, idx.to(other), src.to(other))
    assert got.cpu().tolist() == want.tolist()
    acc = eg.zeros(3, dtype=dtype, device=other)
    acc.index_put_((idx.to(other),), src.to(other), accumulate=True)
    assert acc.cpu().tolist() == want.tolist()


def test_int64_scatter_add_wraps_like_torch(other):
    big = eg.tensor([2**62, 2**62], device=other)
    out = eg.zeros(1, dtype=eg.int64, device=other).index_add(0, eg.tensor([0, 0], device=other),
                                                              big)
    assert out.cpu().tolist() == [-(2**63)]  # 2**63 wraps, as on cpu (numpy) and in torch


def test_non_blocking_reaches_the_copy(monkeypatch):
    """to/cuda/Module.to pass non_blocking down to the host-to-device copy (async on a GPU)."""
    seen = []
    real = _backend.to_device

    def spy(arr, dev, non_blocking=False):
        seen.append(non_blocking)
        return real(arr, dev, non_blocking)

    monkeypatch.setattr(eg._ops.elementwise, "_array_to_device", spy)
    x = eg.ones(2).pin_memory()
    assert x.to("fakecuda", non_blocking=True).device == eg.device("fakecuda")
    x.to("fakecuda", eg.float64, True)  # positionally, as torch allows
    x.to("fakecuda")
    eg.nn.Linear(2, 2).to("fakecuda", non_blocking=True)
    assert seen == [True, True, False, True, True]


def test_pin_memory_and_is_pinned():
    x = eg.ones(2)
    pinned = x.pin_memory()
    assert pinned.tolist() == [1.0, 1.0]
    if eg.cuda.is_available():
        assert pinned.is_pinned() and not x.is_pinned() and pinned.pin_memory() is pinned
    else:
        assert pinned is x and not x.is_pinned()  # nothing to pin for without a GPU
    with pytest.raises(RuntimeError, match="only dense CPU tensors can be pinned"):
        x.to("fakecuda").pin_memory()


@pytest.mark.cuda
@pytest.mark.skipif(not eg.cuda.is_available(), reason="no CUDA GPU")
def test_non_blocking_copy_from_pinned_memory_on_cuda():
    x = eg.randn(512, 512).pin_memory()
    assert x.is_pinned()
    z = x.to("cuda", non_blocking=True) * 2  # queued behind the copy on the same stream
    del x  # the host buffer must outlive the copy (kept until its event completes)
    eg.cuda.synchronize()
    eg.manual_seed(0)
    np.testing.assert_array_equal(z.cpu().numpy(), eg.randn(512, 512).numpy() * 2)


@pytest.mark.parametrize("values,low,high,want", [
    ([0, 4], 0, 5, False), ([0, 5], 0, 5, True), ([-1, 2], 0, 5, True),
    ([-5, 4], -5, 5, False), ([-6, 0], -5, 5, True), ([2**62, 0], 0, 5, True),
    ([-(2**63), 0], -5, 5, True), ([], 0, 5, False), ([255, 0], -5, 5, True),
    ([127, 0], -5, 5, True), ([-128, 0], -5, 5, True), ([3, -3], -1000, 1000, False),
])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
def test_outside_is_a_range_test_of_two_kernels(values, low, high, want, dtype):
    arr = np.array(values, dtype=np.int64)
    if dtype != "int64":
        info = np.iinfo(dtype)
        if len(arr) and (arr.min() < info.min or arr.max() > info.max):
            pytest.skip("values do not fit the dtype")
        arr = arr.astype(dtype)
    assert bool(_backend.outside(arr, low, high)) is want
