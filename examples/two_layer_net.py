"""The lecture's two-layer network, trained with autograd on random data.

A fully connected ReLU network with one hidden layer, no biases, trained to predict y from x by
minimising the squared Euclidean distance. Gradients come from ``loss.backward()``; the update is
written by hand under ``no_grad``, exactly as in cs231n lecture 8 (2017), with ``torch`` replaced
by ``eagergrad``.

Run: ``python examples/two_layer_net.py [--steps 500]``
"""

from __future__ import annotations

import argparse

import eagergrad as eg


def train(steps: int = 500, seed: int = 0, verbose: bool = True) -> list[float]:
    eg.manual_seed(seed)
    N, D_in, H, D_out = 64, 1000, 100, 10  # noqa: N806 - the lecture's names
    x = eg.randn(N, D_in)
    y = eg.randn(N, D_out)
    w1 = eg.randn(D_in, H, requires_grad=True)
    w2 = eg.randn(H, D_out, requires_grad=True)
    learning_rate = 1e-6
    losses = []
    for t in range(steps):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if verbose and (t % 50 == 0 or t == steps - 1):
            print(f"step {t:4d}  loss {loss.item():14.4f}")
        loss.backward()
        with eg.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    losses = train(args.steps)
    assert losses[-1] < 0.01 * losses[0], "the loss should fall by two orders of magnitude"
    print(f"loss fell from {losses[0]:.1f} to {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
