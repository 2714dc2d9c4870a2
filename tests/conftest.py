"""Shared fixtures: seeds, the device fixture, hypothesis profiles."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

import eagergrad as eg

from ._fake_cupy import fake_cupy

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _fixed_seeds():
    """Every test starts from the same seeds, so failures reproduce."""
    eg.manual_seed(0)
    np.random.seed(0)
    yield


# The GPU dress rehearsal: a device whose arrays behave like cupy's (tests/_fake_cupy.py), so
# every device test also runs where no GPU exists.
FAKE_CUDA = eg._backend._register_test_device("fakecuda", fake_cupy)


def _cuda_params():
    return [
        "cpu",
        "fakecuda",
        pytest.param(
            "cuda",
            marks=[
                pytest.mark.cuda,
                pytest.mark.skipif(not eg.cuda.is_available(), reason="no CUDA GPU / cupy"),
            ],
        ),
    ]


@pytest.fixture(params=_cuda_params())
def device(request):
    """Runs a test on cpu, on the cupy-shaped fake device, and on cuda where a GPU is present."""
    return request.param
