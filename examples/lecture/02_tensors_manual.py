"""Step 2: the same network on eagergrad tensors, gradients still written by hand.

numpy arrays become ``eagergrad.Tensor`` s and the numpy calls become their torch names
(``dot`` -> ``mm``, ``maximum(h, 0)`` -> ``clamp(min=0)``, ``.T`` -> ``.t()``, ``copy`` ->
``clone``). Nothing here uses autograd yet; the tensors already run on either device
(see ``09_gpu.py``). At the first step the hand-written gradients are compared with autograd's,
which is what the next step switches to.

Run: ``python examples/lecture/02_tensors_manual.py [--steps 500] [--quiet]``
"""

from __future__ import annotations

import argparse

import numpy as np

import eagergrad as eg

N, D_IN, H, D_OUT = 64, 1000, 100, 10
LEARNING_RATE = 1e-6


def _autograd_gradients(x, y, w1, w2):
    """The same gradients from autograd, to check the hand-written ones."""
    w1 = w1.detach().requires_grad_()
    w2 = w2.detach().requires_grad_()
    (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum().backward()
    return w1.grad, w2.grad


def train(steps: int, seed: int = 0, verbose: bool = True) -> list[float]:
    """Trains on one fixed random batch and returns the loss of every step."""
    eg.manual_seed(seed)
    device = eg.device("cpu")
    x = eg.randn(N, D_IN, device=device)
    y = eg.randn(N, D_OUT, device=device)
    w1 = eg.randn(D_IN, H, device=device)
    w2 = eg.randn(H, D_OUT, device=device)
    losses = []
    for t in range(steps):
        # Forward pass.
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if verbose and (t % 50 == 0 or t == steps - 1):
            print(f"step {t:4d}  loss {loss.item():14.4f}")

        # Backward pass, by hand.
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)

        if t == 0:
            auto_w1, auto_w2 = _autograd_gradients(x, y, w1, w2)
            np.testing.assert_allclose(grad_w1.numpy(), auto_w1.numpy(), rtol=1e-4, atol=1e-2)
            np.testing.assert_allclose(grad_w2.numpy(), auto_w2.numpy(), rtol=1e-4, atol=1e-2)

        # Gradient descent step (in place, on tensors that do not require grad).
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
        assert losses[-1] < 1e-2 * losses[0], "the full run should fit the batch"
    print(f"loss fell from {losses[0]:.1f} to {losses[-1]:.4f} in {args.steps} steps")
    return {"first_loss": losses[0], "last_loss": losses[-1]}


if __name__ == "__main__":
    main()
