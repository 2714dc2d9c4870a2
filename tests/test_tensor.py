"""Tensor metadata, conversions, repr and numpy interop."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg


def test_metadata():
    x = eg.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-1) == 4
    assert x.dim() == 3 and x.ndim == 3 and x.numel() == 24 and len(x) == 2
    assert x.device == eg.device("cpu") and x.device == "cpu" and not x.is_cuda
    assert repr(x.shape) == "eagergrad.Size([2, 3, 4])"
    assert x.is_contiguous() and x.element_size() == 4 and x.stride() == (12, 4, 1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(3)


def test_item_tolist_numpy():
    x = eg.tensor([[1.0, 2.0]])
    assert x.tolist() == [[1.0, 2.0]]
    assert eg.tensor([3.5]).item() == 3.5
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    assert isinstance(x.numpy(), np.ndarray)
    assert np.asarray(x).shape == (1, 2)
    with pytest.raises(RuntimeError, match="requires grad"):
        eg.ones(2, requires_grad=True).numpy()


def test_bool_int_float_dunders():
    assert float(eg.tensor(2.5)) == 2.5 and int(eg.tensor(3)) == 3
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(eg.ones(2))
    assert [1, 2, 3][eg.tensor(1)] == 2


def test_len_and_iter():
    x = eg.arange(6).reshape(3, 2)
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and rows[2].tolist() == [4, 5]
    with pytest.raises(TypeError, match="0-d"):
        len(eg.tensor(1.0))


def test_repr_like_torch():
    assert repr(eg.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(eg.tensor([0.1, 0.25])) == "tensor([0.1000, 0.2500])"
    assert repr(eg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(eg.tensor([1.0], dtype=eg.float64)) == "tensor([1.], dtype=eagergrad.float64)"
    assert repr(eg.tensor(2.0, requires_grad=True)) == "tensor(2., requires_grad=True)"
    assert repr(eg.tensor([[1, 2], [3, 4]])) == "tensor([[1, 2],\n        [3, 4]])"
    assert repr(eg.tensor([True, False])) == "tensor([ True, False])"


@pytest.mark.torch
def test_repr_matches_torch_on_common_cases():
    torch = pytest.importorskip("torch")
    for data in ([1.0, 2.0], [0.5, -1.25, 3.0], [[1.5, 2.0], [3.0, 4.0]], [1, 2, 3], 2.0,
                 [1e-5, 1.0], [True, False]):
        assert repr(eg.tensor(data)).replace("eagergrad.", "torch.") == repr(torch.tensor(data))


def test_type_conversions():
    x = eg.tensor([1.7, -2.2])
    assert x.long().dtype is eg.int64 and x.long().tolist() == [1, -2]
    assert x.double().dtype is eg.float64 and x.half().dtype is eg.float16
    assert x.int().dtype is eg.int32 and x.bool().dtype is eg.bool
    assert x.to(eg.float64).dtype is eg.float64 and x.to(eg.float32) is x
    assert x.type() == "eagergrad.FloatTensor"
    assert x.to("cpu") is x and x.cpu() is x


def test_cast_is_differentiable_and_grad_keeps_dtype():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    x.double().sum().backward()
    assert x.grad.dtype is eg.float32 and x.grad.tolist() == [1.0, 1.0]


def test_data_property():
    x = eg.ones(2, requires_grad=True)
    d = x.data
    assert not d.requires_grad
    d.fill_(3.0)
    assert x.tolist() == [3.0, 3.0]
    x.data = eg.zeros(2)
    assert x.tolist() == [0.0, 0.0] and x.requires_grad


def test_tensors_are_not_picklable():
    import pickle

    with pytest.raises(TypeError, match="eg.save"):
        pickle.dumps(eg.ones(2))


def test_cannot_construct_directly():
    with pytest.raises(TypeError, match="eg.tensor"):
        eg.Tensor([1, 2])


def test_numpy_array_on_left_defers_to_tensor():
    out = np.float32(2.0) * eg.ones(2)
    assert isinstance(out, eg.Tensor)


def test_deepcopy_of_leaf():
    import copy

    x = eg.ones(2, requires_grad=True)
    y = copy.deepcopy(x)
    assert y.requires_grad and y is not x and not np.shares_memory(x.numpy(force=True),
                                                                     y.numpy(force=True))
