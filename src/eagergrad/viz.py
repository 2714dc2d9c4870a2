"""eagergrad.viz: draw the graph recorded behind a tensor, as Graphviz DOT (and SVG/PNG).

``eg.viz.draw(loss, params=dict(model.named_parameters()))`` returns a ``Graph`` whose
``source`` is DOT text: one box per op (its backward node's name, output shape, dtype and
device), one per leaf (the parameter's name when given, else its shape), the edges gradients
flow along, and dashed edges from the tensors each op saved for backward. Rendering needs
Graphviz's ``dot`` program (``pip install eagergrad[viz]`` adds the ``graphviz`` Python package,
which also needs ``dot``).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ._tensor import Tensor
from .autograd.function import _CONST, _FREED, _INPUT, Node

__all__ = ["draw", "Graph", "is_renderable"]

_INSTALL_HINT = (
    "rendering the graph needs Graphviz's `dot` program: install Graphviz (apt install "
    "graphviz, brew install graphviz or conda install graphviz), and optionally the Python "
    "package with `pip install eagergrad[viz]`. The DOT text is in `graph.source`."
)

_STYLE = {
    "op": 'shape=box, style="rounded,filled", fillcolor="#d9e7fb"',
    "leaf": 'shape=box, style=filled, fillcolor="#cdeccd"',
    "root": 'shape=box, style=filled, fillcolor="#b7d7b7", penwidth=2',
    "saved": 'shape=box, style="filled,dashed", fillcolor="#fde6c8", fontsize=10',
}


class Graph:
    """A drawn graph: DOT text, with rendering when Graphviz is installed.

    Attributes:
        source: the Graphviz DOT text.
        num_ops: the number of op nodes drawn.
        num_leaves: the number of leaf tensors drawn.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> g = eg.viz.draw((x * 2).sum(), params={'x': x})
        >>> g
        <eagergrad.viz.Graph: 2 ops, 1 leaves>
        >>> g.source.startswith('digraph')
        True
    """

    def __init__(self, source: str, num_ops: int, num_leaves: int):
        self.source = source
        self.num_ops = num_ops
        self.num_leaves = num_leaves

    def __str__(self):
        return self.source

    def __repr__(self):
        return f"<eagergrad.viz.Graph: {self.num_ops} ops, {self.num_leaves} leaves>"

    def save(self, path) -> str:
        """Writes the DOT text to ``path`` and returns the path."""
        with open(path, "w") as f:
            f.write(self.source)
        return str(path)

    def pipe(self, format: str = "svg") -> bytes:
        """The rendered graph as bytes (``format`` is ``"svg"``, ``"png"``, ``"pdf"``...)."""
        dot = shutil.which("dot")
        if dot is not None:
            done = subprocess.run(
                [dot, f"-T{format}"], input=self.source.encode(), capture_output=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace')}")
            return done.stdout
        try:
            import graphviz
        except ImportError:
            raise RuntimeError(_INSTALL_HINT) from None
        try:
            return graphviz.Source(self.source).pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise RuntimeError(_INSTALL_HINT) from None

    def render(self, path, format: str | None = None) -> str:
        """Renders to ``path``; the format comes from ``format`` or the file's extension.

        Args:
            path: the output file (``graph.svg``, ``graph.png``).
            format: ``"svg"`` or ``"png"`` (or any format ``dot`` knows); defaults to the
                extension of ``path``, else ``"svg"``.

        Returns:
            The path written.

        Raises:
            RuntimeError: when neither the ``dot`` program nor the ``graphviz`` package can
                render (the message says what to install).
        """
        path = os.fspath(path)
        if format is None:
            ext = os.path.splitext(path)[1].lstrip(".")
            format = ext or "svg"
        data = self.pipe(format)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _repr_svg_(self):
        # Jupyter calls this; None makes it fall back to the text repr when dot is missing.
        if not is_renderable():
            return None
        return self.pipe("svg").decode()


def is_renderable() -> bool:
    """Whether the ``dot`` program is available to render graphs.

    Example:
        >>> import eagergrad as eg
        >>> import shutil
        >>> eg.viz.is_renderable() == (shutil.which('dot') is not None)
        True
    """
    # NOTE: the graphviz Python package only drives `dot`; without the program it cannot render.
    return shutil.which("dot") is not None


def draw(
    tensor_or_loss, params: dict | None = None, show_saved: bool = True, max_nodes: int = 10_000
) -> Graph:
    """Draws the graph that produced a tensor (or tensors).

    Args:
        tensor_or_loss: a Tensor, or a list/tuple of Tensors, whose history to draw.
        params: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) to label leaves.
        show_saved: also draw what each op saved for backward (dashed, orange).
        max_nodes: stop expanding after this many ops (huge graphs do not render anyway).

    Returns:
        A ``Graph``: ``.source`` (DOT), ``.render(path)``, ``_repr_svg_`` for notebooks.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = eg.tensor([3.0, 4.0], requires_grad=True)
        >>> z = x * y + 1
        >>> g = eg.viz.draw(z, params={"x": x, "y": y})
        >>> g.num_ops, g.num_leaves
        (2, 2)
        >>> "MulBackward0" in g.source and "x\\\\n(2,) float32 cpu" in g.source
        True
    """
    roots = list(tensor_or_loss) if isinstance(tensor_or_loss, (list, tuple)) else [tensor_or_loss]
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"draw expects Tensors, got {type(r).__name__}")
    names = {id(t): name for name, t in (params or {}).items()}
    w = _Writer(names)
    stack = []
    for i, r in enumerate(roots):
        rid = f"out{i}"
        w.node(rid, _label("output" if len(roots) == 1 else f"output {i}", r), "root")
        if r.grad_fn is None:
            w.edge(w.leaf(r), rid)
        else:
            w.edge(w.op_id(r.grad_fn, r.shape, r._data.dtype), rid)
            stack.append(r.grad_fn)
    # NOTE: an explicit stack, never recursion: graphs can be 100 000 ops deep.
    expanded = set()
    while stack and len(expanded) < max_nodes:
        node = stack.pop()
        if node in expanded:
            continue
        expanded.add(node)
        nid = w.op_ids[node]
        for e in node._edges:
            if e is None:
                continue
            target, nr, shape, dt = e
            if nr < 0:
                w.edge(w.leaf(target), nid)
                continue
            tid = w.op_id(target, shape, dt)
            w.edge(tid, nid, label=f"{nr}" if target._n_outputs > 1 else None)
            if target not in expanded:
                stack.append(target)
        if show_saved:
            w.saved(node, nid)
    if stack:
        w.lines.append(f'  truncated [label="... (more than {max_nodes} ops)", shape=plaintext]')
    return Graph(w.finish(), len(w.op_ids), len(w.leaf_ids))


def _label(title, t) -> str:
    return f"{title}\\n{_meta(t.shape, t._data.dtype, t._device)}"


def _meta(shape, dtype, device) -> str:
    meta = f"{tuple(shape)} {_dtype_name(dtype)}"
    return meta if device is None else f"{meta} {device}"


def _dtype_name(np_dtype) -> str:
    return str(np_dtype) if np_dtype is not None else "?"


def _esc(s: str) -> str:
    return s.replace('"', '\\"')


class _Writer:
    """Collects DOT statements; assigns ids to ops and leaves."""

    def __init__(self, names):
        self.names = names
        self.op_ids: dict = {}
        self.leaf_ids: dict = {}
        self.lines: list = []
        self.n_saved = 0

    def node(self, nid, label, style):
        self.lines.append(f'  {nid} [label="{_esc(label)}", {_STYLE[style]}]')

    def edge(self, a, b, label=None, dashed=False):
        attrs = []
        if label:
            attrs.append(f'label="{label}"')
        if dashed:
            attrs.append('style=dashed, color="#d9822b"')
        self.lines.append(f"  {a} -> {b}" + (f" [{', '.join(attrs)}]" if attrs else ""))

    def op_id(self, node, shape, dtype):
        nid = self.op_ids.get(node)
        if nid is None:
            nid = self.op_ids[node] = f"op{len(self.op_ids)}"
            if node._n_outputs > 1 and node._out_meta is not None:
                meta = "\\n".join(_meta(s, d, node._dev) for s, d in node._out_meta)
            else:
                meta = _meta(shape, dtype, node._dev)
            freed = "\\n(saved tensors freed)" if node._saved is _FREED else ""
            self.node(nid, f"{node.name()}\\n{meta}{freed}", "op")
        return nid

    def leaf(self, t):
        lid = self.leaf_ids.get(id(t))
        if lid is None:
            lid = self.leaf_ids[id(t)] = f"leaf{len(self.leaf_ids)}"
            name = self.names.get(id(t))
            self.node(
                lid, _label(name, t) if name else _meta(t.shape, t._data.dtype, t._device), "leaf"
            )
        return lid

    def saved(self, node, nid):
        saved = node._saved
        if saved is _FREED or type(saved) is not tuple and type(saved) is not list:
            return  # freed, or deferred by checkpointing: nothing to show without recomputing
        for i, entry in enumerate(saved):
            if entry is None or type(entry) is not tuple or len(entry) != 5:
                continue
            kind, obj, _, nr, _ = entry
            if kind == _INPUT and isinstance(obj, Tensor) and obj.requires_grad:
                # A tensor already drawn (a leaf, or another op's output): a dashed edge from it.
                if obj.grad_fn is None:
                    src = self.leaf(obj)
                else:
                    src = self.op_id(obj.grad_fn, obj.shape, obj._data.dtype)
                self.edge(src, nid, label=f"saved {i}", dashed=True)
                continue
            what = {_INPUT: "input", _CONST: "constant"}.get(kind, f"output {nr}")
            data = obj._data if isinstance(obj, Tensor) else obj
            sid = f"saved{self.n_saved}"
            self.n_saved += 1
            shape = getattr(data, "shape", ())
            dtype = getattr(data, "dtype", None)
            self.node(sid, f"saved {what}\\n{tuple(shape)} {_dtype_name(dtype)}", "saved")
            self.edge(sid, nid, dashed=True)

    def finish(self) -> str:
        head = [
            "digraph eagergrad {",
            '  graph [rankdir=BT, fontname="Helvetica"]',
            '  node [fontname="Helvetica", fontsize=11]',
            '  edge [fontname="Helvetica", fontsize=9]',
        ]
        return "\n".join(head + self.lines + ["}"]) + "\n"


# Keep ``Node`` imported for type readers: graphs are walked over Node._edges.
_ = Node
