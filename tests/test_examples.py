"""Smoke tests: the README's main demo and the two-layer example run and learn."""

from __future__ import annotations

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load_example(name):
    path = os.path.join(ROOT, "examples", name)
    spec = importlib.util.spec_from_file_location(name[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_two_layer_net_loss_falls():
    mod = _load_example("two_layer_net.py")
    losses = mod.train(steps=60, verbose=False)
    assert losses[-1] < 0.2 * losses[0]


def test_demo_short_run_trains_saves_and_reloads(tmp_path, capsys):
    from eagergrad import demo

    ckpt = tmp_path / "cnn.egt"
    acc = demo.main(["--epochs", "2", "--plot", "", "--checkpoint", str(ckpt)])
    out = capsys.readouterr()
    assert acc > 0.8
    assert ckpt.exists()
    assert "reloaded test accuracy" in out.out and "images/s" in out.out
    assert "epoch 1/2" in out.err  # the progress bar


def test_demo_writes_curves_when_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib")
    from eagergrad import demo

    png = tmp_path / "curves.png"
    demo.main(["--epochs", "1", "--quiet", "--plot", str(png), "--workers", "0",
               "--checkpoint", str(tmp_path / "c.egt")])
    assert png.exists()


def test_demo_rejects_unknown_device():
    from eagergrad import demo

    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        demo.main(["--device", "tpu", "--epochs", "1", "--quiet", "--plot", ""])


def _run_script(name, *args, cwd):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_draw_graph_example_writes_dot_files(tmp_path):
    out = _run_script("draw_graph.py", "--out", str(tmp_path / "g"), cwd=tmp_path)
    assert (tmp_path / "g" / "x_times_y_plus_z.dot").read_text().startswith("digraph")
    assert "small_cnn.dot" in out


def test_static_vs_dynamic_example_runs(tmp_path):
    out = _run_script("static_vs_dynamic.py", cwd=tmp_path)
    assert "1." in out and "2." in out and "3." in out
