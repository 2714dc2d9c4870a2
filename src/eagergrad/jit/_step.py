"""``eg.jit.trace_step``: a whole training step (forward, backward, optimizer update) traced."""

from __future__ import annotations

from ._trace import TracedFunction

__all__ = ["trace_step", "TracedStep"]


class TracedStep:
    """One training step replayed from a trace. Made by ``eg.jit.trace_step``.

    Calling it with a batch does ``optimizer.zero_grad()``, replays the traced forward and loss,
    replays the traced backward (one node in the eager engine, which fills ``p.grad`` as usual),
    runs ``optimizer.step()`` and returns the loss.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.jit
        >>> _ = eg.manual_seed(0)
        >>> model = eg.nn.Linear(2, 1)
        >>> opt = eg.optim.SGD(model.parameters(), lr=0.1)
        >>> x, y = eg.randn(4, 2), eg.zeros(4, 1)
        >>> step = eg.jit.trace_step(model, eg.nn.functional.mse_loss, opt, (x, y))
        >>> isinstance(step, eg.jit.TracedStep)
        True
        >>> step(x, y).shape
        eagergrad.Size([])
    """

    def __init__(self, model, loss_fn, optimizer, example_batch, check_inputs=None, strict=True):
        batch = tuple(example_batch)
        if len(batch) < 2:
            raise ValueError(
                "eg.jit.trace_step: example_batch must be (inputs..., target), got "
                f"{len(batch)} tensor(s)"
            )
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer

        def train_step(*b):
            return loss_fn(model(*b[:-1]), b[-1])

        modules = list(model.modules())
        if hasattr(loss_fn, "modules"):
            modules += list(loss_fn.modules())
        self.traced = TracedFunction(train_step, batch, check_inputs, strict, modules)

    @property
    def code(self) -> str:
        """The generated source of the forward and backward replay."""
        return self.traced.code

    def __call__(self, *batch):
        opt = self.optimizer
        opt.zero_grad()
        loss = self.traced(*batch)
        loss.backward()
        opt.step()
        return loss


def trace_step(model, loss_fn, optimizer, example_batch, check_inputs=None, strict=True):
    """Traces one training step of ``model``; returns a callable ``step(*batch) -> loss``.

    ``step(x, y)`` is equivalent to the eager step::

        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    and gives the same losses, gradients and parameters bit for bit. The forward and the
    backward are replayed from the trace (see ``eg.jit.trace``). The optimizer update is the
    optimizer's own ``step()``: it already runs on raw arrays with no graph, one ufunc pass
    per parameter, so replaying it costs the same, and running it keeps learning-rate
    schedulers, ``param_groups`` edits and ``optimizer.state`` exactly as in eager mode.
    Tracing does not update the parameters: only calls do.

    Args:
        model: a Module (or any callable of Tensors) mapping the inputs to the output.
        loss_fn: ``loss_fn(output, target) -> scalar Tensor`` (a function or a loss Module).
        optimizer: an ``eg.optim`` optimizer over the parameters to train.
        example_batch: ``(inputs..., target)`` Tensors to trace with.
        check_inputs: optional list of extra batches to check the trace with.
        strict: raise on a batch that differs from the traced one (shape, dtype, device,
            modules' training flags); if False trace again instead (e.g. a smaller last batch).

    Returns:
        a ``TracedStep``.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.jit
        >>> _ = eg.manual_seed(0)
        >>> model = eg.nn.Linear(4, 2)
        >>> opt = eg.optim.SGD(model.parameters(), lr=0.1)
        >>> x, y = eg.randn(8, 4), eg.tensor([0, 1] * 4)
        >>> step = eg.jit.trace_step(model, eg.nn.functional.cross_entropy, opt, (x, y))
        >>> first = step(x, y).item()
        >>> for _ in range(20):
        ...     last = step(x, y).item()
        >>> last < first
        True
    """
    return TracedStep(model, loss_fn, optimizer, example_batch, check_inputs, strict)
