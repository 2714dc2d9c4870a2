"""Step 3: autograd computes the gradients.

Setting ``requires_grad=True`` on the weights makes every op on them record a node on its output;
``loss.backward()`` walks those nodes in reverse and fills ``w1.grad`` and ``w2.grad``. The whole
hand-written backward pass of step 2 is gone. The update runs under ``eg.no_grad()`` (it must not
be recorded), and the gradients are zeroed afterwards because ``backward`` accumulates.

Run: ``python examples/lecture/03_autograd.py [--steps 500] [--quiet]``
"""

from __future__ import annotations

import argparse

import eagergrad as eg

N, D_IN, H, D_OUT = 64, 1000, 100, 10
LEARNING_RATE = 1e-6


def train(steps: int, seed: int = 0, verbose: bool = True) -> list[float]:
    """Trains on one fixed random batch and returns the loss of every step."""
    eg.manual_seed(seed)
    x = eg.randn(N, D_IN)
    y = eg.randn(N, D_OUT)
    w1 = eg.randn(D_IN, H, requires_grad=True)
    w2 = eg.randn(H, D_OUT, requires_grad=True)
    losses = []
    for t in range(steps):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if verbose and (t % 50 == 0 or t == steps - 1):
            print(f"step {t:4d}  loss {loss.item():14.4f}")

        loss.backward()  # fills w1.grad and w2.grad

        with eg.no_grad():
            w1 -= LEARNING_RATE * w1.grad
            w2 -= LEARNING_RATE * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
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
