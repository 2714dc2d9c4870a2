"""eagergrad.nn.functional: activations, linear maps, normalisation, dropout, embeddings,
attention and losses (torch.nn.functional). Modules hold state and call these.

The hot or numerically delicate pieces are fused ops defined here (linear, cross_entropy,
nll_loss, embedding, the piecewise-linear activations, elu, softplus); their backward is written
with eagergrad ops so it stays differentiable, except where noted. Everything else composes
the core ops (``eg.relu``, ``eg.softmax``, ``eg.erf``, ...).
"""

from __future__ import annotations

import math
import warnings

import numpy

from .. import _backend, _ops
from .. import random as _random
from .._dtype import int64
from .._ops._base import Op, promote
from .._ops._util import quiet_call, wrap_dim
from .._ops.elementwise import add, div, exp, mul, neg, sub, tanh
from .._ops.linalg import matmul
from .._ops.reduction import norm_array
from .._ops.reduction import sum as _sum
from .._ops.shape import broadcast_to, reshape, transpose
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

__all__ = [
    # activations
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "hardtanh",
    "tanh",
    "sigmoid",
    "softmax",
    "log_softmax",
    "softsign",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
    "prelu",
    "threshold",
    "glu",
    "softmin",
    # linear, normalisation, dropout, embedding
    "linear",
    "bilinear",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "dropout",
    "dropout1d",
    "dropout2d",
    "embedding",
    "one_hot",
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
    # attention
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
    # losses
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "cosine_embedding_loss",
]


def _const(array, like: Tensor) -> Tensor:
    """A constant tensor (no graph) on ``like``'s device."""
    return Tensor._make(array, like._device)


def _same_device(*tensors) -> None:
    """Raises torch's error when tensors passed to an op as raw arrays (indices, targets,
    class weights) live on another device than the input; Op.apply only sees Tensor inputs."""
    devs = [t._device for t in tensors if t is not None]
    for d in devs[1:]:
        if d is not devs[0]:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{devs[0]} and {d}!"
            )


def _float(x: Tensor) -> Tensor:
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"expected a floating point tensor, but got {x.dtype.name}")
    return x


# --- activations --------------------------------------------------------------------------------
# NOTE [piecewise-linear activations]: leaky_relu and hardtanh (like eg.relu) multiply the
# gradient by a constant slope array. That is also their exact second derivative (zero almost
# everywhere), so their backward stays correct under create_graph.
class LeakyRelu(Op):
    """x if x > 0 else slope * x. Gradient: grad * (1 if x > 0 else slope); slope at 0."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.slope = ctx.xp.where(x > 0, 1.0, negative_slope).astype(x.dtype)
        return x * ctx.slope

    @staticmethod
    def backward(ctx, grad):
        return mul(grad, _const(ctx.slope, grad))


class Hardtanh(Op):
    """clip(x, min_val, max_val). Gradient: grad strictly inside (min_val, max_val), else 0."""

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.mask = ((x > min_val) & (x < max_val)).astype(x.dtype)
        return ctx.xp.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return mul(grad, _const(ctx.mask, grad))


class Softplus(Op):
    """log(1 + exp(beta * x)) / beta, and x where beta * x > threshold (torch's switch).

    Gradient: grad * sigmoid(beta * x) (grad where beta * x > threshold).
    """

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = ctx.xp
        z = x * beta
        ctx.linear = (z > threshold).astype(x.dtype)
        ctx.beta = beta
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        ctx.save_for_backward(x)
        return xp.where(z > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lin = ctx.linear
        s = _ops.sigmoid(mul(x, ctx.beta))
        slope = add(_const(lin, grad), mul(s, _const(1 - lin, grad)))
        return mul(grad, slope)


class Elu(Op):
    """scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)).

    Gradient: grad * scale * (1 if x > 0 else alpha * input_scale * exp(x * input_scale));
    x == 0 takes the negative branch (torch).
    """

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        xp = ctx.xp
        pos = x > 0
        ctx.pos = pos.astype(x.dtype)
        ctx.params = (alpha, scale, input_scale)
        ctx.save_for_backward(x)
        neg_part = alpha * xp.expm1(xp.minimum(x, 0) * input_scale)
        return (scale * xp.where(pos, x, neg_part)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.params
        pos = _const(ctx.pos, grad)
        negm = _const(1 - ctx.pos, grad)
        # exp(x * (1 - pos)) is exp(x) on the negative side and 1 (never overflowing) elsewhere
        e = exp(mul(mul(x, negm), input_scale))
        slope = add(pos, mul(negm, mul(e, alpha * input_scale)))
        return mul(grad, mul(slope, scale))


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(input, 0) elementwise. Derivative: 1 where input > 0, else 0 (also at 0).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.relu(eg.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    return _maybe_inplace(input, _ops.relu(input), inplace, _ops.relu)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place ``relu``.

    Derivative: 1 where input > 0, else 0 (as ``relu``).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-1.0, 2.0])
        >>> _ = eg.nn.functional.relu_(x)
        >>> x
        tensor([0., 2.])
    """
    return relu(input, inplace=True)


def _maybe_inplace(input: Tensor, out: Tensor, inplace: bool, fn=None) -> Tensor:  # noqa: A002
    """For ``inplace=True``: writes ``out`` into ``input`` (torch's in-place activation).

    When the graph is recorded the activation is re-run by ``Tensor._inplace`` on a snapshot
    of the old value, so the history is rewritten as torch does.
    """
    if not inplace:
        return out
    return input._inplace("inplace activation", lambda src: out if src is input else fn(src))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(input, 0), 6). Derivative: 1 strictly inside (0, 6), else 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.relu6(eg.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(
    input: Tensor,
    min_val: float = -1.0,
    max_val: float = 1.0,  # noqa: A002
    inplace: bool = False,
) -> Tensor:
    """input clipped to [min_val, max_val]. Derivative: 1 strictly inside, 0 at and outside.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.hardtanh(eg.tensor([-2.0, 0.5, 3.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")

    def fn(x):
        return Hardtanh.apply(_float(x), min_val=min_val, max_val=max_val)

    return _maybe_inplace(input, fn(input), inplace, fn)


def leaky_relu(
    input: Tensor,
    negative_slope: float = 0.01,  # noqa: A002
    inplace: bool = False,
) -> Tensor:
    """input if input > 0 else negative_slope * input. Derivative at 0: negative_slope.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.leaky_relu(eg.tensor([-1.0, 2.0]), 0.1)
        tensor([-0.1000,  2.0000])
    """

    def fn(x):
        return LeakyRelu.apply(_float(x), negative_slope=negative_slope)

    return _maybe_inplace(input, fn(input), inplace, fn)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """input if input > 0 else alpha * (exp(input) - 1). Derivative at 0: alpha.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.elu(eg.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """

    def fn(x):
        return Elu.apply(_float(x), alpha=alpha, scale=1.0, input_scale=1.0)

    return _maybe_inplace(input, fn(input), inplace, fn)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """scale * elu(input, alpha) with torch's fixed alpha and scale.

    Derivative: scale where input > 0, else scale * alpha * exp(input).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.functional.selu(x)
        tensor([-1.5202,  0.0000,  1.0507])
    """

    def fn(x):
        return Elu.apply(_float(x), alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)

    return _maybe_inplace(input, fn(input), inplace, fn)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Derivative: 1 where x > 0, else exp(x / alpha).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.functional.celu(x, alpha=2.0)
        tensor([-1.2642,  0.0000,  1.0000])
    """

    def fn(x):
        return Elu.apply(_float(x), alpha=alpha, scale=1.0, input_scale=1.0 / alpha)

    return _maybe_inplace(input, fn(input), inplace, fn)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-input)), without overflow. Derivative: y * (1 - y).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.sigmoid(eg.tensor([0.0]))
        tensor([0.5000])
    """
    return _ops.sigmoid(input)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(input)) = -softplus(-input), stable for large |input|.

    Derivative: 1 - sigmoid(input) = sigmoid(-input).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.functional.logsigmoid(x)
        tensor([-2.1269, -0.6931, -0.3133])
    """
    return neg(softplus(neg(input)))


