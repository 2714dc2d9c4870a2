"""NAdam: Adam with Nesterov momentum."""

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

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam (``torch.optim.NAdam``), from "Incorporating Nesterov Momentum into Adam".

    With :math:`\psi` the momentum decay:

    .. math::
        \mu_t &= \beta_1\left(1 - \tfrac12\, 0.96^{t\psi}\right), \qquad
        \mu_{t+1} = \beta_1\left(1 - \tfrac12\, 0.96^{(t+1)\psi}\right) \\
        \text{decoupled: } \theta_{t-1} &\leftarrow \theta_{t-1}(1 - \gamma\lambda)
            \qquad \text{else: } g_t \leftarrow g_t + \lambda\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        d_t &= \sqrt{v_t / (1-\beta_2^t)} + \epsilon \\
        \theta_t &= \theta_{t-1}
            - \frac{\gamma(1-\mu_t)}{1-\prod_{i\le t}\mu_i}\,\frac{g_t}{d_t}
            - \frac{\gamma\mu_{t+1}}{1-\prod_{i\le t+1}\mu_i}\,\frac{m_t}{d_t}

    The running product :math:`\prod\mu_i` is kept as ``state["mu_product"]`` (float32, as in
    torch).

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 2e-3.
        betas: running-average coefficients. Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: weight decay (L2 penalty, or decoupled). Default: 0.
        momentum_decay: :math:`\psi`. Default: 4e-3.
        decoupled_weight_decay: decay the parameters directly as in AdamW. Default: False.
        maximize: maximize the objective instead of minimizing it.
        foreach: update small parameters together (None: those up to 2**10 elements on a
            cpu, 2**20 on a GPU, none for SGD; True: all; False: one by one); the same
            bits either way. See NOTE [Batched updates (foreach)] in optimizer.py.
        capturable, differentiable: accepted for torch compatibility; ignored.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = eg.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8944, -1.8944], requires_grad=True)
    """

    _batches = True  # an elementwise update (NOTE [Batched updates (foreach)])

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_adam_args(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _new_scalar()
        state["mu_product"] = _new_scalar(1.0)
        state["exp_avg"] = _zeros_like(p)
        state["exp_avg_sq"] = _zeros_like(p)

    def _update(self, p, grad, state, group):
        xp = p._device.xp
        param = p._data
        lr = _scalar(group["lr"])
        beta1, beta2 = group["betas"]
        weight_decay = group["weight_decay"]
        momentum_decay = group["momentum_decay"]
        step = _increment(state["step"])
        bias_correction2 = 1 - beta2**step
        if weight_decay != 0 and group["decoupled_weight_decay"]:
            param *= 1 - lr * weight_decay
            weight_decay = 0
        g, _ = _effective_grad(xp, grad, param, weight_decay, group["maximize"])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product_data = state["mu_product"]._data
        mu_product_data *= mu  # float32 arithmetic, as torch's 0-d float32 tensor
        mu_product = float(mu_product_data)
        mu_product_next = mu_product * mu_next

        exp_avg = state["exp_avg"]._data
        exp_avg_sq = state["exp_avg_sq"]._data
        denom = xp.empty_like(param)
        _ema_(xp, exp_avg, g, beta1, denom)
        exp_avg_sq *= beta2
        xp.multiply(g, g, out=denom)
        denom *= 1 - beta2
        exp_avg_sq += denom
        xp.divide(exp_avg_sq, bias_correction2, out=denom)
        xp.sqrt(denom, out=denom)
        denom += group["eps"]
        tmp = xp.divide(g, denom, out=xp.empty_like(param))  # an array even for a 0-d param
        tmp *= lr * (1.0 - mu) / (1.0 - mu_product)
        param -= tmp
        xp.divide(exp_avg, denom, out=tmp)
        tmp *= lr * mu_next / (1.0 - mu_product_next)
        param -= tmp
