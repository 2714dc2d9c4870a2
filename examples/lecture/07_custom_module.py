"""Step 7: our own ``nn.Module``.

A Module assigns its layers in ``__init__`` (assigning a Module or a Parameter to an attribute
registers it, so ``parameters()``, ``state_dict()`` and ``to(device)`` find it) and says how to
compute the output in ``forward``, with any Python in between. Calling ``model(x)`` runs
``forward``. The rest of the loop is step 6 with plain SGD.

Run: ``python examples/lecture/07_custom_module.py [--steps 500] [--quiet]``
"""

from __future__ import annotations

import argparse

import eagergrad as eg
from eagergrad import nn

N, D_IN, H, D_OUT = 64, 1000, 100, 10
LEARNING_RATE = 1e-4


class TwoLayerNet(nn.Module):
    """linear -> relu -> linear."""

    def __init__(self, d_in: int, h: int, d_out: int):
        super().__init__()
        self.linear1 = nn.Linear(d_in, h)
        self.linear2 = nn.Linear(h, d_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        return self.linear2(h_relu)


def train(steps: int, seed: int = 0, verbose: bool = True) -> list[float]:
    """Trains on one fixed random batch and returns the loss of every step."""
    eg.manual_seed(seed)
    x = eg.randn(N, D_IN)
    y = eg.randn(N, D_OUT)
    model = TwoLayerNet(D_IN, H, D_OUT)
    assert [name for name, _ in model.named_parameters()] == [
        "linear1.weight",
        "linear1.bias",
        "linear2.weight",
        "linear2.bias",
    ]
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = eg.optim.SGD(model.parameters(), lr=LEARNING_RATE)
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