def tanh(input: Tensor) -> Tensor:  # noqa: A001,A002,F811
    """Hyperbolic tangent. Derivative: 1 - tanh(x)**2.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.functional.tanh(x)
        tensor([-0.9640,  0.0000,  0.7616])
    """
    return _ops.tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta * input)) / beta; the identity where beta * input > threshold.

    Derivative: sigmoid(beta * input) (1 where beta * input > threshold).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.softplus(eg.tensor([0.0, 30.0]))
        tensor([ 0.6931, 30.0000])
    """
    return Softplus.apply(_float(input), beta=beta, threshold=threshold)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x) with Phi the standard normal CDF (exact erf), or its tanh approximation.

    Derivative ('none'): Phi(x) + x * phi(x).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.gelu(eg.tensor([1.0]))
        tensor([0.8413])
    """
    x = _float(input)
    if approximate == "none":
        return mul(mul(x, 0.5), add(_ops.erf(mul(x, 1.0 / math.sqrt(2.0))), 1.0))
    if approximate == "tanh":
        inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), math.sqrt(2.0 / math.pi))
        return mul(mul(x, 0.5), add(tanh(inner), 1.0))
    raise RuntimeError(f"approximate argument must be either none or tanh. (got {approximate!r})")


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """input * sigmoid(input). Derivative: s * (1 + x * (1 - s)), s = sigmoid(x).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.functional.silu(x)
        tensor([-0.2384,  0.0000,  0.7311])
    """

    def fn(x):
        return mul(x, _ops.sigmoid(_float(x)))

    return _maybe_inplace(input, fn(input), inplace, fn)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """input * tanh(softplus(input)).

    Derivative: tanh(sp) + x * sigmoid(x) * (1 - tanh(sp)**2), sp = softplus(x).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.functional.mish(x)
        tensor([-0.2525,  0.0000,  0.8651])
    """

    def fn(x):
        return mul(x, tanh(softplus(x)))

    return _maybe_inplace(input, fn(input), inplace, fn)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """input / (1 + |input|).

    Derivative: 1 / (1 + |input|)**2.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-2.0, 0.0, 1.0])
        >>> eg.nn.functional.softsign(x)
        tensor([-0.6667,  0.0000,  0.5000])
    """
    sign = _const(input._device.xp.sign(input._data), input)
    return div(input, add(mul(input, sign), 1.0))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """relu6(x + 3) / 6.

    Derivative: 1/6 strictly inside (-3, 3), else 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.hardsigmoid(eg.tensor([-4.0, 0.0, 3.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    return div(hardtanh(add(input, 3.0), 0.0, 6.0), 6.0)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * relu6(x + 3) / 6.

    Derivative: 0 for x <= -3, x / 3 + 0.5 for -3 < x < 3, 1 for x >= 3.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.hardswish(eg.tensor([-1.0, 1.0, 3.0]))
        tensor([-0.3333,  0.6667,  3.0000])
    """
    return mul(input, hardsigmoid(input))


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """input where input > 0, else weight * input; ``weight`` has one entry or one per
    channel (dim 1). Derivative at 0: weight (the negative branch).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.prelu(eg.tensor([-2.0, 3.0]), eg.tensor([0.25]))
        tensor([-0.5000,  3.0000])
    """
    x = _float(input)
    pos = _const((x._data > 0).astype(x._data.dtype), x)
    w = weight
    if weight.numel() > 1:
        if x.ndim < 2 or x.shape[1] != weight.numel():
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {weight.numel()} and channel size = "
                f"{x.shape[1] if x.ndim > 1 else 1}."
            )
        w = reshape(weight, (1, weight.numel()) + (1,) * (x.ndim - 2))
    return add(mul(x, pos), mul(mul(x, w), sub(1.0, pos)))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """input where input > threshold, else ``value``. Derivative: 1 where input > threshold.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.threshold(eg.tensor([0.2, 0.5, 2.0]), 0.5, -1.0)
        tensor([-1., -1.,  2.])
    """

    def fn(x):
        keep = _const((x._data > threshold).astype(x._data.dtype), x)
        return add(mul(x, keep), mul(sub(1.0, keep), value))

    return _maybe_inplace(input, fn(input), inplace, fn)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """a * sigmoid(b), with a and b the two halves of ``input`` along ``dim``.

    Derivative: sigmoid(b) w.r.t. a, and a * sigmoid(b) * (1 - sigmoid(b)) w.r.t. b.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.glu(eg.tensor([[1.0, 2.0, 0.0, 0.0]]))
        tensor([[0.5000, 1.0000]])
    """
    if input.shape[dim] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {wrap_dim(dim, input.ndim)} is size "
            f"{input.shape[dim]}"
        )
    a, b = _ops.chunk(input, 2, dim)
    return mul(a, _ops.sigmoid(b))


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:  # noqa: A002
    """softmax(-input) along ``dim``.

    Derivative: with s = softmin(x) and g the output gradient, -s * (g - sum(g * s))
    along ``dim``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.softmin(eg.tensor([0.0, 0.0, 0.0, 0.0]), dim=0)
        tensor([0.2500, 0.2500, 0.2500, 0.2500])
    """
    return _ops.softmax(neg(input), dim, dtype=dtype)


# --- softmax ------------------------------------------------------------------------------------
def softmax(
    input: Tensor,
    dim: int | None = None,
    _stacklevel: int = 3,  # noqa: A002
    dtype=None,
) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed without overflow.

    Derivative: y * (grad - sum(grad * y, dim)).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.softmax(eg.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    return _ops.softmax(input, dim, dtype=dtype)


def log_softmax(
    input: Tensor,
    dim: int | None = None,
    _stacklevel: int = 3,  # noqa: A002
    dtype=None,
) -> Tensor:
    """x - logsumexp(x) along ``dim`` (stable for logits of +-1e4 in float32).

    Derivative: grad - softmax(x) * sum(grad, dim).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.log_softmax(eg.tensor([1e4, 0.0]), dim=0)
        tensor([     0., -10000.])
    """
    return _ops.log_softmax(input, dim, dtype=dtype)


# --- linear -------------------------------------------------------------------------------------
class Linear(Op):
    """x @ w.T + b in one op.

    Gradient: grad @ w for x; grad^T @ x (over all leading dims) for w; grad summed over the
    leading dims for b. ``w.T`` and ``grad^T`` are transposed views: no copies.
    """

    # NOTE: the leading dims are flattened so every product is one 2-D GEMM. numpy's batched
    # matmul of an N-D array with a transposed 2-D view loops without BLAS and is several
    # times slower.
    @staticmethod
    def forward(ctx, x, w, *b):
        out_f, in_f = w.shape
        y = ctx.xp.matmul(x.reshape(-1, in_f), w.T)
        if b:
            y += b[0]
        ctx.save_for_backward(x, w)
        return y.reshape(x.shape[:-1] + (out_f,))

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        out_f, in_f = w._data.shape
        g2 = reshape(grad, (-1, out_f))
        grad_x = grad_w = grad_b = None
        if need[0]:
            grad_x = reshape(matmul(g2, w), x._data.shape)
        if need[1]:
            grad_w = matmul(transpose(g2, 0, 1), reshape(x, (-1, in_f)))
        if len(need) > 2 and need[2]:
            grad_b = _sum(g2, 0)
        return (grad_x, grad_w, grad_b) if len(need) > 2 else (grad_x, grad_w)

    @staticmethod
    def backward_arrays(ctx, grad):
        x, w = ctx.saved_arrays()
        need = ctx.needs_input_grad
        matmul = ctx.xp.matmul
        out_f, in_f = w.shape
        g2 = grad.reshape(-1, out_f)
        grad_x = grad_w = grad_b = None
        if need[0]:
            grad_x = matmul(g2, w).reshape(x.shape)
        if need[1]:
            grad_w = matmul(g2.T, x.reshape(-1, in_f))
        if len(need) > 2 and need[2]:
            grad_b = g2.sum(0)
        return (grad_x, grad_w, grad_b) if len(need) > 2 else (grad_x, grad_w)


def _check_same_dtype(a: Tensor, b: Tensor):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {a.dtype.name} and {b.dtype.name}"
        )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = input @ weight.T + bias, one fused op.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or None.

    Derivative: grad @ weight for input, grad^T @ input for weight, grad summed for bias.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.linear(eg.ones(2, 3), eg.ones(4, 3), eg.zeros(4)).shape
        eagergrad.Size([2, 4])
    """
    _check_same_dtype(input, weight)
    if input.shape[-1:] != weight.shape[-1:] or weight.ndim != 2:
        lead = math.prod(input.shape[:-1]) if input.ndim > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({lead}x{input.shape[-1]} and "
            f"{'x'.join(str(s) for s in reversed(weight.shape))})"
        )
    if bias is None:
        return Linear.apply(input, weight)
    _check_same_dtype(input, bias)
    return Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T W_k x2 + b_k for ``weight`` of shape (out, in1, in2).

    Derivative: ``dy_k/dx1 = W_k x2``, ``dy_k/dx2 = W_k^T x1``, ``dy_k/dW_k = x1 x2^T``,
    ``dy_k/db_k = 1``.

    Example:
        >>> import eagergrad as eg
        >>> x1, x2 = eg.ones(4, 2), eg.ones(4, 3)
        >>> w, b = eg.ones(5, 2, 3), eg.zeros(5)
        >>> y = eg.nn.functional.bilinear(x1, x2, w, b)
        >>> y.shape, y[0, 0].item()
        (eagergrad.Size([4, 5]), 6.0)
    """
    out_f, in1, in2 = weight.shape
    lead = input1.shape[:-1]
    x1 = reshape(input1, (-1, 1, 1, in1))
    x2 = reshape(input2, (-1, 1, in2, 1))
    # (N, 1, 1, in1) @ (out, in1, in2) -> (N, out, 1, in2); @ (N, 1, in2, 1) -> (N, out, 1, 1)
    y = matmul(matmul(x1, reshape(weight, (1, out_f, in1, in2))), x2)
    y = reshape(y, (*lead, out_f))
    return y if bias is None else add(y, bias)


