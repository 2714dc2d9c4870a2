"""The devices tests run on besides cpu: ``fakecuda`` always, ``cuda`` where a GPU is present.

``fakecuda`` is the GPU dress rehearsal: a device whose arrays behave like cupy's
(tests/_fake_cupy.py), so device code runs its cupy path on every machine.
"""

from __future__ import annotations

import pytest

import eagergrad as eg

from ._fake_cupy import fake_cupy

FAKE_CUDA = eg._backend._register_test_device("fakecuda", fake_cupy)

CUDA = pytest.param("cuda", marks=[
    pytest.mark.cuda,
    pytest.mark.skipif(not eg.cuda.is_available(), reason="no CUDA GPU / cupy"),
])
ACCELERATORS = ["fakecuda", CUDA]
