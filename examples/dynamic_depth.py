"""A network whose depth depends on its input: a data-dependent ``while`` loop, trained.

Each input point ``x`` in the plane is pushed through the same learned layer again and again
while a budget read from the data lasts: the budget is the point's distance from the origin,
and each application spends 0.25 of it, so a point near the origin passes through one layer and
a point at distance 1 through four. The target is ``x`` rotated by 30 degrees once per layer, so
the shared layer can only fit every depth at once by becoming the 30-degree rotation itself.

The loop is plain Python on values computed from the data; each sample builds a graph of its
own depth, and one ``backward`` runs through all of them.

Run: ``python examples/dynamic_depth.py [--steps 200]``
"""

from __future__ import annotations

import argparse
import math

import numpy as np

import eagergrad as eg
from eagergrad import nn

ANGLE = math.pi / 6
COST = 0.25  # budget spent per layer


def rotation(theta: float) -> np.ndarray:
    return np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])


def depth_of(x: np.ndarray) -> int:
    """How many layers the while loop below runs for the point x (for targets and checks)."""
    budget, n = float(np.linalg.norm(x)), 0
    while budget > 0:
        budget -= COST
        n += 1
    return n


class DynamicDepthNet(nn.Module):
    """Applies one shared linear layer while the input's budget lasts."""

    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 2, bias=False)

    def forward(self, x):
        """x: (2,) one point. Returns (output, depth used)."""
        budget = x.norm().item()  # the data decides how deep this sample goes
        h, depth = x, 0
        while budget > 0:
            h = self.layer(h)
            budget -= COST
            depth += 1
        return h, depth


def make_batch(rng: np.random.Generator, n: int):
    radius = rng.uniform(0.05, 1.0, n)
    phi = rng.uniform(0, 2 * math.pi, n)
    xs = np.stack([radius * np.cos(phi), radius * np.sin(phi)], 1)
    ys = np.stack([np.linalg.matrix_power(rotation(ANGLE), depth_of(x)) @ x for x in xs])
    return xs.astype(np.float32), ys.astype(np.float32)


def train(steps: int = 200, batch: int = 16, lr: float = 0.02, seed: int = 0, verbose: bool = True):
    eg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = DynamicDepthNet()
    opt = eg.optim.Adam(model.parameters(), lr=lr)
    losses, depths = [], set()
    for step in range(steps):
        xs, ys = make_batch(rng, batch)
        loss = 0
        for x, y in zip(xs, ys):  # every sample has its own depth, so its own graph
            out, depth = model(eg.tensor(x))
            depths.add(depth)
            loss = loss + ((out - eg.tensor(y)) ** 2).sum()
        loss = loss / batch
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if verbose and (step % 50 == 0 or step == steps - 1):
            print(f"step {step:4d}  loss {loss.item():.6f}")
    return model, losses, depths


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    model, losses, depths = train(args.steps, verbose=not args.quiet)
    w = model.layer.weight.detach().numpy()
    err = float(np.abs(w - rotation(ANGLE)).max())
    if not args.quiet:
        print(
            f"depths seen {sorted(depths)}; learned layer\n{w}\nmax error vs the 30-degree "
            f"rotation {err:.2e}"
        )
    assert depths == {1, 2, 3, 4}, depths
    assert losses[-1] < losses[0]
    if args.steps >= 200:
        assert losses[-1] < 1e-3, losses[-1]
        assert err < 0.02, f"the shared layer should become the rotation; error {err}"
    return {"first_loss": losses[0], "last_loss": losses[-1], "weight_error": err}


if __name__ == "__main__":
    main()