# --- normalisation ------------------------------------------------------------------------------
def _normalize_over(x: Tensor, dims: tuple, eps: float):
    """(x - mean) / sqrt(var + eps) over ``dims`` (biased var), plus mean and biased var."""
    n = 1
    for d in dims:
        n *= x.shape[d]
    mean = div(_sum(x, dims, True), n)
    centered = sub(x, mean)
    var = div(_sum(mul(centered, centered), dims, True), n)
    return mul(centered, _ops.rsqrt(add(var, eps))), mean, var


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,  # noqa: A002
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalises each channel (dim 1) over the batch and spatial dims.

    In training the batch statistics are used and the running ones (when given) updated in
    place: ``running = (1 - momentum) * running + momentum * batch`` with the unbiased batch
    variance; in eval the running statistics are used.

    Example:
        >>> import eagergrad as eg
        >>> y = eg.nn.functional.batch_norm(eg.tensor([[1.0], [3.0]]), None, None, training=True)
        >>> y
        tensor([[-1.0000],
                [ 1.0000]])
    """
    x = _float(input)
    c = x.shape[1] if x.ndim > 1 else None
    if x.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {x.ndim}D input)")
    shape = (1, c) + (1,) * (x.ndim - 2)
    dims = (0,) + tuple(range(2, x.ndim))
    if training:
        n = x._data.size // c
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {x.shape}"
            )
        y, mean, var = _normalize_over(x, dims, eps)
        if running_mean is not None or running_var is not None:
            with no_grad():
                if running_mean is not None:
                    _lerp_into(running_mean, mean._data.reshape(c), momentum)
                if running_var is not None:
                    _lerp_into(running_var, var._data.reshape(c) * (n / (n - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var are required in eval")
        rm = reshape(running_mean.detach(), shape)
        rv = reshape(running_var.detach(), shape)
        y = mul(sub(x, rm), _ops.rsqrt(add(rv, eps)))
    if weight is not None:
        y = mul(y, reshape(weight, shape))
    if bias is not None:
        y = add(y, reshape(bias, shape))
    return y


def _lerp_into(buf: Tensor, value, momentum: float) -> None:
    """buf = (1 - momentum) * buf + momentum * value, in place on raw storage."""
    data = buf._data
    data[...] = (data * (1 - momentum) + value * momentum).astype(data.dtype, copy=False)
    buf._bump()


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,  # noqa: A002
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalises over the last ``len(normalized_shape)`` dims, then scales and shifts.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.layer_norm(eg.tensor([[1.0, 3.0]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k :]) != normalized_shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size"
            f"{list(input.shape)}"
        )
    x = _float(input)
    y, _, _ = _normalize_over(x, tuple(range(x.ndim - k, x.ndim)), eps)
    if weight is not None:
        y = mul(y, weight)
    if bias is not None:
        y = add(y, bias)
    return y


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,  # noqa: A002
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalises each group of ``C // num_groups`` channels over channels and space.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.group_norm(eg.tensor([[1.0, 3.0]]), 1)
        tensor([[-1.0000,  1.0000]])
    """
    x = _float(input)
    n, c = x.shape[0], x.shape[1]
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(x.shape)} and num_groups={num_groups}"
        )
    g = reshape(x, (n, num_groups, -1))
    y, _, _ = _normalize_over(g, (2,), eps)
    y = reshape(y, x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = mul(y, reshape(weight, shape))
    if bias is not None:
        y = add(y, reshape(bias, shape))
    return y


# --- dropout ------------------------------------------------------------------------------------
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(x: Tensor, shape, p: float):
    """Keep-mask (scaled by 1 / (1 - p)) of ``shape``, drawn from the device's generator."""
    probe = Tensor._make(x._device.xp.empty(shape, dtype=x._data.dtype), x._device)
    keep = _random.uniform_array(probe, 0.0, 1.0) >= p
    if p == 1.0:
        return keep.astype(x._data.dtype)
    return (keep * (1.0 / (1.0 - p))).astype(x._data.dtype)


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,  # noqa: A002
    inplace: bool = False,
) -> Tensor:
    """Zeroes each element with probability ``p`` and scales the rest by ``1 / (1 - p)``.

    Identity when ``training`` is False. Derivative: the same mask.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.dropout(eg.ones(3), p=0.5, training=False)
        tensor([1., 1., 1.])
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    mask = _const(_dropout_mask(input, input._data.shape, p), input)
    if inplace:
        return input._inplace("dropout_", lambda src: mul(src, mask))
    return mul(input, mask)


def dropout1d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zeroes whole channels of (N, C, L) or (C, L) input with probability ``p``.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.ones(2, 3, 4)
        >>> eg.nn.functional.dropout1d(x, 0.5).shape
        eagergrad.Size([2, 3, 4])
        >>> bool((eg.nn.functional.dropout1d(x, 0.5, training=False) == x).all())
        True
    """
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    if not training or p == 0.0:
        return input
    shape = input.shape[:-1] + (1,)
    mask = _const(_dropout_mask(input, shape, p), input)
    if inplace:
        return input._inplace("dropout1d_", lambda src: mul(src, mask))
    return mul(input, mask)


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,  # noqa: A002
    inplace: bool = False,
) -> Tensor:
    """Zeroes whole channels: each (sample, channel) map is kept or dropped together.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.ones(2, 3, 4, 4)
        >>> y = eg.nn.functional.dropout2d(x, 0.5)
        >>> sorted(set(y.flatten().tolist()))
        [0.0, 2.0]
        >>> bool((eg.nn.functional.dropout2d(x, 0.5, training=False) == x).all())
        True
    """
    _check_p(p)
    if input.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and "
            "will result in an error in a future release. Expected 3-D or 4-D input"
        )
    if not training or p == 0.0:
        return input
    shape = input.shape[:2] + (1,) * (input.ndim - 2)
    mask = _const(_dropout_mask(input, shape, p), input)
    if inplace:
        return input._inplace("dropout2d_", lambda src: mul(src, mask))
    return mul(input, mask)


# --- embedding ----------------------------------------------------------------------------------
class Embedding(Op):
    """w[idx]. Gradient: rows of grad added into zeros like w (repeated indices accumulate);
    the ``padding_idx`` row gets no gradient. With ``freq_scale`` (scale_grad_by_freq) each
    gradient row is first multiplied by its ``1 / count`` in ``idx``."""

    @staticmethod
    def forward(ctx, w, idx, padding_idx, freq_scale=None):
        ctx.idx, ctx.w_shape, ctx.padding_idx = idx, w.shape, padding_idx
        ctx.freq_scale = freq_scale
        return w[idx]

    @staticmethod
    def backward(ctx, grad):
        return EmbeddingBackward.apply(
            grad,
            idx=ctx.idx,
            w_shape=ctx.w_shape,
            padding_idx=ctx.padding_idx,
            freq_scale=ctx.freq_scale,
        )


