"""default_collate / default_convert against torch's, on nested structures."""

import collections

import numpy as np
import pytest

import eagergrad as eg
from eagergrad.utils.data import default_collate, default_convert

Point = collections.namedtuple("Point", ["x", "y"])


def _to_plain(obj, tensor_type):
    """Replaces tensors by ("T", dtype name, values) so eagergrad and torch results compare."""
    if isinstance(obj, tensor_type):
        return ("T", str(obj.dtype).split(".")[-1], obj.numpy().tolist())
    if isinstance(obj, dict):
        return {k: _to_plain(v, tensor_type) for k, v in obj.items()}
    if isinstance(obj, Point):
        return ("Point", *[_to_plain(v, tensor_type) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_to_plain(v, tensor_type) for v in obj])
    return obj


BATCHES = [
    [1, 2, 3],
    [1.5, 2.5],
    [True, False],
    [np.float32(1.0), np.float32(2.0)],
    [np.int32(3), np.int32(4)],
    [np.arange(6, dtype=np.uint8).reshape(2, 3), np.ones((2, 3), dtype=np.uint8)],
    [np.zeros(3, dtype=np.float64), np.ones(3, dtype=np.float64)],
    ["a", "b"],
    [b"a", b"b"],
    [(1, "x"), (2, "y")],
    [[1, 2.0], [3, 4.0]],
    [
        {"img": np.ones((2, 2), np.float32), "meta": {"id": 1, "name": "a"}},
        {"img": np.zeros((2, 2), np.float32), "meta": {"id": 2, "name": "b"}},
    ],
    [Point(1, np.array([1.0])), Point(2, np.array([2.0]))],
    [{"a": [(1, 2), (3, 4)]}, {"a": [(5, 6), (7, 8)]}],
]


@pytest.mark.parametrize("batch", BATCHES, ids=range(len(BATCHES)))
def test_default_collate_matches_torch(batch):
    torch = pytest.importorskip("torch")
    ours = _to_plain(default_collate(batch), eg.Tensor)
    theirs = _to_plain(torch.utils.data.default_collate(batch), torch.Tensor)
    assert ours == theirs


def test_default_collate_stacks_tensors():
    out = default_collate([eg.tensor([1.0, 2.0]), eg.tensor([3.0, 4.0])])
    assert out.shape == (2, 2) and out.dtype == eg.float32
    assert out.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    nested = default_collate([(eg.zeros(2, 3), 0), (eg.ones(2, 3), 1)])
    assert nested[0].shape == (2, 2, 3) and nested[1].tolist() == [0, 1]


def test_default_collate_python_number_dtypes():
    assert default_collate([1.0, 2.0]).dtype == eg.float64
    assert default_collate([1, 2]).dtype == eg.int64
    assert default_collate([True]).dtype == eg.bool


def test_default_collate_errors_match_torch():
    torch = pytest.importorskip("torch")
    bad = [[object(), object()], [[1, 2], [1]], [np.array(["a"]), np.array(["b"])]]
    for batch in bad:
        with pytest.raises(Exception) as ours:
            default_collate(batch)
        with pytest.raises(Exception) as theirs:
            torch.utils.data.default_collate(batch)
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([eg.zeros(2), eg.zeros(3)])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([np.zeros(2), np.zeros(3)])


def test_default_convert_matches_torch():
    torch = pytest.importorskip("torch")
    sample = {"x": np.arange(3), "y": (np.float32(2.0), "s", 4), "p": Point(np.ones(2), 1)}
    ours = _to_plain(default_convert(sample), eg.Tensor)
    theirs = _to_plain(torch.utils.data.default_convert(sample), torch.Tensor)
    assert ours == theirs
