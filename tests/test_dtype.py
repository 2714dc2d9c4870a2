"""dtype objects and torch's type-promotion rules."""

from __future__ import annotations

import pytest

import eagergrad as eg
from eagergrad._dtype import DIM, SCALAR, ZERO_DIM, result_type


def test_dtype_objects():
    assert eg.float32.is_floating_point and not eg.int64.is_floating_point
    assert eg.float64.itemsize == 8 and repr(eg.float16) == "eagergrad.float16"
    assert eg.float is eg.float32 and eg.long is eg.int64 and eg.double is eg.float64


def test_promote_types_lattice():
    assert eg.promote_types(eg.int32, eg.float16) is eg.float16
    assert eg.promote_types(eg.uint8, eg.int8) is eg.int16
    assert eg.promote_types(eg.bool, eg.int32) is eg.int32
    assert eg.promote_types(eg.float32, eg.float64) is eg.float64


@pytest.mark.parametrize(
    "operands,expected",
    [
        (((eg.float32, DIM), (eg.float64, ZERO_DIM)), eg.float32),
        (((eg.int64, DIM), (eg.float32, SCALAR)), eg.float32),
        (((eg.int32, DIM), (eg.int64, SCALAR)), eg.int32),
        (((eg.int32, DIM), (eg.int64, ZERO_DIM)), eg.int32),
        (((eg.bool, DIM), (eg.int64, SCALAR)), eg.int64),
        (((eg.float16, DIM), (eg.float64, ZERO_DIM)), eg.float16),
        (((eg.int64, DIM), (eg.float64, ZERO_DIM)), eg.float64),
        (((eg.float32, ZERO_DIM), (eg.float64, ZERO_DIM)), eg.float64),
        (((eg.int64, ZERO_DIM), (eg.float32, SCALAR)), eg.float32),
    ],
)
def test_result_type_matches_torch_rules(operands, expected):
    assert result_type(operands) is expected


@pytest.mark.torch
def test_result_type_against_torch():
    torch = pytest.importorskip("torch")
    dts = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
    scalars = [1, 2.5, True]
    for a in dts:
        for b in dts:
            for b_zero_dim in (False, True):
                ta = torch.ones(2, dtype=getattr(torch, a))
                tb = torch.ones(() if b_zero_dim else 2, dtype=getattr(torch, b))
                got = result_type(((getattr(eg, a if a != "bool" else "bool"), DIM),
                                   (getattr(eg, b), ZERO_DIM if b_zero_dim else DIM)))
                assert got.name == str(torch.result_type(ta, tb)).replace("torch.", "")
        for s in scalars:
            ta = torch.ones(2, dtype=getattr(torch, a))
            from eagergrad._dtype import scalar_dtype

            got = result_type(((getattr(eg, a), DIM), (scalar_dtype(s), SCALAR)))
            assert got.name == str(torch.result_type(ta, s)).replace("torch.", "")


def test_binary_op_promotion_end_to_end():
    f32 = eg.ones(2)
    assert (f32 * 2.5).dtype is eg.float32
    assert (eg.ones(2, dtype=eg.int64) * 2.5).dtype is eg.float32
    assert (f32 + eg.tensor(1.0, dtype=eg.float64)).dtype is eg.float32
    assert (eg.tensor([1, 2]) / eg.tensor([2, 4])).dtype is eg.float32
    assert (f32 + eg.ones(2, dtype=eg.float64)).dtype is eg.float64
    assert (eg.ones(2, dtype=eg.int32) + 1).dtype is eg.int32