class EmbeddingBackward(Op):
    """The scatter-add behind Embedding's gradient. Gradient: grad_w[idx] (a gather), times
    ``freq_scale`` and zero where ``idx == padding_idx``."""

    @staticmethod
    def forward(ctx, g, idx, w_shape, padding_idx, freq_scale=None):
        from .._backend import index_add

        xp = ctx.xp
        ctx.idx, ctx.padding_idx, ctx.freq_scale = idx, padding_idx, freq_scale
        rows = g.reshape(-1, w_shape[1])
        if freq_scale is not None:
            rows = rows * freq_scale.reshape(-1, 1).astype(g.dtype)
        out = xp.zeros(w_shape, dtype=g.dtype)
        index_add(xp, out, idx.reshape(-1), rows)
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    @staticmethod
    def backward(ctx, grad):
        out = Embedding.apply(grad, idx=ctx.idx, padding_idx=None)
        scale = ctx.freq_scale
        if ctx.padding_idx is not None:
            keep = ctx.idx != ctx.padding_idx
            scale = keep if scale is None else scale * keep
        if scale is not None:
            out = mul(out, _const(scale[..., None].astype(grad._data.dtype), grad))
        return out


def _embedding_renorm_(weight: Tensor, idx, max_norm: float, norm_type: float) -> None:
    """torch.embedding_renorm_ under no_grad: each distinct row of ``weight`` named in ``idx``
    whose ``norm_type``-norm exceeds ``max_norm`` is scaled in place by
    ``max_norm / (norm + 1e-7)``. Like any in-place op it bumps the weight's version, even
    when no row changes (as torch's does)."""
    xp = weight._device.xp
    w = weight._data
    if not _backend.writeable(w):
        raise RuntimeError("embedding: max_norm renormalises weight in place, but its storage "
                           "is read-only (a broadcast view?); pass a writable tensor")
    rows = xp.unique(idx.reshape(-1))
    if rows.size and w.shape[1]:
        norms = norm_array(xp, w[rows], float(norm_type), (1,)).astype(numpy.float64)
        big = norms > max_norm  # compared in double, as torch does
        if bool(big.any()):
            rows = rows[big]
            # NOTE: the scale is computed in double and applied in the weight's dtype, as in
            # torch's embedding_renorm_cpu_.
            scale = max_norm / (norms[big] + 1e-7)
            w[rows] = w[rows] * scale.astype(w.dtype)[:, None]
    weight._bump()


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,  # noqa: A002
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Looks up rows of ``weight`` by the integer indices in ``input``.

    Args:
        input: integer indices, any shape.
        weight: the ``(num_embeddings, embedding_dim)`` table.
        padding_idx: a row that gets no gradient.
        max_norm: if given, each row of ``weight`` named in ``input`` whose ``norm_type``-norm
            exceeds ``max_norm`` is first scaled **in place** to norm ``max_norm`` (torch's
            ``embedding_renorm_``, run under no_grad; it bumps ``weight._version``).
        norm_type: the p of the norm for ``max_norm``. Default: 2.
        scale_grad_by_freq: divide each row's gradient by how often its index occurs in
            ``input``.
        sparse: sparse gradients are not supported (eagergrad has no sparse tensors).

    Returns:
        ``(*input.shape, embedding_dim)``. Derivative: the output's gradient rows are summed
        into the looked-up rows of weight (none for ``padding_idx``), each scaled by
        ``1 / count`` with ``scale_grad_by_freq``.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.arange(6.0).reshape(3, 2)
        >>> eg.nn.functional.embedding(eg.tensor([2, 0]), w)
        tensor([[4., 5.],
                [0., 1.]])
        >>> w = eg.tensor([[3., 4.], [0., 1.]])
        >>> eg.nn.functional.embedding(eg.tensor([0]), w, max_norm=1.0)
        tensor([[0.6000, 0.8000]])
        >>> w  # row 0 was renormalised in place
        tensor([[0.6000, 0.8000],
                [0.0000, 1.0000]])
        >>> w = eg.ones(3, 2, requires_grad=True)
        >>> out = eg.nn.functional.embedding(eg.tensor([0, 0, 1]), w, scale_grad_by_freq=True)
        >>> out.sum().backward()
        >>> w.grad
        tensor([[1., 1.],
                [1., 1.],
                [0., 0.]])
    """
    if sparse:
        raise NotImplementedError(
            "embedding: sparse=True (sparse gradients) is not supported by eagergrad, which has "
            "no sparse tensors; use sparse=False for dense gradients"
        )
    if input._data.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)"
        )
    _same_device(weight, input)
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += num
        if not 0 <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
    idx = input._data
    if idx.size:  # deferred on a GPU, where the gather wraps out-of-range indices meanwhile
        _backend.check(weight._device.xp, _backend.outside(idx, 0, num),
                       lambda: IndexError("index out of range in self"))
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    freq_scale = None
    if scale_grad_by_freq and idx.size:
        xp = weight._device.xp
        counts = xp.bincount(idx.reshape(-1), minlength=num)
        freq_scale = 1.0 / counts[idx]
    return Embedding.apply(weight, idx=idx, padding_idx=padding_idx, freq_scale=freq_scale)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dim of size ``num_classes``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.one_hot(eg.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    if tensor._data.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = tensor._device.xp
    idx = tensor._data
    if num_classes == -1:  # the size comes from the data: a read back, as in torch
        if idx.size and int(idx.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        num_classes = int(idx.max()) + 1 if idx.size else 0
    elif idx.size:  # deferred on a GPU (NOTE [Deferred device checks])
        _backend.check(xp, _backend.outside(idx, 0, num_classes), lambda: RuntimeError(
            "Class values must be non-negative." if idx.min() < 0 else
            "Class values must be smaller than num_classes."))
    out = (idx[..., None] == xp.arange(num_classes)).astype(int64.np)
    return Tensor._make(out, tensor._device)


class Norm2(Op):
    """sqrt(sum(x**2, dim, keepdim=True)). Gradient: grad * x / y (0 where y == 0)."""

    @staticmethod
    def forward(ctx, x, dim):
        y = ctx.xp.sqrt((x * x).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        zero = _const((y._data == 0).astype(y._data.dtype), grad)
        return div(mul(grad, x), add(y, zero))


def _vector_norm(x: Tensor, p: float, dim: int) -> Tensor:
    if p == 2:
        return Norm2.apply(x, dim=wrap_dim(dim, x.ndim))
    return _ops.norm(x, p, dim, True)


def normalize(
    input: Tensor,
    p: float = 2.0,
    dim: int = 1,
    eps: float = 1e-12,  # noqa: A002
    out=None,
) -> Tensor:
    """input / max(||input||_p, eps) along ``dim``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.normalize(eg.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    x = _float(input)
    n = _vector_norm(x, p, dim)
    clamped = _const((n._data < eps).astype(n._data.dtype), n)
    # max(n, eps): n where n >= eps (gradient flows), the constant eps elsewhere
    denom = add(mul(n, sub(1.0, clamped)), mul(clamped, eps))
    return div(x, denom)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (broadcasting).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.cosine_similarity(eg.tensor([[1.0, 0.0]]), eg.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    x1, x2, _ = promote(x1, x2)
    shape = numpy.broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = broadcast_to(x1, shape), broadcast_to(x2, shape)
    d = wrap_dim(dim, len(shape))
    a = normalize(x1, 2.0, d, eps)
    b = normalize(x2, 2.0, d, eps)
    return _sum(mul(a, b), d)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """||x1 - x2 + eps||_p along the last dim.

    Example:
        >>> import eagergrad as eg
        >>> a = eg.tensor([[0.0, 0.0], [1.0, 1.0]])
        >>> b = eg.tensor([[3.0, 4.0], [1.0, 1.0]])
        >>> eg.nn.functional.pairwise_distance(a, b, eps=0.0)
        tensor([5., 0.])
        >>> eg.nn.functional.pairwise_distance(a, b, p=1.0, eps=0.0)
        tensor([7., 0.])
    """
    diff = add(sub(x1, x2), eps)
    n = _vector_norm(diff, p, -1)
    return n if keepdim else reshape(n, n.shape[:-1])


# --- attention ----------------------------------------------------------------------------------
def _mask_to_additive(mask: Tensor, like: Tensor) -> Tensor:
    """A bool mask (True = attend) or a float mask (added) as an additive float tensor."""
    if mask._data.dtype.kind == "b":
        xp = like._device.xp
        add_mask = xp.where(mask._data, 0.0, -xp.inf).astype(like._data.dtype)
        return _const(add_mask, like)
    return mask.to(like.dtype)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(q @ k^T * scale + mask) @ v over the last two dims (torch's reference math).

    ``attn_mask`` is a bool mask (True = may attend) or a float mask added to the scores;
    ``is_causal`` applies a lower-triangular mask. ``scale`` defaults to 1/sqrt(E).

    Example:
        >>> import eagergrad as eg
        >>> q = k = v = eg.ones(1, 2, 4)
        >>> eg.nn.functional.scaled_dot_product_attention(q, k, v).shape
        eagergrad.Size([1, 2, 4])
    """
    weights = _attention_weights(query, key, attn_mask, is_causal, scale, safe=True)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return matmul(weights, value)


def _attention_weights(query, key, attn_mask, is_causal, scale, safe=False):
    """softmax(q @ k^T * scale + mask). With ``safe`` a fully masked row gives zero weights
    (and zero gradient) instead of nan, as torch's scaled_dot_product_attention does
    (``_safe_softmax``); nn.MultiheadAttention with ``need_weights=True`` keeps the nan, as
    torch's does."""
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = mul(matmul(query, transpose(key, -2, -1)), scale)
    xp = query._device.xp
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(
                "_scaled_dot_product_attention: Explicit attn_mask should not be "
                "set when is_causal=True"
            )
        attn_mask = _const(xp.tril(xp.ones((L, S), dtype=bool)), query)
    if attn_mask is None:
        return _ops.softmax(scores, -1)
    mask = _mask_to_additive(attn_mask, scores)
    dead = None
    if safe:
        dead = (mask._data == -xp.inf).all(axis=-1, keepdims=True)
        if _backend.may_hold(xp, dead.any):
            # unmask dead rows (finite softmax), then zero their weights
            mask = _const(xp.where(dead, 0, mask._data).astype(mask._data.dtype), mask)
        else:
            dead = None
    weights = _ops.softmax(add(scores, mask), -1)
    if dead is not None:
        weights = mul(weights, _const((~dead).astype(weights._data.dtype), weights))
    return weights


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
):
    """Multi-head attention on sequence-first inputs ``(L, N, E)`` or unbatched ``(L, E)``
    (torch's signature and semantics).

    Args:
        query, key, value: ``(L, N, E)``, ``(S, N, kdim)``, ``(S, N, vdim)`` (or without N).
        embed_dim_to_check: E, checked against the query.
        num_heads: number of heads (must divide E).
        in_proj_weight, in_proj_bias: packed ``(3E, E)`` q/k/v projection and its ``(3E,)``
            bias (the bias is also used with separate projection weights).
        bias_k, bias_v: ``(1, 1, E)`` rows appended to the projected keys and values (the
            masks get a matching attendable column).
        add_zero_attn: append a zero key and value per head after the projection (and
            ``bias_k``); the masks get a matching attendable column.
        dropout_p: dropout on the attention weights (when ``training``).
        out_proj_weight, out_proj_bias: output projection.
        key_padding_mask: ``(N, S)``; bool True = ignore that key, float = added.
        need_weights: also return the attention weights.
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; bool True = may *not* attend,
            float = added to the scores.
        use_separate_proj_weight: project with ``q_proj_weight`` (E, E), ``k_proj_weight``
            (E, kdim) and ``v_proj_weight`` (E, vdim) instead of ``in_proj_weight``.
        static_k, static_v: ``(N * num_heads, S', E / num_heads)`` projected keys/values
            used instead of projecting ``key``/``value``.
        average_attn_weights: average the returned weights over heads.
        is_causal: a hint that ``attn_mask`` is causal (the mask is still required). As in
            torch, with no ``key_padding_mask`` and ``need_weights=False`` the hint replaces
            the mask by a top-left causal mask.

    Returns:
        ``(output (L, N, E), weights)``; weights are ``(N, L, S)`` averaged over heads,
        ``(N, num_heads, L, S)`` when ``average_attn_weights`` is False, or None when
        ``need_weights`` is False (S counts the ``bias_k`` and zero-attention columns).

    Example:
        >>> import eagergrad as eg
        >>> E, H = 4, 2
        >>> q = eg.randn(3, 1, E)
        >>> w_in, b_in = eg.randn(3 * E, E), eg.zeros(3 * E)
        >>> w_out, b_out = eg.randn(E, E), eg.zeros(E)
        >>> out, attn = eg.nn.functional.multi_head_attention_forward(
        ...     q, q, q, E, H, w_in, b_in, None, None, False, 0.0, w_out, b_out)
        >>> out.shape, attn.shape
        (eagergrad.Size([3, 1, 4]), eagergrad.Size([1, 3, 3]))
        >>> kv = eg.randn(5, 1, 6)  # kdim = vdim = 6, plus bias_k/bias_v and a zero attention
        >>> out, attn = eg.nn.functional.multi_head_attention_forward(
        ...     q, kv, kv, E, H, None, b_in, eg.randn(1, 1, E), eg.randn(1, 1, E), True, 0.0,
        ...     w_out, b_out, use_separate_proj_weight=True, q_proj_weight=eg.randn(E, E),
        ...     k_proj_weight=eg.randn(E, 6), v_proj_weight=eg.randn(E, 6))
        >>> out.shape, attn.shape
        (eagergrad.Size([3, 1, 4]), eagergrad.Size([1, 3, 7]))
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:  # (L, E): run with a batch of one, squeezed again at the end
        query, key, value = _map_qkv(lambda t: reshape(t, (t.shape[0], 1, t.shape[1])),
                                     query, key, value)
        if key_padding_mask is not None:
            key_padding_mask = reshape(key_padding_mask, (1, -1))
    L, N, E = query.shape
    S, h = key.shape[0], num_heads
    kpm = _mha_mask(key_padding_mask, "key_padding_mask", query)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask."
        )
    # NOTE: torch hands the is_causal hint to scaled_dot_product_attention (dropping the
    # mask) only when no key_padding_mask is merged in and no weights are returned.
    causal = is_causal and kpm is None and not need_weights
    mask = None if causal else _mha_mask(attn_mask, "attn_mask", query)
    if E != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {E}"
        )
    hd = E // h
    if hd * h != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {h}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            size = type(key.shape)  # torch prints Size([S, N]) here
            raise AssertionError(
                f"key's sequence and batch dims {size(key.shape[:2])} do not match value's "
                f"{size(value.shape[:2])}"
            )
        q, k, v = _in_projection_separate(
            query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias, h
        )
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, h)
    if mask is not None:
        mask = _mha_attn_mask_4d(mask, L, S, N, h)
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k, v = _append_kv(k, v, _split_heads(bias_k, 1, h), _split_heads(bias_v, 1, h))
        mask, kpm = _pad_masks(mask, kpm)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    if static_k is not None:
        k = _static_heads(static_k, "static_k", N, h, hd)
    if static_v is not None:
        v = _static_heads(static_v, "static_v", N, h, hd)
    if add_zero_attn:
        xp = k._device.xp
        zk = _const(xp.zeros((1, h, 1, hd), dtype=k._data.dtype), k)
        zv = _const(xp.zeros((1, h, 1, hd), dtype=v._data.dtype), v)
        k, v = _append_kv(k, v, zk, zv)
        mask, kpm = _pad_masks(mask, kpm)
    S = k.shape[2]  # after bias_k, static_k and the zero attention
    if kpm is not None:
        if kpm.shape[0] != N:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {N}, but got "
                                 f"{kpm.shape[0]}")
        if kpm.shape[1] != S:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {S}, but got "
                                 f"{kpm.shape[1]}")
        kpm = reshape(kpm, (N, 1, 1, S))
        mask = kpm if mask is None else add(mask, kpm)
    # NOTE: without weights torch runs scaled_dot_product_attention, whose fully masked rows
    # give zeros; with weights it runs a plain softmax, whose fully masked rows give nan.
    weights = _attention_weights(q, k, mask, causal, None, safe=not need_weights)
    if dropout_p > 0.0 and training:
        weights = dropout(weights, dropout_p, True)
    out = matmul(weights, v)  # (N, h, L, hd)
    out = reshape(_ops.permute(out, (2, 0, 1, 3)), (L, N, E))
    out = linear(out, out_proj_weight, out_proj_bias)
    if not batched:
        out = reshape(out, (L, E))
    if not need_weights:
        return out, None
    if average_attn_weights:
        weights = div(_sum(weights, 1), h)
    if not batched:
        weights = reshape(weights, weights.shape[1:])
    return out, weights


def _map_qkv(fn, query, key, value):
    """(fn(query), fn(key), fn(value)), keeping ``query is key`` / ``key is value`` true so
    the packed self-attention projection still applies (torch's MultiheadAttention does the
    same for batch_first)."""
    q = fn(query)
    k = q if key is query else fn(key)
    v = k if value is key else (q if value is query else fn(value))
    return q, k, v


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """torch's _mha_shape_check: True for batched (3-D) inputs, False for unbatched (2-D)."""
    if query.dim() not in (2, 3):
        raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor")
    batched = query.dim() == 3
    kind, nd = ("batched (3-D)", 3) if batched else ("unbatched (2-D)", 2)
    if key.dim() != nd or value.dim() != nd:
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {nd}-D but found "
            f"{key.dim()}-D and {value.dim()}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.dim() != nd - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or {nd - 1}-D but "
            f"found {key_padding_mask.dim()}-D tensor instead"
        )
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(
                f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.dim()}-D tensor instead"
            )
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
            )
    return batched


