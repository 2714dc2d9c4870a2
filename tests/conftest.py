"""Shared fixtures: seeds, the device fixture, hypothesis profiles."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

import eagergrad as eg

from ._devices import ACCELERATORS

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _fixed_seeds():
    """Every test starts from the same seeds, so failures reproduce."""
    eg.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(params=["cpu", *ACCELERATORS])
def device(request):
    """Runs a test on cpu, on the cupy-shaped fake device, and on cuda where a GPU is present."""
    return request.param
