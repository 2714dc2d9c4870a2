"""Step 8: a ``DataLoader`` feeds minibatches.

The data become a ``TensorDataset`` (sample ``i`` is ``(x[i], y[i])``) and a
``DataLoader(dataset, batch_size=8, shuffle=True)`` yields shuffled minibatches of it, collated
into tensors, once per epoch. The model and optimizer are those of step 7.

Run: ``python examples/lecture/08_dataloader.py [--epochs 50] [--quiet]``
"""

from __future__ import annotations

import argparse

import eagergrad as eg
from eagergrad import nn
from eagergrad.utils.data import DataLoader, TensorDataset

N, D_IN, H, D_OUT = 64, 1000, 100, 10
BATCH_SIZE = 8
LEARNING_RATE = 5e-4


class TwoLayerNet(nn.Module):
    """linear -> relu -> linear."""

    def __init__(self, d_in: int, h: int, d_out: int):
        super().__init__()
        self.linear1 = nn.Linear(d_in, h)
        self.linear2 = nn.Linear(h, d_out)

    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0))


def train(epochs: int, seed: int = 0, verbose: bool = True) -> list[float]:
    """Trains for some epochs and returns each epoch's summed loss."""
    eg.manual_seed(seed)
    x = eg.randn(N, D_IN)
    y = eg.randn(N, D_OUT)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=True)
    model = TwoLayerNet(D_IN, H, D_OUT)
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = eg.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    epoch_losses = []
    for epoch in range(epochs):
        total = 0.0
        for x_batch, y_batch in loader:
            assert x_batch.shape == (BATCH_SIZE, D_IN)
            loss = loss_fn(model(x_batch), y_batch)
            total += loss.item()

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_losses.append(total)
        if verbose and (epoch % 10 == 0 or epoch == epochs - 1):
            print(f"epoch {epoch:3d}  loss {total:10.4f}")
    return epoch_losses


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50, help="passes over the data (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    losses = train(args.epochs, args.seed, verbose=not args.quiet)
    assert losses[-1] < losses[0], "the loss should fall"
    if args.epochs >= 50:
        assert losses[-1] < 1e-2 * losses[0], "the full run should fit the data"
    print(f"epoch loss fell from {losses[0]:.2f} to {losses[-1]:.4f} in {args.epochs} epochs")
    return {"first_loss": losses[0], "last_loss": losses[-1]}


if __name__ == "__main__":
    main()
