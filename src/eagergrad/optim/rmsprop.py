"""RMSprop (with centering, momentum, weight decay and maximize)."""

from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_lr,
    _effective_grad,
    _ema_,
    _increment,
    _new_scalar,
    _scalar,
    _zeros_like,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (``torch.optim.RMSprop``), as proposed by G. Hinton.

    With :math:`\alpha` the smoothing constant and :math:`\mu` the momentum:

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\theta_{t-1} \\
        v_t &= \alpha v_{t-1} + (1-\alpha) g_t^2 \\
        \tilde v_t &= v_t - \bar g_t^2, \quad
            \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t
            \quad (\text{centered; else } \tilde v_t = v_t) \\
        b_t &= \mu b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}, \qquad
            \theta_t = \theta_{t-1} - \gamma b_t \quad (\mu > 0) \\
        \theta_t &= \theta_{t-1} - \gamma \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}
            \quad (\mu = 0)

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-2.
        alpha: smoothing constant. Default: 0.99.
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: L2 penalty. Default: 0.
        momentum: momentum factor. Default: 0.
        centered: normalise by an estimate of the gradient's variance. Default: False.
        maximize: maximize the objective instead of minimizing it.
        foreach: update small parameters together (None: those up to 2**10 elements on a
            cpu, 2**20 on a GPU, none for SGD; True: all; False: one by one); the same
            bits either way. See NOTE [Batched updates (foreach)] in optimizer.py.
        capturable, differentiable: accepted for torch compatibility; ignored.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = eg.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _batches = True  # an elementwise update (NOTE [Batched updates (foreach)])

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _new_scalar()
        state["square_avg"] = _zeros_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = _zeros_like(p)

    def _update(self, p, grad, state, group):
        xp = p._device.xp
        param = p._data
        alpha = group["alpha"]
        momentum = group["momentum"]
        _increment(state["step"])
        g, _ = _effective_grad(xp, grad, param, group["weight_decay"], group["maximize"])
        square_avg = state["square_avg"]._data
        avg = xp.empty_like(param)
        square_avg *= alpha
        xp.multiply(g, g, out=avg)
        avg *= 1 - alpha
        square_avg += avg
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            _ema_(xp, grad_avg, g, alpha, avg)
            xp.multiply(grad_avg, grad_avg, out=avg)
            xp.subtract(square_avg, avg, out=avg)
            xp.sqrt(avg, out=avg)
        else:
            xp.sqrt(square_avg, out=avg)
        avg += group["eps"]
        xp.divide(g, avg, out=avg)
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum
            buf += avg
            xp.multiply(buf, _scalar(group["lr"]), out=avg)
        else:
            avg *= _scalar(group["lr"])
        param -= avg