def _mha_mask(mask, name: str, like: Tensor):
    """torch's _canonical_mask: a bool (True = masked) or float mask as an additive float
    mask in ``like``'s dtype, or None."""
    if mask is None:
        return None
    if mask._data.dtype.kind not in "bf":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return _mask_to_additive(_invert_bool(mask), like)


def _mha_attn_mask_4d(mask: Tensor, L: int, S: int, N: int, h: int) -> Tensor:
    """attn_mask (L, S) or (N * h, L, S), checked as torch does, as (1, 1, L, S) or
    (N, h, L, S) to broadcast against the (N, h, L, S) scores."""
    if mask.ndim == 2:
        if tuple(mask.shape) != (L, S):
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {mask.shape}, but should be {(L, S)}."
            )
        return reshape(mask, (1, 1, L, S))
    if mask.ndim == 3:
        if tuple(mask.shape) != (N * h, L, S):
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {mask.shape}, but should be {(N * h, L, S)}."
            )
        return reshape(mask, (N, h, L, S))
    raise RuntimeError(f"attn_mask's dimension {mask.ndim} is not supported")


def _pad_masks(mask, kpm):
    """One more attendable (zero) key column on each additive mask, for a key appended by
    bias_k or add_zero_attn (torch's ``pad(mask, (0, 1))``)."""
    if mask is not None:
        mask = _ops.cat([mask, _const(mask._device.xp.zeros(
            mask.shape[:-1] + (1,), dtype=mask._data.dtype), mask)], -1)
    if kpm is not None:
        kpm = _ops.cat([kpm, _const(kpm._device.xp.zeros(
            (kpm.shape[0], 1), dtype=kpm._data.dtype), kpm)], -1)
    return mask, kpm


