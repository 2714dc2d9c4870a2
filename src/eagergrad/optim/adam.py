"""Adam (with amsgrad, L2 or decoupled weight decay, and maximize)."""

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

__all__ = ["Adam"]


def _check_adam_args(lr, eps, betas, weight_decay) -> None:
    """The validation torch's Adam, AdamW, Adamax, NAdam and RAdam share, with its messages."""
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    r"""Adam (``torch.optim.Adam``), from "Adam: A Method for Stochastic Optimization".

    With :math:`\gamma` the lr, :math:`\beta_1, \beta_2` the betas, :math:`\lambda` the weight
    decay and :math:`\epsilon` eps, step :math:`t` does

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) \quad(- \text{ when maximize}) \\
        \text{decoupled: } \theta_{t-1} &\leftarrow \theta_{t-1}(1 - \gamma\lambda)
            \qquad \text{else: } g_t \leftarrow g_t + \lambda\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ if amsgrad else } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
            \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-3.
        betas: coefficients of the running averages of the gradient and its square.
            Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: weight decay (L2 penalty, or decoupled as in AdamW). Default: 0.
        amsgrad: use the AMSGrad variant. Default: False.
        foreach: update small parameters together (None: those up to 2**10 elements on a
            cpu, 2**20 on a GPU, none for SGD; True: all; False: one by one); the same
            bits either way. See NOTE [Batched updates (foreach)] in optimizer.py.
        capturable, differentiable, fused: accepted for torch compatibility; ignored.
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: apply weight decay as in AdamW. Default: False.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = eg.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _batches = True  # an elementwise update (NOTE [Batched updates (foreach)])

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        _check_adam_args(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _new_scalar()
        state["exp_avg"] = _zeros_like(p)
        state["exp_avg_sq"] = _zeros_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_like(p)

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

        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            max_exp_avg_sq = state["max_exp_avg_sq"]._data
            xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            xp.sqrt(max_exp_avg_sq, out=tmp)
        else:
            xp.sqrt(exp_avg_sq, out=tmp)
        tmp /= bias_correction2_sqrt
        tmp += group["eps"]
        xp.divide(exp_avg, tmp, out=tmp)
        tmp *= step_size
        param -= tmp
