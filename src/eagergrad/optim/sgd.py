"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize."""

from __future__ import annotations

from .._tensor import Tensor
from .optimizer import Optimizer, _check_lr, _effective_grad, _scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (``torch.optim.SGD``).

    With :math:`\gamma` the lr, :math:`\lambda` the weight decay, :math:`\mu` the momentum and
    :math:`\tau` the dampening, each step does

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\theta_{t-1}
              \quad(- \text{ when maximize}) \\
        b_t &= \begin{cases} g_t & t = 1 \\ \mu b_{t-1} + (1-\tau) g_t & t > 1 \end{cases} \\
        g_t &\leftarrow \begin{cases} g_t + \mu b_t & \text{nesterov} \\
              b_t & \text{otherwise} \end{cases} \quad (\text{when } \mu \ne 0) \\
        \theta_t &= \theta_{t-1} - \gamma g_t

    The momentum buffer starts as the first gradient (no dampening on step 1), as in torch.

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-3.
        momentum: momentum factor. Default: 0.
        dampening: dampening for momentum. Default: 0.
        weight_decay: L2 penalty. Default: 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and zero dampening).
        maximize: maximize the objective instead of minimizing it.
        foreach: update small parameters together (None: those up to 2**10 elements on a
            cpu, 2**20 on a GPU, none for SGD; True: all; False: one by one); the same
            bits either way. See NOTE [Batched updates (foreach)] in optimizer.py.
        differentiable: accepted for torch compatibility; ignored.
        fused: accepted for torch compatibility; ignored.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = eg.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()
        ...     opt.step()
        >>> w
        tensor([ 0.4600, -0.4600], requires_grad=True)
    """

    _batches = True  # an elementwise update (NOTE [Batched updates (foreach)])
    # Two to five array calls per parameter: the copies of batching cost about as much (on a
    # cpu, benchmarks/bench_foreach.py: 0.6x), so SGD batches only with foreach=True.
    _batch_numel = (0, 0)

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update(self, p, grad, state, group):
        xp = p._device.xp
        param = p._data
        lr = _scalar(group["lr"])
        momentum = group["momentum"]
        g, owned = _effective_grad(xp, grad, param, group["weight_decay"], group["maximize"])
        if momentum != 0:
            buf_t = state.get("momentum_buffer")
            if buf_t is None:
                buf = g.copy()
                state["momentum_buffer"] = Tensor._make(buf, p._device)
            else:
                buf = buf_t._data
                buf *= momentum
                dampening = group["dampening"]
                if dampening == 0:
                    buf += g
                else:
                    buf += xp.multiply(g, 1 - dampening)
            if group["nesterov"]:
                if owned:
                    g += xp.multiply(buf, momentum)
                else:
                    g = xp.add(xp.multiply(buf, momentum), g)
                    owned = True
            else:
                g, owned = buf, False
        if owned:
            g *= lr
            param -= g
        else:
            param -= xp.multiply(g, lr)