def _append_kv(k, v, extra_k, extra_v):
    """k, v (N, h, S, hd) with one more key/value per head, ``extra_*`` (1, h, 1, hd) shared
    over the batch."""
    N = k.shape[0]
    k = _ops.cat([k, _ops.expand(extra_k, (N, -1, -1, -1))], 2)
    v = _ops.cat([v, _ops.expand(extra_v, (N, -1, -1, -1))], 2)
    return k, v


def _split_heads(t: Tensor, N: int, h: int) -> Tensor:
    """(n, N, E) (or anything with N * E elements per position) -> (N, h, n, E // h)."""
    n = t.shape[0]
    return _ops.permute(reshape(t, (n, N, h, -1)), (1, 2, 0, 3))


def _static_heads(t: Tensor, name: str, N: int, h: int, hd: int) -> Tensor:
    """static_k / static_v (N * h, S, hd), checked as torch does, as (N, h, S, hd)."""
    if t.shape[0] != N * h:
        raise AssertionError(f"expecting {name}.size(0) of {N * h}, but got {t.shape[0]}")
    if t.shape[2] != hd:
        raise AssertionError(f"expecting {name}.size(2) of {hd}, but got {t.shape[2]}")
    return reshape(t, (N, h, t.shape[1], hd))


def _in_projection(query, key, value, w, b, h):
    """q, k, v projected and split into heads: each (N, h, len, E // h).

    Self-attention (query is key is value) uses one matmul with the packed (3E, E) weight.
    """
    L, N, E = query.shape
    hd = E // h
    if query is key and key is value:
        qkv = reshape(linear(query, w, b), (L, N, 3, h, hd))
        return _ops.unbind(_ops.permute(qkv, (2, 1, 3, 0, 4)), 0)
    bq = bk = bv = None
    if b is not None:
        bq, bk, bv = (b[i * E : (i + 1) * E] for i in range(3))
    wq, wk, wv = (w[i * E : (i + 1) * E] for i in range(3))
    return (
        _split_heads(linear(query, wq, bq), N, h),
        _split_heads(linear(key, wk, bk), N, h),
        _split_heads(linear(value, wv, bv), N, h),
    )


def _in_projection_separate(query, key, value, wq, wk, wv, b, h):
    """q, k, v projected with separate (E, E), (E, kdim), (E, vdim) weights (torch's
    _in_projection, with its shape checks) and split into heads: each (N, h, len, E // h)."""
    for name, w in (("q", wq), ("k", wk), ("v", wv)):
        if w is None:
            raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
    Eq, Ek, Ev = query.shape[-1], key.shape[-1], value.shape[-1]
    bq = bk = bv = None
    if b is not None:
        bq, bk, bv = _ops.chunk(b, 3)
    for role, w, want, bias in (
        ("query", wq, (Eq, Eq), bq),
        ("key", wk, (Eq, Ek), bk),
        ("value", wv, (Eq, Ev), bv),
    ):
        if tuple(w.shape) != want:
            raise AssertionError(f"expecting {role} weights shape of {want}, but got {w.shape}")
        if bias is not None and tuple(bias.shape) != (Eq,):
            raise AssertionError(
                f"expecting {role} bias shape of {(Eq,)}, but got {bias.shape}"
            )
    N = query.shape[1]
    return (
        _split_heads(linear(query, wq, bq), N, h),
        _split_heads(linear(key, wk, bk), N, h),
        _split_heads(linear(value, wv, bv), N, h),
    )


def _invert_bool(mask: Tensor) -> Tensor:
    """nn.MultiheadAttention's bool masks mark positions *not* allowed (True = masked)."""
    if mask._data.dtype.kind == "b":
        return _const(~mask._data, mask)
    return mask


