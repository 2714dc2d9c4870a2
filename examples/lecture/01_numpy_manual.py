"""Step 1: a two-layer ReLU network in numpy, with hand-written gradients.

The network computes ``y_pred = relu(x @ w1) @ w2`` (no biases) and is trained to minimise the
squared Euclidean distance ``sum((y_pred - y)**2)`` to random targets. Every gradient is derived
by hand and written out: this is the code autograd saves us from writing.

Run: ``python examples/lecture/01_numpy_manual.py [--steps 500] [--quiet]``
"""

from __future__ import annotations

import argparse

import numpy as np

N, D_IN, H, D_OUT = 64, 1000, 100, 10  # batch size, input, hidden and output dimensions
LEARNING_RATE = 1e-6


def train(steps: int, seed: int = 0, verbose: bool = True) -> list[float]:
    """Trains on one fixed random batch and returns the loss of every step."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D_IN))
    y = rng.standard_normal((N, D_OUT))
    w1 = rng.standard_normal((D_IN, H))
    w2 = rng.standard_normal((H, D_OUT))
    losses = []
    for t in range(steps):
        # Forward pass: compute the prediction and the loss.
        h = x.dot(w1)
        h_relu = np.maximum(h, 0)
        y_pred = h_relu.dot(w2)
        loss = np.square(y_pred - y).sum()
        losses.append(float(loss))
        if verbose and (t % 50 == 0 or t == steps - 1):
            print(f"step {t:4d}  loss {loss:14.4f}")

        # Backward pass, by hand: the chain rule, one line per forward line, in reverse.
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.T.dot(grad_y_pred)
        grad_h_relu = grad_y_pred.dot(w2.T)
        grad_h = grad_h_relu.copy()
        grad_h[h < 0] = 0
        grad_w1 = x.T.dot(grad_h)

        # Gradient descent step.
        w1 -= LEARNING_RATE * grad_w1
        w2 -= LEARNING_RATE * grad_w2
    return losses


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500, help="training steps (default 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    losses = train(args.steps, args.seed, verbose=not args.quiet)
    assert losses[-1] < losses[0], "the loss should fall"
    if args.steps >= 500:
        assert losses[-1] < 1e-3 * losses[0], "the full run should fit the batch"
    print(f"loss fell from {losses[0]:.1f} to {losses[-1]:.4f} in {args.steps} steps")
    return {"first_loss": losses[0], "last_loss": losses[-1]}


if __name__ == "__main__":
    main()
