"""Smoke tests of the recurrent examples with short settings (each asserts its own result)."""

from __future__ import annotations

import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"_example_{name}", os.path.join(EXAMPLES, f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_char_lstm_trains_and_samples():
    out = _load("char_lstm").main(["--steps", "6", "--hidden", "32", "--sample", "20", "--quiet"])
    assert out["last_loss"] < out["first_loss"]
    assert out["sample"].startswith("Shall I ") and len(out["sample"]) == 28


def test_tree_rnn_follows_tree_shapes():
    mod = _load("tree_rnn")
    assert mod.sentiment((("the", "movie"), ("was", ("not", "good")))) == -1
    out = mod.main(["--steps", "8", "--quiet"])
    assert 0.0 <= out["accuracy"] <= 1.0


def test_dynamic_depth_uses_every_depth():
    mod = _load("dynamic_depth")
    out = mod.main(["--steps", "15", "--quiet"])
    assert out["last_loss"] < out["first_loss"]


@pytest.mark.slow
def test_dynamic_depth_full_run_learns_the_rotation():
    out = _load("dynamic_depth").main(["--quiet"])
    assert out["weight_error"] < 0.02