# --- losses -------------------------------------------------------------------------------------
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        return div(_sum(loss), max(loss._data.size, 0) or float("nan"))
    if reduction == "sum":
        return _sum(loss)
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _weighted(loss: Tensor, weight, input, reduction: str, mean_by_weight: bool):  # noqa: A002
    """torch's weighted regression losses: 'mean' divides by sum(weight) (mse, l1) or by the
    number of elements (huber)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = mul(loss, weight)
    if reduction == "mean" and mean_by_weight:
        return div(_sum(loss), _sum(weight))
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'."
        )
    return _reduce(loss, reduction)


def _check_target_shape(name, input, target):  # noqa: A002
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,  # noqa: A002
    reduction: str = "mean",
    weight=None,
) -> Tensor:
    """Mean squared error ``(input - target)**2`` reduced. Derivative: 2 * (input - target).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.mse_loss(eg.tensor([1.0, 3.0]), eg.tensor([0.0, 0.0]))
        tensor(5.)
    """
    _check_target_shape("mse_loss", input, target)
    d = sub(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted(mul(d, d), weight, input, reduction, True)
    return _reduce(mul(d, d), reduction)


def _abs_parts(d: Tensor):
    """|d| as d * sign(d) (sign constant: gradient sign(d), 0 at 0 as torch)."""
    return mul(d, _const(d._device.xp.sign(d._data), d))


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,  # noqa: A002
    reduction: str = "mean",
    weight=None,
) -> Tensor:
    """Mean absolute error. Derivative: sign(input - target) (0 where equal).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.l1_loss(eg.tensor([1.0, -3.0]), eg.tensor([0.0, 0.0]))
        tensor(2.)
    """
    _check_target_shape("l1_loss", input, target)
    loss = _abs_parts(sub(input, target))
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted(loss, weight, input, reduction, True)
    return _reduce(loss, reduction)


def _piecewise_quadratic(d: Tensor, beta: float, quad_scale: float, lin_scale: float):
    """quad_scale * d**2 where |d| < beta, lin_scale * (|d| - 0.5 * beta) elsewhere."""
    small = _const((abs(d._data) < beta).astype(d._data.dtype), d)
    quad = mul(mul(d, d), quad_scale)
    lin = mul(sub(_abs_parts(d), 0.5 * beta), lin_scale)
    return add(mul(quad, small), mul(lin, sub(1.0, small)))


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,  # noqa: A002
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 * d**2 / beta where |d| < beta, else |d| - 0.5 * beta (d = input - target).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.smooth_l1_loss(eg.tensor([0.5, 3.0]), eg.zeros(2), reduction="sum")
        tensor(2.6250)
    """
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _check_target_shape("smooth_l1_loss", input, target)
    d = sub(input, target)
    red = _legacy_reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return _reduce(_abs_parts(d), red)
    return _reduce(_piecewise_quadratic(d, beta, 0.5 / beta, 1.0), red)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",  # noqa: A002
    delta: float = 1.0,
    weight=None,
) -> Tensor:
    """0.5 * d**2 where |d| < delta, else delta * (|d| - 0.5 * delta) (d = input - target).

    Derivative w.r.t. input: clamp(d, -delta, delta), scaled by 1 / N for ``'mean'``.

    Example:
        >>> import eagergrad as eg
        >>> F = eg.nn.functional
        >>> F.huber_loss(eg.tensor([1.0, 4.0]), eg.zeros(2), reduction='none', delta=2.0)
        tensor([0.5000, 6.0000])
    """
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check_target_shape("huber_loss", input, target)
    loss = _piecewise_quadratic(sub(input, target), delta, 0.5, delta)
    if weight is not None:
        return _weighted(loss, weight, input, reduction, False)
    return _reduce(loss, reduction)


def _class_target_prep(name, input, target):  # noqa: A002
    """Returns (x with class dim at 1, target array, squeeze flag) for class-index losses."""
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError(f"{name}: 1D input expects a 0-D target, got {list(target.shape)}")
        return reshape(input, (1, input.shape[0])), target._data.reshape(1), True
    if input.ndim < 1 or target.shape[0] != input.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.ndim else 0})."
        )
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    return input, target._data, False


class _ClassLossBase(Op):
    """Shared reduction logic of the fused class-index losses (see NOTE [class losses])."""

    @staticmethod
    def _weights(ctx, x, target, weight, ignore_index):
        xp = ctx.xp
        c = x.shape[1]
        valid = target != ignore_index
        t = xp.where(valid, target, 0)
        if t.size:
            # Deferred on a GPU, where the gather below wraps out-of-range targets meanwhile.
            _backend.check(xp, _backend.outside(t, 0, c), lambda: IndexError(
                f"Target {int(t.min()) if t.min() < 0 else int(t.max())} is out of bounds."))
        w = weight[t] * valid if weight is not None else valid
        return t, valid, w.astype(x.dtype, copy=False)

    @staticmethod
    def _reduce(ctx, xp, loss, w, reduction):
        ctx.reduction = reduction
        if reduction == "none":
            return loss
        total = loss.sum()
        if reduction == "sum":
            return total
        denom = w.sum()
        ctx.denom = denom
        # Every target ignored: total and denom are both 0, and 0 / 0 is torch's nan.
        return quiet_call(xp, xp.true_divide, total, denom).astype(loss.dtype, copy=False)

    @staticmethod
    def _grad_scale(ctx, grad: Tensor, like_ndim: int):
        """The upstream gradient shaped to broadcast over (N, C, ...), mean's 1/denom folded."""
        if ctx.reduction == "none":
            shape = list(grad.shape)
            shape.insert(1, 1)
            return reshape(grad, tuple(shape))
        if ctx.reduction == "mean":
            xp, ok = ctx.xp, ctx.denom != 0  # decided on the device: no read back
            inv = xp.where(ok, 1.0 / xp.where(ok, ctx.denom, 1), 0.0)
            return mul(grad, _const(xp.asarray(inv, dtype=grad._data.dtype), grad))
        return grad


# NOTE [class losses]: cross_entropy and nll_loss with class-index targets are fused ops. For a
# row with target t, weight w_t (0 when ignored) and smoothing eps over C classes:
#   loss = (1 - eps) * w_t * (-logp_t) + (eps / C) * valid * sum_c w_c * (-logp_c)
#   d loss / d x = p * a - b,  a = (1 - eps) * w_t + (eps / C) * valid * sum_c w_c,
#                              b = (1 - eps) * w_t * onehot(t) + (eps / C) * valid * w
# 'mean' divides by sum(w_t) (torch's weighted mean, smoothing included); when that is 0 the loss
# is nan and the gradient 0. p = softmax(x) is recomputed in backward with the differentiable
# Softmax op, so second derivatives are correct.
class CrossEntropy(_ClassLossBase):
    """Fused log_softmax + nll_loss over dim 1 (see NOTE [class losses])."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        xp = ctx.xp
        s = x - x.max(axis=1, keepdims=True)
        logp = s - xp.log(xp.exp(s).sum(axis=1, keepdims=True))
        t, valid, w = _ClassLossBase._weights(ctx, x, target, weight, ignore_index)
        loss = -xp.take_along_axis(logp, t[:, None], axis=1)[:, 0] * w
        eps = label_smoothing
        if eps > 0:
            c = x.shape[1]
            wv = weight.reshape((1, c) + (1,) * (x.ndim - 2)) if weight is not None else 1.0
            smooth = -(logp * wv).sum(axis=1) * valid
            loss = loss * (1 - eps) + smooth * (eps / c)
        ctx.t, ctx.valid, ctx.w, ctx.weight, ctx.eps = t, valid, w, weight, eps
        ctx.save_for_backward(x)
        return _ClassLossBase._reduce(ctx, xp, loss.astype(x.dtype, copy=False), w, reduction)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp, dt = ctx.xp, x._data.dtype
        c, nd = x.shape[1], x.ndim
        bshape = (1, c) + (1,) * (nd - 2)
        eps = ctx.eps
        onehot = (xp.arange(c).reshape(bshape) == ctx.t[:, None]).astype(dt)
        a = ctx.w * (1 - eps)
        b = onehot * a[:, None]
        if eps > 0:
            wvec = ctx.weight if ctx.weight is not None else xp.ones(c, dtype=dt)
            v = ctx.valid.astype(dt) * (eps / c)
            a = a + v * wvec.sum()
            b = b + v[:, None] * wvec.reshape(bshape)
        p = _ops.softmax(x, 1)
        g = _ClassLossBase._grad_scale(ctx, grad, nd)
        return mul(g, sub(mul(p, _const(a[:, None].astype(dt), x)), _const(b.astype(dt), x)))


class NllLoss(_ClassLossBase):
    """-w_t * x[t] over dim 1. Gradient: -w_t at the target, 0 elsewhere (linear in x)."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xp = ctx.xp
        t, valid, w = _ClassLossBase._weights(ctx, x, target, weight, ignore_index)
        loss = -xp.take_along_axis(x, t[:, None], axis=1)[:, 0] * w
        ctx.t, ctx.w, ctx.shape = t, w, x.shape
        return _ClassLossBase._reduce(ctx, xp, loss.astype(x.dtype, copy=False), w, reduction)

    @staticmethod
    def backward(ctx, grad):
        xp, dt = ctx.xp, grad._data.dtype
        c, nd = ctx.shape[1], len(ctx.shape)
        bshape = (1, c) + (1,) * (nd - 2)
        onehot = (xp.arange(c).reshape(bshape) == ctx.t[:, None]).astype(dt)
        b = onehot * (-ctx.w[:, None]).astype(dt)
        g = _ClassLossBase._grad_scale(ctx, grad, nd)
        return mul(g, _const(b, grad))


