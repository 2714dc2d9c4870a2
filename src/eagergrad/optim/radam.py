"""RAdam: Adam with a rectified adaptive learning rate."""

from __future__ import annotations

from .._tensor import Tensor
from .adam import _check_adam_args
from .optimizer import (
    Optimizer,
    _effective_grad,
    _ema_,
    _increment,
    _new_scalar,
    _scalar,
    _zeros_like,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam (``torch.optim.RAdam``), from "On the Variance of the Adaptive Learning Rate and
    Beyond".

    .. math::
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \rho_\infty &= \frac{2}{1-\beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t} \\
        \theta_t &= \theta_{t-1} - \gamma\frac{m_t}{1-\beta_1^t}\cdot
            \begin{cases}
            r_t\,\dfrac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon} & \rho_t > 5 \\
            1 & \text{otherwise}
            \end{cases} \\
        r_t &= \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}

    Weight decay adds :math:`\lambda\theta_{t-1}` to :math:`g_t`, or with
    ``decoupled_weight_decay`` multiplies :math:`\theta_{t-1}` by :math:`1-\gamma\lambda`.

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-3.
        betas: running-average coefficients. Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: weight decay. Default: 0.
        decoupled_weight_decay: decay the parameters directly as in AdamW. Default: False.
        maximize: maximize the objective instead of minimizing it.
        foreach: update small parameters together (None: those up to 2**10 elements on a
            cpu, 2**20 on a GPU, none for SGD; True: all; False: one by one); the same
            bits either way. See NOTE [Batched updates (foreach)] in optimizer.py.
        capturable, differentiable: accepted for torch compatibility; ignored.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = eg.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    _batches = True  # an elementwise update (NOTE [Batched updates (foreach)])

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False,
                 *, foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_adam_args(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _new_scalar()
        state["exp_avg"] = _zeros_like(p)
        state["exp_avg_sq"] = _zeros_like(p)

    def _update(self, p, grad, state, group):
        xp = p._device.xp
        param = p._data
        lr = _scalar(group["lr"])
        beta1, beta2 = group["betas"]
        weight_decay = group["weight_decay"]
        step = _increment(state["step"])
        if weight_decay != 0 and group["decoupled_weight_decay"]:
            param *= 1 - lr * weight_decay
            weight_decay = 0
        g, _ = _effective_grad(xp, grad, param, weight_decay, group["maximize"])
        exp_avg = state["exp_avg"]._data
        exp_avg_sq = state["exp_avg_sq"]._data
        tmp = xp.empty_like(param)
        _ema_(xp, exp_avg, g, beta1, tmp)
        exp_avg_sq *= beta2
        xp.multiply(g, g, out=tmp)
        tmp *= 1 - beta2
        exp_avg_sq += tmp

        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            xp.sqrt(exp_avg_sq, out=tmp)
            tmp += group["eps"]
            xp.divide(exp_avg, tmp, out=tmp)
            tmp *= lr * rect * bias_correction2**0.5 / bias_correction1
        else:
            xp.multiply(exp_avg, lr / bias_correction1, out=tmp)
        param -= tmp
