"""Step 4: our own autograd op, a ReLU written as an ``eagergrad.autograd.Function``.

A Function defines ``forward`` (on tensors, with a ``ctx`` to save what backward needs) and
``backward`` (given the gradient of the loss with respect to the output, return the gradient
with respect to each input). ``MyReLU.apply(x)`` runs it and records it in the graph like any
built-in op. Before training, ``eg.autograd.gradcheck`` compares its backward with finite
differences in float64.

Run: ``python examples/lecture/04_custom_function.py [--steps 500] [--quiet]``
"""

from __future__ import annotations

import argparse

import eagergrad as eg

N, D_IN, H, D_OUT = 64, 1000, 100, 10
LEARNING_RATE = 1e-6


class MyReLU(eg.autograd.Function):
    """relu(x) = max(x, 0). Gradient: grad where x > 0, else 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad_x = grad_output.clone()
        grad_x[x < 0] = 0
        return grad_x


def check_gradient() -> bool:
    """Checks MyReLU's backward against finite differences (inputs kept off the kink at 0)."""
    x = eg.tensor([-2.0, -0.5, 0.3, 1.7, 4.0], dtype=eg.float64, requires_grad=True)
    return eg.autograd.gradcheck(MyReLU.apply, (x,))


def train(steps: int, seed: int = 0, verbose: bool = True) -> list[float]:
    """Trains on one fixed random batch and returns the loss of every step."""
    eg.manual_seed(seed)
    x = eg.randn(N, D_IN)
    y = eg.randn(N, D_OUT)
    w1 = eg.randn(D_IN, H, requires_grad=True)
    w2 = eg.randn(H, D_OUT, requires_grad=True)
    losses = []
    for t in range(steps):
        y_pred = MyReLU.apply(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if verbose and (t % 50 == 0 or t == steps - 1):
            print(f"step {t:4d}  loss {loss.item():14.4f}")

        loss.backward()

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
    assert check_gradient(), "MyReLU's backward should match finite differences"
    losses = train(args.steps, args.seed, verbose=not args.quiet)
    assert losses[-1] < losses[0], "the loss should fall"
    if args.steps >= 500:
        assert losses[-1] < 1e-2 * losses[0], "the full run should fit the batch"
    print(
        f"gradcheck passed; loss fell from {losses[0]:.1f} to {losses[-1]:.4f} "
        f"in {args.steps} steps"
    )
    return {"first_loss": losses[0], "last_loss": losses[-1], "gradcheck": True}


if __name__ == "__main__":
    main()
