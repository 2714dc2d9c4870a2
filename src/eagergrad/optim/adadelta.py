"""Adadelta."""

from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_lr,
    _effective_grad,
    _increment,
    _new_scalar,
    _scalar,
    _zeros_like,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (``torch.optim.Adadelta``), from "ADADELTA: An Adaptive Learning Rate Method".

    With :math:`\rho` the decay coefficient:

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        v_t &= \rho v_{t-1} + (1-\rho) g_t^2 \\
        \Delta x_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &= \rho u_{t-1} + (1-\rho)\Delta x_t^2 \\
        \theta_t &= \theta_{t-1} - \gamma\Delta x_t

    Args:
        params: parameters or parameter groups to optimize.
        lr: coefficient that scales the delta before it is applied. Default: 1.0.
        rho: coefficient of the running averages. Default: 0.9.
        eps: added inside the square roots for numerical stability. Default: 1e-6.
        weight_decay: L2 penalty. Default: 0.
        maximize: maximize the objective instead of minimizing it.
        foreach: update small parameters together (None: those up to 2**10 elements on a
            cpu, 2**20 on a GPU, none for SGD; True: all; False: one by one); the same
            bits either way. See NOTE [Batched updates (foreach)] in optimizer.py.
        capturable, differentiable: accepted for torch compatibility; ignored.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = eg.optim.Adadelta([w], lr=1.0)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9968, -1.9968], requires_grad=True)
    """

    _batches = True  # an elementwise update (NOTE [Batched updates (foreach)])

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _new_scalar()
        state["square_avg"] = _zeros_like(p)
        state["acc_delta"] = _zeros_like(p)

    def _update(self, p, grad, state, group):
        xp = p._device.xp
        param = p._data
        rho = group["rho"]
        eps = group["eps"]
        _increment(state["step"])
        g, _ = _effective_grad(xp, grad, param, group["weight_decay"], group["maximize"])
        square_avg = state["square_avg"]._data
        acc_delta = state["acc_delta"]._data
        std = xp.multiply(g, g, out=xp.empty_like(param))  # an array even for a 0-d param
        std *= 1 - rho
        square_avg *= rho
        square_avg += std
        xp.add(square_avg, eps, out=std)
        xp.sqrt(std, out=std)
        delta = xp.add(acc_delta, eps, out=xp.empty_like(param))
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        acc_delta *= rho
        xp.multiply(delta, delta, out=std)
        std *= 1 - rho
        acc_delta += std
        delta *= _scalar(group["lr"])
        param -= delta