def _check_weight(weight, c, name):
    if weight is None:
        return None
    if weight.ndim != 1 or weight.shape[0] != c:
        raise RuntimeError(
            f"{name}: weight tensor should be defined either for all {c} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}"
        )
    return weight._data


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,  # noqa: A002
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between logits ``input`` (N, C, d1, ...) and class indices or
    class probabilities ``target``.

    Class indices: one fused log_softmax + nll op, stable for logits of +-1e4, with
    ``weight`` (per class), ``ignore_index`` and ``label_smoothing``. 'mean' divides by the
    sum of the weights of the non-ignored targets (nan, with zero gradient, if all are ignored).
    Probabilities (float target, same shape as input): ``-sum(w * target * log_softmax)``,
    'mean' dividing by the number of rows.

    Derivative (indices, no smoothing): w_t * (softmax(input) - onehot(target)).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.cross_entropy(eg.tensor([[0.0, 0.0]]), eg.tensor([1]))
        tensor(0.6931)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x = _float(input)
    _same_device(x, target, weight)
    c = x.shape[1] if x.ndim > 1 else x.shape[0]
    w = _check_weight(weight, c, "cross_entropy")
    if target._data.dtype.kind == "f":
        return _cross_entropy_probs(x, target, weight, reduction, label_smoothing)
    x2, t, squeeze = _class_target_prep("cross_entropy", x, target)
    out = CrossEntropy.apply(
        x2,
        target=t,
        weight=w,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    return reshape(out, ()) if squeeze and reduction == "none" else out


def _cross_entropy_probs(x, target, weight, reduction, eps):
    if target.shape != x.shape:
        raise RuntimeError(
            f"cross_entropy: expected a probability target of the input's shape "
            f"{list(x.shape)}, got {list(target.shape)}"
        )
    cdim = 1 if x.ndim > 1 else 0
    c = x.shape[cdim]
    if eps > 0:
        target = add(mul(target, 1 - eps), eps / c)
    logp = _ops.log_softmax(x, cdim)
    prod = mul(logp, target)
    if weight is not None:
        prod = mul(prod, reshape(weight, (c,) + (1,) * (x.ndim - cdim - 1)))
    loss = neg(_sum(prod, cdim))
    if reduction == "mean":
        n = x._data.size // c
        return div(_sum(loss), n) if n else div(_sum(loss), float("nan"))
    return _reduce(loss, reduction)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,  # noqa: A002
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of log-probabilities ``input`` (N, C, d1, ...) at class
    indices ``target``; 'mean' divides by the sum of the weights of non-ignored targets.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.nll_loss(eg.tensor([[-1.0, -2.0]]), eg.tensor([1]))
        tensor(2.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    x = _float(input)
    _same_device(x, target, weight)
    c = x.shape[1] if x.ndim > 1 else x.shape[0]
    w = _check_weight(weight, c, "nll_loss")
    x2, t, squeeze = _class_target_prep("nll_loss", x, target)
    out = NllLoss.apply(x2, target=t, weight=w, ignore_index=ignore_index, reduction=reduction)
    return reshape(out, ()) if squeeze and reduction == "none" else out


class BinaryCrossEntropy(Op):
    """-(t * log(x) + (1 - t) * log(1 - x)) with the logs clamped at -100 (torch).

    Gradient: grad * (x - t) / max(x * (1 - x), 1e-12) for x; grad * (log(1-x) - log(x)) for
    t. The backward is a dedicated formula (once_differentiable).
    """

    once_differentiable = True

    @staticmethod
    def forward(ctx, x, t):
        xp = ctx.xp
        logx = xp.where(x > 0, xp.maximum(xp.log(xp.where(x > 0, x, 1)), -100.0), -100.0)
        log1mx = xp.where(x < 1, xp.maximum(xp.log(xp.where(x < 1, 1 - x, 1)), -100.0), -100.0)
        ctx.arrays = (x, t, logx, log1mx)
        return (-(t * logx + (1 - t) * log1mx)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, t, logx, log1mx = ctx.arrays
        xp = ctx.xp
        need_x, need_t = ctx.needs_input_grad
        gx = gt = None
        if need_x:
            gx = mul(grad, _const(((x - t) / xp.maximum(x * (1 - x), 1e-12)).astype(x.dtype), grad))
        if need_t:
            gt = mul(grad, _const((log1mx - logx).astype(x.dtype), grad))
        return gx, gt


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,  # noqa: A002
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross entropy of probabilities ``input`` in [0, 1] (logs clamped at -100).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.binary_cross_entropy(eg.tensor([0.5]), eg.tensor([1.0]))
        tensor(0.6931)
    """
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    x = _float(input)
    data = x._data
    if data.size:
        _backend.check(x._device.xp, (data.min() < 0) | (data.max() > 1), lambda: RuntimeError(
            "all elements of input should be between 0 and 1"))
    loss = BinaryCrossEntropy.apply(x, target.to(x.dtype))
    if weight is not None:
        loss = mul(loss, weight)
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,  # noqa: A002
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid + binary cross entropy in one stable formula:
    ``(1 - t) * x + (1 + (pos_weight - 1) * t) * softplus(-x)``, times ``weight``.

    Never overflows (logits of +-1e4 are fine). Derivative:
    ``(1 - t) - (1 + (pos_weight - 1) * t) * sigmoid(-x)`` (``sigmoid(x) - t`` without pos_weight).

    Example:
        >>> import eagergrad as eg
        >>> F = eg.nn.functional
        >>> F.binary_cross_entropy_with_logits(eg.tensor([1e4, -1e4]), eg.tensor([1.0, 0.0]))
        tensor(0.)
    """
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    x = _float(input)
    t = target.to(x.dtype)
    sp = Softplus.apply(neg(x), beta=1.0, threshold=float("inf"))
    if pos_weight is not None:
        lw = add(mul(sub(pos_weight, 1.0), t), 1.0)
        sp = mul(sp, lw)
    loss = add(mul(sub(1.0, t), x), sp)
    if weight is not None:
        loss = mul(loss, weight)
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction))


class XlogX(Op):
    """t * log(t), 0 where t == 0. Gradient: grad * (log(t) + 1) where t > 0."""

    @staticmethod
    def forward(ctx, t):
        xp = ctx.xp
        pos = t > 0
        logt = xp.log(xp.where(pos, t, 1))
        ctx.slope = xp.where(pos, logt + 1, 0).astype(t.dtype)
        return xp.where(pos, t * logt, 0).astype(t.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return mul(grad, _const(ctx.slope, grad))


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,  # noqa: A002
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL divergence with ``input`` as log-probabilities: ``target * (log(target) - input)``
    (``exp(target) * (target - input)`` when ``log_target``). ``reduction='batchmean'``
    divides the sum by the batch size (the mathematically correct KL).

    Example:
        >>> import eagergrad as eg
        >>> p = eg.tensor([[0.5, 0.5]])
        >>> eg.nn.functional.kl_div(p.log(), p, reduction="batchmean")
        tensor(0.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_target:
        loss = mul(exp(target), sub(target, input))
    else:
        loss = sub(XlogX.apply(target), mul(target, input))
    if reduction == "batchmean":
        total = _sum(loss)
        return div(total, input.shape[0]) if input.ndim else total
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    return _reduce(loss, reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1.

    Example:
        >>> import eagergrad as eg
        >>> x1 = eg.tensor([[1.0, 0.0], [1.0, 0.0]])
        >>> x2 = eg.tensor([[0.0, 1.0], [1.0, 0.0]])
        >>> eg.nn.functional.cosine_embedding_loss(x1, x2, eg.tensor([1, -1]))
        tensor(1.)
    """
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-12)
    t = target._data
    pos = _const((t == 1).astype(cos._data.dtype), cos)
    negm = (t == -1) & (cos._data - margin > 0)
    negt = _const(negm.astype(cos._data.dtype), cos)
    loss = add(mul(sub(1.0, cos), pos), mul(sub(cos, margin), negt))
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction))


# Convolution, pooling, pad, interpolate, unfold, fold live in _ops/conv.py (another module's
# owner); they are re-exported here as their names land there.
from .._ops import conv as _conv  # noqa: E402
from .._ops.conv import *  # noqa: E402,F401,F403

__all__ += [n for n in getattr(_conv, "__all__", []) if n not in __all__]
