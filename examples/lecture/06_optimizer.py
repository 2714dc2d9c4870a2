"""Step 6: an optimizer does the update.

``eg.optim.Adam(model.parameters(), lr=1e-4)`` replaces the hand-written update loop: each step
is ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. Any optimizer in
``eg.optim`` (``SGD``, ``AdamW``, ``RMSprop``...) drops in with the same three calls.

Run: ``python examples/lecture/06_optimizer.py [--steps 500] [--quiet]``
"""

from __future__ import annotations

import argparse

import eagergrad as eg
from eagergrad import nn

N, D_IN, H, D_OUT = 64, 1000, 100, 10
LEARNING_RATE = 1e-4


def train(steps: int, seed: int = 0, verbose: bool = True) -> list[float]:
    """Trains on one fixed random batch and returns the loss of every step."""
    eg.manual_seed(seed)
    x = eg.randn(N, D_IN)
    y = eg.randn(N, D_OUT)
    model = nn.Sequential(nn.Linear(D_IN, H), nn.ReLU(), nn.Linear(H, D_OUT))
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = eg.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    losses = []
    for t in range(steps):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        if verbose and (t % 50 == 0 or t == steps - 1):
            print(f"step {t:4d}  loss {loss.item():10.4f}")

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
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
    print(f"loss fell from {losses[0]:.2f} to {losses[-1]:.4f} in {args.steps} steps")
    return {"first_loss": losses[0], "last_loss": losses[-1]}


if __name__ == "__main__":
    main()
