"""Draw eagergrad's own computational graphs: the lecture's x*y+z, and a small CNN.

Writes ``x_times_y_plus_z.dot`` and ``small_cnn.dot`` (Graphviz DOT text) to ``--out``, and
``.svg`` files next to them when Graphviz's ``dot`` program is installed. In a Jupyter notebook,
``eg.viz.draw(loss)`` as the last expression of a cell shows the picture.

Run: ``python examples/draw_graph.py [--out graphs]``
"""

from __future__ import annotations

import argparse
import os

import eagergrad as eg
import eagergrad.viz


def lecture_graph():
    """f = x * y + z, with x = -2, y = 5, z = -4 (cs231n lecture 4), and its gradients."""
    x = eg.tensor(-2.0, requires_grad=True)
    y = eg.tensor(5.0, requires_grad=True)
    z = eg.tensor(-4.0, requires_grad=True)
    f = x * y + z
    graph = eagergrad.viz.draw(f, params={"x": x, "y": y, "z": z})
    f.backward()
    print(
        f"f = {f.item():g}; df/dx = {x.grad.item():g}, df/dy = {y.grad.item():g}, "
        f"df/dz = {z.grad.item():g}"
    )
    return graph


class SmallCNN(eg.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = eg.nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.pool = eg.nn.MaxPool2d(2)
        self.fc = eg.nn.Linear(4 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(self.conv(x).relu())
        return self.fc(x.flatten(1))


def cnn_graph():
    eg.manual_seed(0)
    model = SmallCNN()
    images, labels = eg.randn(2, 1, 8, 8), eg.tensor([3, 7])
    loss = eg.nn.functional.cross_entropy(model(images), labels)
    return eagergrad.viz.draw(loss, params=dict(model.named_parameters()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="graphs", help="output folder")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, graph in (("x_times_y_plus_z", lecture_graph()), ("small_cnn", cnn_graph())):
        path = graph.save(os.path.join(args.out, name + ".dot"))
        print(f"{path}: {graph.num_ops} ops, {graph.num_leaves} leaves")
        if eagergrad.viz.is_renderable():
            print("  ->", graph.render(os.path.join(args.out, name + ".svg")))
    if not eagergrad.viz.is_renderable():
        print(
            "Graphviz's `dot` is not installed: only .dot files were written "
            "(render them with `dot -Tsvg file.dot -o file.svg`)."
        )


if __name__ == "__main__":
    main()
