"""Step 9: the same training on the GPU, by changing one line: ``device = ...``.

Step 8's loop with a ``device``: the model moves there once (``model.to(device)``, in place, so
the optimizer built afterwards or before sees the same parameters), and each CPU batch from the
DataLoader moves there with ``.to(device)``. Every op then runs on cupy instead of numpy; nothing
else changes. Without a GPU (or without cupy) it prints a note and runs on the CPU.

When it runs on a GPU it also runs the first steps on the CPU from the same initial weights and
asserts that both devices give the same losses.

Run: ``python examples/lecture/09_gpu.py [--device cuda] [--epochs 50] [--quiet]``
"""

from __future__ import annotations

import argparse

import numpy as np

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


def pick_device(requested: str) -> eg.device:
    """The requested device, or the CPU with a printed note when no GPU can be used."""
    if requested.startswith("cuda") and not eg.cuda.is_available():
        print(f"note: {requested} is not available (no GPU or no cupy); running on cpu instead")
        return eg.device("cpu")
    return eg.device(requested)


def train(device, epochs: int, seed: int = 0, verbose: bool = True) -> list[float]:
    """Trains on ``device`` and returns each epoch's summed loss."""
    eg.manual_seed(seed)
    x = eg.randn(N, D_IN)  # the data stay on the CPU; batches move in the loop
    y = eg.randn(N, D_OUT)
    # NOTE: shuffle=False so that a cpu run and a gpu run see the same batches in the same order.
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=False)
    model = TwoLayerNet(D_IN, H, D_OUT).to(device)
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = eg.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    epoch_losses = []
    for epoch in range(epochs):
        total = 0.0
        for x_batch, y_batch in loader:
            x_batch, y_batch = x_batch.to(device), y_batch.to(device)
            loss = loss_fn(model(x_batch), y_batch)
            total += loss.item()

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_losses.append(total)
        if verbose and (epoch % 10 == 0 or epoch == epochs - 1):
            print(f"epoch {epoch:3d}  loss {total:10.4f}")
    assert all(p.device == device for p in model.parameters())
    return epoch_losses


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default cuda)")
    parser.add_argument("--epochs", type=int, default=50, help="passes over the data (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)

    device = pick_device(args.device)  # the one line that changes: eg.device("cuda")
    losses = train(device, args.epochs, args.seed, verbose=not args.quiet)
    assert losses[-1] < losses[0], "the loss should fall"
    if args.epochs >= 50:
        assert losses[-1] < 1e-2 * losses[0], "the full run should fit the data"
    if device.type != "cpu":
        # The first epochs agree with the CPU up to float32 rounding (summation order differs).
        k = min(3, args.epochs)
        cpu_losses = train(eg.device("cpu"), k, args.seed, verbose=False)
        np.testing.assert_allclose(losses[:k], cpu_losses, rtol=1e-3)
    print(
        f"on {device}: epoch loss fell from {losses[0]:.2f} to {losses[-1]:.4f} "
        f"in {args.epochs} epochs"
    )
    return {"device": str(device), "first_loss": losses[0], "last_loss": losses[-1]}


if __name__ == "__main__":
    main()
