"""Activation modules; the math is in ``nn.functional``."""

from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = [
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Softplus",
    "Tanh",
    "Sigmoid",
    "Hardtanh",
    "Softmax",
    "LogSoftmax",
    "Softsign",
    "Hardsigmoid",
    "Hardswish",
    "LogSigmoid",
    "PReLU",
    "Threshold",
    "GLU",
    "Softmin",
]


def _inplace_repr(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class ReLU(Module):
    """max(x, 0) elementwise.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ReLU()(eg.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Hardtanh(Module):
    """x clipped to [min_val, max_val].

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Hardtanh()(eg.tensor([-2.0, 0.5, 3.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        super().__init__()
        if min_value is not None:  # torch's deprecated spelling
            warnings.warn(
                "keyword argument `min_value` is deprecated and rename to `min_val`",
                FutureWarning,
                stacklevel=2,
            )
            min_val = min_value
        if max_value is not None:
            warnings.warn(
                "keyword argument `max_value` is deprecated and rename to `max_val`",
                FutureWarning,
                stacklevel=2,
            )
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if max_val <= min_val:
            raise AssertionError("max_val must be greater than min_val")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        s = f"min_val={self.min_val}, max_val={self.max_val}"
        return s + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6).

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ReLU6()(eg.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x.

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.LeakyReLU(0.1)(x)
        tensor([-0.2000,  0.0000,  1.0000])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x if x > 0 else alpha * (exp(x) - 1).

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.ELU()(x)
        tensor([-0.8647,  0.0000,  1.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(Module):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.CELU(alpha=2.0)(x)
        tensor([-1.2642,  0.0000,  1.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(Module):
    """scale * elu(x, alpha) with torch's constants.

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.SELU()(x)
        tensor([-1.5202,  0.0000,  1.0507])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class GELU(Module):
    """x * Phi(x) (exact erf), or the tanh approximation with ``approximate='tanh'``.

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.GELU()(x)
        tensor([-0.0455,  0.0000,  0.8413])
        >>> eg.nn.GELU(approximate='tanh')(x)
        tensor([-0.0454,  0.0000,  0.8412])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x).

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.SiLU()(x)
        tensor([-0.2384,  0.0000,  0.7311])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.silu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Mish(Module):
    """x * tanh(softplus(x)).

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.Mish()(x)
        tensor([-0.2525,  0.0000,  0.8651])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.mish(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta; linear where beta * x > threshold.

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.Softplus()(x)
        tensor([0.1269, 0.6931, 1.3133])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Tanh(Module):
    """Hyperbolic tangent.

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.Tanh()(x)
        tensor([-0.9640,  0.0000,  0.7616])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.tanh(input)


class Sigmoid(Module):
    """1 / (1 + exp(-x)).

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.Sigmoid()(x)
        tensor([0.1192, 0.5000, 0.7311])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.sigmoid(input)


class Softsign(Module):
    """x / (1 + |x|).

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.Softsign()(x)
        tensor([-0.6667,  0.0000,  0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softsign(input)


class Hardsigmoid(Module):
    """relu6(x + 3) / 6.

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Hardsigmoid()(eg.tensor([-4.0, 0.0, 3.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardsigmoid(input)


class Hardswish(Module):
    """x * relu6(x + 3) / 6.

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Hardswish()(eg.tensor([-1.0, 1.0, 3.0]))
        tensor([-0.3333,  0.6667,  3.0000])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardswish(input)


class LogSigmoid(Module):
    """log(sigmoid(x)).

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.LogSigmoid()(x)
        tensor([-2.1269, -0.6931, -0.3133])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.logsigmoid(input)


class Softmax(Module):
    """softmax along ``dim``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Softmax(dim=1)(eg.zeros(1, 4))
        tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log_softmax along ``dim``.

    Shape:
        Input ``(*)``; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.LogSoftmax(dim=1)(eg.tensor([[0.0, 0.0]]))
        tensor([[-0.6931, -0.6931]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """x if x > 0 else a * x with a learned ``a`` (one, or one per channel), initialised to
    ``init``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.PReLU()(eg.tensor([-4.0, 1.0]))
        tensor([-1.,  1.], grad_fn=<AddBackward0>)
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None
    ) -> None:
        from ..._creation import empty
        from .. import init as _init
        from ..parameter import Parameter

        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        _init.constant_(self.weight, init)

    def reset_parameters(self) -> None:
        from .. import init as _init

        _init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Threshold(Module):
    """x where x > threshold, else ``value``.

    Shape:
        Input ``(*)``, any shape; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Threshold(0.5, -1.0)(eg.tensor([0.2, 0.5, 2.0]))
        tensor([-1., -1.,  2.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else ""
        )


class GLU(Module):
    """Gated linear unit: a * sigmoid(b) over the halves of ``dim``.

    Shape:
        Input ``(*, 2 * M, *)`` with the even size along ``dim``; output ``(*, M, *)``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.GLU()(eg.tensor([[1.0, 2.0, 0.0, 0.0]]))
        tensor([[0.5000, 1.0000]])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(-x) along ``dim``.

    Shape:
        Input ``(*)``; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Softmin(dim=0)(eg.tensor([1.0, 1.0]))
        tensor([0.5000, 0.5000])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
