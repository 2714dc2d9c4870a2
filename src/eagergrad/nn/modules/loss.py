"""Loss modules; the math is in ``nn.functional``."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = [
    "MSELoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
    "CosineEmbeddingLoss",
]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F._legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(
        self, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.MSELoss()(eg.tensor([1.0, 3.0]), eg.tensor([1.0, 1.0]))
        tensor(2.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error.

    Shape:
        Input ``(*)`` and target the same shape; output a scalar, or ``(*)`` with
        ``reduction='none'``.

    Example:
        >>> import eagergrad as eg
        >>> loss = eg.nn.L1Loss()
        >>> loss(eg.tensor([1.0, 2.0]), eg.tensor([0.0, 4.0]))
        tensor(1.5000)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic below ``beta``, linear above (see ``F.smooth_l1_loss``).

    Shape:
        Input ``(*)`` and target the same shape; output a scalar, or ``(*)`` with
        ``reduction='none'``.

    Example:
        >>> import eagergrad as eg
        >>> loss = eg.nn.SmoothL1Loss(reduction='none')
        >>> loss(eg.tensor([0.5, 3.0]), eg.tensor([0.0, 0.0]))
        tensor([0.1250, 2.5000])
    """

    def __init__(
        self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic below ``delta``, ``delta``-scaled linear above (see ``F.huber_loss``).

    Shape:
        Input ``(*)`` and target the same shape; output a scalar, or ``(*)`` with
        ``reduction='none'``.

    Example:
        >>> import eagergrad as eg
        >>> loss = eg.nn.HuberLoss(reduction='none', delta=2.0)
        >>> loss(eg.tensor([1.0, 4.0]), eg.tensor([0.0, 0.0]))
        tensor([0.5000, 6.0000])
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits (N, C, d1, ...) with class indices or probabilities.

    Args:
        weight: per-class weights (C,).
        ignore_index: target value that contributes neither loss nor gradient.
        reduction: 'none' | 'mean' | 'sum'; the weighted mean divides by the summed weights.
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution.

    Example:
        >>> import eagergrad as eg
        >>> loss = eg.nn.CrossEntropyLoss()
        >>> loss(eg.zeros(3, 5, requires_grad=True), eg.tensor([1, 0, 4]))
        tensor(1.6094, grad_fn=<CrossEntropyBackward0>)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of log-probabilities at class indices.

    Shape:
        Input ``(N, C)`` log-probabilities and target ``(N,)`` class indices; output a
        scalar, or ``(N,)`` with ``reduction='none'``.

    Example:
        >>> import eagergrad as eg
        >>> logp = eg.log(eg.tensor([[0.5, 0.5], [0.25, 0.75]]))
        >>> eg.nn.NLLLoss(reduction='none')(logp, eg.tensor([0, 1]))
        tensor([0.6931, 0.2877])
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities.

    Shape:
        Input ``(*)`` and target the same shape; output a scalar, or ``(*)`` with
        ``reduction='none'``.

    Example:
        >>> import eagergrad as eg
        >>> p = eg.tensor([0.5, 0.9])
        >>> eg.nn.BCELoss(reduction='none')(p, eg.tensor([1.0, 1.0]))
        tensor([0.6931, 0.1054])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy in one stable formula, with ``pos_weight``.

    Shape:
        Input ``(*)`` and target the same shape; output a scalar, or ``(*)`` with
        ``reduction='none'``.

    Example:
        >>> import eagergrad as eg
        >>> logits = eg.tensor([0.0, 2.0])
        >>> eg.nn.BCEWithLogitsLoss(reduction='none')(logits, eg.tensor([1.0, 0.0]))
        tensor([0.6931, 2.1269])
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class KLDivLoss(_Loss):
    """KL divergence with log-probability input (``reduction='batchmean'`` for true KL).

    Shape:
        Input ``(*)`` log-probabilities and target the same shape; output a scalar, or
        ``(*)`` with ``reduction='none'``.

    Example:
        >>> import eagergrad as eg
        >>> p = eg.tensor([[0.5, 0.5]])
        >>> eg.nn.KLDivLoss(reduction='batchmean')(p.log(), p)
        tensor(0.)
        >>> q = eg.tensor([[0.25, 0.75]])
        >>> eg.nn.KLDivLoss(reduction='batchmean')(q.log(), p)
        tensor(0.1438)
    """

    def __init__(
        self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) for target 1; max(0, cos(x1, x2) - margin) for target -1.

    Shape:
        Inputs ``(N, D)`` and target ``(N,)`` of 1 or -1; output a scalar, or ``(N,)`` with
        ``reduction='none'``.

    Example:
        >>> import eagergrad as eg
        >>> x1 = eg.tensor([[1.0, 0.0], [1.0, 0.0]])
        >>> x2 = eg.tensor([[0.0, 1.0], [1.0, 0.0]])
        >>> eg.nn.CosineEmbeddingLoss(reduction='none')(x1, x2, eg.tensor([1, -1]))
        tensor([1., 1.])
    """

    def __init__(
        self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )
