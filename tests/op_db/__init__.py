"""The op table: every op listed once, driving the generic tests in tests/test_ops.py.

An ``OpInfo`` holds one lambda ``fn(lib, *tensors)`` that runs unchanged on ``eagergrad`` and on
``torch`` (the APIs match), a numpy reference ``ref(np, *arrays)``, the input shapes to sample,
the input domain, and flags. Each op family has its own module here; this module merges them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class OpInfo:
    """One op's entry.

    Attributes:
        name: test id (unique).
        fn: ``fn(lib, *tensors)`` -> tensor or tuple; ``lib`` is ``eagergrad`` or ``torch``.
        ref: ``ref(np, *arrays)`` -> array or tuple (numpy reference), or None when torch is the
            only reference (say why in ``note``).
        shapes: a list of samples; each sample is a tuple of input shapes.
        domain: (low, high) of uniform inputs; ``None`` for standard normal.
        dtypes: names of float dtypes for the forward check.
        differentiable: run gradcheck (float64) on the float inputs.
        double_backward: also run gradgradcheck.
        grad_inputs: indices of inputs that get requires_grad (default: all float inputs).
        int_inputs: indices of inputs that are integer tensors, with (low, high) per index.
        bool_inputs: indices of inputs that are bool tensors.
        broadcasting: a binary elementwise op for the hypothesis broadcasting tests.
        atol, rtol: forward tolerances in float32 (float64 uses 1e-10 / 1e-7).
        torch_atol: tolerance for the torch comparison in float32.
        avoid_ties: resample inputs so no two values within a sample are equal (max, sort, ...).
        note: why something is skipped or special.
    """

    name: str
    fn: Callable
    ref: Callable | None
    shapes: list
    domain: tuple | None = None
    dtypes: tuple = ("float32", "float64")
    differentiable: bool = True
    double_backward: bool = True
    grad_inputs: tuple | None = None
    int_inputs: dict = field(default_factory=dict)
    bool_inputs: tuple = ()
    broadcasting: bool = False
    atol: float = 1e-5
    rtol: float = 1e-4
    torch_atol: float = 1e-5
    avoid_ties: bool = False
    gradcheck_fast: bool = False
    note: str = ""


def make_arrays(op: OpInfo, sample, dtype: str, seed: int = 0):
    """Random numpy inputs for one sample of ``op`` (float inputs in ``dtype``)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for i, shape in enumerate(sample):
        if i in op.int_inputs:
            lo, hi = op.int_inputs[i]
            arrays.append(rng.integers(lo, hi, size=shape).astype(np.int64))
        elif i in op.bool_inputs:
            arrays.append(rng.random(shape) < 0.5)
        elif op.domain is None:
            arrays.append(rng.standard_normal(shape).astype(dtype))
        else:
            lo, hi = op.domain
            arrays.append(rng.uniform(lo, hi, size=shape).astype(dtype))
    if op.avoid_ties:
        for i, a in enumerate(arrays):
            if a.dtype.kind == "f" and a.size:
                # A permutation of well-separated values: no ties, no near-ties.
                vals = (rng.permutation(a.size) - a.size / 2) * (1.0 / max(a.size, 1))
                arrays[i] = vals.reshape(a.shape).astype(dtype)
    return arrays


def float_input_indices(op: OpInfo, sample):
    if op.grad_inputs is not None:
        return tuple(op.grad_inputs)
    special = set(op.int_inputs) | set(op.bool_inputs)
    return tuple(i for i in range(len(sample)) if i not in special)


def all_ops():
    from . import elementwise, indexing, linalg, reduction, shape

    ops = []
    for mod in (elementwise, reduction, linalg, shape, indexing):
        ops.extend(mod.OPS)
    names = [o.name for o in ops]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"duplicate op names in op_db: {sorted(dup)}")
    return ops
