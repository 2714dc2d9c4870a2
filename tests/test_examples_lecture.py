"""Smoke tests of the lecture's examples (examples/lecture/), each with short settings.

Every example asserts its own result (the loss falls; step 2 checks its hand-written gradients
against autograd, step 4 gradchecks its ReLU, step 9 compares the GPU with the CPU); these tests
run them for a few steps so that none rots.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

import eagergrad as eg

LECTURE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "lecture"
)

# Each step and the short settings it runs with here.
SHORT_ARGS = {
    "01_numpy_manual": ["--steps", "5", "--quiet"],
    "02_tensors_manual": ["--steps", "5", "--quiet"],
    "03_autograd": ["--steps", "5", "--quiet"],
    "04_custom_function": ["--steps", "5", "--quiet"],
    "05_nn_sequential": ["--steps", "5", "--quiet"],
    "06_optimizer": ["--steps", "5", "--quiet"],
    "07_custom_module": ["--steps", "5", "--quiet"],
    "08_dataloader": ["--epochs", "2", "--quiet"],
    "09_gpu": ["--epochs", "2", "--quiet", "--device", "cpu"],
}


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"_lecture_{name}", os.path.join(LECTURE, f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_lecture_example_is_smoke_tested():
    on_disk = sorted(f[:-3] for f in os.listdir(LECTURE) if f.endswith(".py"))
    assert on_disk == sorted(SHORT_ARGS)


@pytest.mark.parametrize("name", sorted(SHORT_ARGS))
def test_lecture_example_runs(name, capsys):
    out = _load(name).main(SHORT_ARGS[name])
    assert out["last_loss"] < out["first_loss"]
    assert "loss fell from" in capsys.readouterr().out


def test_gpu_example_falls_back_to_cpu_with_a_note(capsys, monkeypatch):
    monkeypatch.setattr(eg.cuda, "is_available", lambda: False)
    out = _load("09_gpu").main(["--epochs", "2", "--quiet"])
    assert out["device"] == "cpu"
    assert "running on cpu instead" in capsys.readouterr().out


def test_gpu_example_on_a_second_device_matches_cpu():
    """The device path (model and batches moved, losses compared with the CPU's) on the
    numpy-backed test device, so it is exercised on machines without a GPU."""
    eg._backend._register_test_device("fakegpu")
    out = _load("09_gpu").main(["--epochs", "2", "--quiet", "--device", "fakegpu"])
    assert out["device"] == "fakegpu"
    assert out["last_loss"] < out["first_loss"]


@pytest.mark.cuda
@pytest.mark.skipif(not eg.cuda.is_available(), reason="no CUDA GPU / cupy")
def test_gpu_example_on_cuda_matches_cpu():
    out = _load("09_gpu").main(["--epochs", "3", "--quiet", "--device", "cuda"])
    assert out["device"].startswith("cuda")
    assert out["last_loss"] < out["first_loss"]
