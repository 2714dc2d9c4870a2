"""Adagrad (with learning-rate decay and an initial accumulator value)."""

from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_lr,
    _effective_grad,
    _full_like,
    _increment,
    _new_scalar,
    _scalar,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (``torch.optim.Adagrad``), from "Adaptive Subgradient Methods for Online
    Learning and Stochastic Optimization".

    With :math:`\eta` the lr decay and :math:`\tau` the initial accumulator value:

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        \tilde\gamma_t &= \frac{\gamma}{1 + (t-1)\eta} \\
        s_t &= s_{t-1} + g_t^2, \qquad s_0 = \tau \\
        \theta_t &= \theta_{t-1} - \tilde\gamma_t \frac{g_t}{\sqrt{s_t} + \epsilon}

    As in torch, the state (``step`` and ``sum``) of every parameter is created in
    ``__init__``, so ``state_dict()`` holds it before the first step.

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-2.
        lr_decay: learning-rate decay :math:`\eta`. Default: 0.
        weight_decay: L2 penalty. Default: 0.
        initial_accumulator_value: starting value of the sum of squares. Default: 0.
        eps: added to the denominator for numerical stability. Default: 1e-10.
        maximize: maximize the objective instead of minimizing it.
        foreach: update small parameters together (None: those up to 2**10 elements on a
            cpu, 2**20 on a GPU, none for SGD; True: all; False: one by one); the same
            bits either way. See NOTE [Batched updates (foreach)] in optimizer.py.
        differentiable, fused: accepted for torch compatibility; ignored.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = eg.optim.Adagrad([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _batches = True  # an elementwise update (NOTE [Batched updates (foreach)])

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                self._init_state(p, state, group)

    def _init_state(self, p, state, group):
        state["step"] = _new_scalar()
        state["sum"] = _full_like(p, group["initial_accumulator_value"])

    def _update(self, p, grad, state, group):
        xp = p._device.xp
        param = p._data
        step = _increment(state["step"])
        g, _ = _effective_grad(xp, grad, param, group["weight_decay"], group["maximize"])
        clr = _scalar(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"]._data
        std = xp.multiply(g, g, out=xp.empty_like(param))  # an array even for a 0-d param
        state_sum += std
        xp.sqrt(state_sum, out=std)
        std += group["eps"]
        xp.divide(g, std, out=std)
        std *= clr
        param -= std
