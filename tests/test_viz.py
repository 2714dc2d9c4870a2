"""eg.viz.draw: DOT text for the recorded graph; rendering when Graphviz is present."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys

import pytest

import eagergrad as eg
from eagergrad import viz

_DECL = re.compile(r"^\s+(\w+) \[label=\"((?:[^\"\\]|\\.)*)\"", re.M)
_EDGE = re.compile(r"^\s+(\w+) -> (\w+)(.*)$", re.M)


def _parse(source):
    """{id: label}, [(a, b, attrs)]; asserts the text is one well-formed digraph."""
    assert source.startswith("digraph eagergrad {") and source.rstrip().endswith("}")
    decls = dict(_DECL.findall(source))
    edges = _EDGE.findall(source)
    for a, b, _ in edges:
        assert a in decls and b in decls, (a, b)
    return decls, edges


def test_draw_lecture_graph_x_times_y_plus_z():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = eg.tensor([3.0, 4.0], requires_grad=True)
    z = eg.tensor([5.0, 6.0], requires_grad=True)
    g = viz.draw(x * y + z, params={"x": x, "y": y, "z": z})
    assert (g.num_ops, g.num_leaves) == (2, 3)
    assert str(g) == g.source
    decls, edges = _parse(g.source)
    labels = sorted(decls.values())
    assert "MulBackward0\\n(2,) float32 cpu" in labels
    assert "AddBackward0\\n(2,) float32 cpu" in labels
    assert {"x\\n(2,) float32 cpu", "y\\n(2,) float32 cpu", "z\\n(2,) float32 cpu"} <= set(labels)
    by_label = {v.split("\\n")[0]: k for k, v in decls.items()}
    plain = {(a, b) for a, b, attrs in edges if "dashed" not in attrs}
    assert (by_label["x"], by_label["MulBackward0"]) in plain
    assert (by_label["MulBackward0"], by_label["AddBackward0"]) in plain
    assert (by_label["z"], by_label["AddBackward0"]) in plain
    # Mul saved both leaves for backward: drawn as dashed edges.
    saved = {(a, b) for a, b, attrs in edges if "dashed" in attrs}
    assert (by_label["x"], by_label["MulBackward0"]) in saved


def test_leaves_without_names_show_shape_and_saved_outputs_are_boxes():
    w = eg.ones(3, 2, requires_grad=True, dtype=eg.float64)
    g = viz.draw(w.exp().sum())
    decls, edges = _parse(g.source)
    assert "(3, 2) float64 cpu" in decls.values()
    assert any(v.startswith("saved output") for v in decls.values())


def test_draw_marks_freed_saved_tensors_after_backward():
    x = eg.ones(2, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    assert "(saved tensors freed)" in viz.draw(y).source


def test_draw_leaf_and_multiple_outputs():
    x = eg.ones(4, requires_grad=True)
    assert viz.draw(x).num_leaves == 1
    a, b = x.chunk(2)
    g = viz.draw([a * 2, b * 3])
    decls, edges = _parse(g.source)
    assert sum("SplitBackward0" in v for v in decls.values()) == 1
    assert {"0", "1"} <= {m for _, _, attrs in edges for m in re.findall(r'label="(\d)"', attrs)}


def test_draw_is_iterative_on_a_deep_graph():
    x = eg.ones(1, requires_grad=True)
    y = x
    depth = 3 * sys.getrecursionlimit()
    for _ in range(depth):
        y = y + 1
    g = viz.draw(y, show_saved=False)
    assert g.num_ops == depth
    g = viz.draw(y, max_nodes=10)
    assert "truncated" in g.source


def test_draw_small_cnn_names_parameters():
    model = eg.nn.Sequential(
        eg.nn.Conv2d(1, 2, 3), eg.nn.ReLU(), eg.nn.Flatten(), eg.nn.Linear(2 * 4 * 4, 3)
    )
    loss = model(eg.randn(2, 1, 6, 6)).sum()
    g = viz.draw(loss, params=dict(model.named_parameters()))
    decls, _ = _parse(g.source)
    names = {v.split("\\n")[0] for v in decls.values()}
    assert {"0.weight", "0.bias", "3.weight", "3.bias"} <= names
    assert g.num_leaves == 4


def test_draw_rejects_non_tensors():
    with pytest.raises(TypeError, match="draw expects Tensors"):
        viz.draw([1.0])


def test_render_without_graphviz_names_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    g = viz.draw(eg.ones(2, requires_grad=True) * 2)
    assert g._repr_svg_() is None
    assert not viz.is_renderable()
    with pytest.raises(RuntimeError, match="Graphviz.*dot.*eagergrad\\[viz\\]"):
        g.render(tmp_path / "g.svg")


def test_render_calls_dot(monkeypatch, tmp_path):
    # A stand-in `dot` that checks it got DOT text and echoes the format it was asked for.
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\ngrep -q "digraph eagergrad" || exit 3\necho "<svg format=\'$1\'></svg>"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    g = viz.draw(eg.ones(2, requires_grad=True) * 2)
    assert viz.is_renderable()
    assert g._repr_svg_().startswith("<svg format='-Tsvg'>")
    out = g.render(tmp_path / "g.png")
    with open(out) as f:
        assert f.read().startswith("<svg format='-Tpng'>")
    g.save(tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == g.source


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_render_with_real_dot(tmp_path):
    g = viz.draw((eg.ones(2, requires_grad=True) * 2).sum())
    g.render(tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text()


def test_docstring_examples_run():
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module("eagergrad.viz"))
    assert result.attempted > 0 and result.failed == 0
