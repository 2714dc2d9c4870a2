"""Convolution, pooling, padding, interpolation, unfold/fold (the ``F.*`` names of torch).

See NOTE [Convolution layout] for how convolutions are computed.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy

from .._backend import as_strided, index_add, may_hold
from .._tensor import Tensor
from ._base import Op

__all__ = [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "pad", "interpolate", "upsample", "unfold", "fold",
]

# NOTE [Convolution layout]
# Every convolution is one matrix product per group. The input is copied once into a zero-padded
# channel-major buffer (C, N, Hp, Wp); a strided view of it with shape (C, kh, kw, N, Ho, Wo) is
# the transposed im2col matrix (K = C*kh*kw rows, M = N*Ho*Wo columns), and one reshape copies it
# into a contiguous (K, M) matrix (runs of Wo elements) for a single GEMM with the weight, which
# is already a (Cout, K) matrix without any copy. The GEMM output (Cout, N, Ho, Wo) goes back to
# contiguous NCHW in the pass that adds the bias; every transpose here moves whole rows or
# planes, never single elements, and every tensor a user sees is contiguous (``.view`` works as
# in torch). The three products of a convolution are three ops whose backwards are each other:
#   Conv2d(x, w)            y  = conv(x, w)
#   ConvTranspose2d(g, w)   gx = conv^T(g, w)   (gradient of conv w.r.t. x)
#   Conv2dWeight(x, g)      gw = corr(x, g)     (gradient of conv w.r.t. w)
# so double backward comes for free. conv^T scatters its (K, M) product back by looping over the
# kh*kw kernel offsets and adding shifted strided slices (no np.add.at, no loop over pixels).
# The im2col matrix of the forward is kept on the node and reused by the weight gradient.

# pad = (top, bottom, left, right): asymmetric for padding='same' with an even kernel.
_ConvParams = namedtuple("_ConvParams", "stride pad dilation groups")


# --- array kernels (channel-major GEMM) ---------------------------------------------------------
def _pad_cnhw(xp, x, pad):
    """x (N, C, H, W) -> zero-padded channel-major copy (C, N, H + pt + pb, W + pl + pr)."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = pad
    out = xp.zeros((c, n, h + pt + pb, w + pl + pr), dtype=x.dtype)
    out[:, :, pt:pt + h, pl:pl + w] = x.transpose(1, 0, 2, 3)
    return out


def _im2col(xp, x, kernel, out_hw, p):
    """The transposed im2col matrix of x (N, C, H, W): (G, C/G * kh * kw, N * Ho * Wo)."""
    xpad = _pad_cnhw(xp, x, p.pad)
    c, n = xpad.shape[:2]
    (kh, kw), (ho, wo), (sh, sw), (dh, dw), g = kernel, out_hw, p.stride, p.dilation, p.groups
    s0, s1, s2, s3 = xpad.strides
    cg = c // g
    view = as_strided(xp, xpad, (g, cg, kh, kw, n, ho, wo),
                      (s0 * cg, s0, s2 * dh, s3 * dw, s1, s2 * sh, s3 * sw))
    return view.reshape(g, cg * kh * kw, n * ho * wo)


def _grad_matrix(xp, g, groups):
    """g (N, Cout, Ho, Wo) -> channel-major (G, Cout/G, N * Ho * Wo)."""
    n, co, ho, wo = g.shape
    return xp.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(groups, co // groups, -1)


def _to_nchw(xp, y, n, b):
    """Channel-major (C, N, H, W) -> contiguous (N, C, H, W), adding the bias in the same pass."""
    out = xp.ascontiguousarray(y.transpose(1, 0, 2, 3))
    if b is not None:
        out += b.reshape(-1, 1, 1)  # NOTE: faster than one add(out=) from the transposed view
    return out


def _conv_forward(xp, x, w, b, p, cols=None, out_hw=None):
    """conv(x, w) + b as arrays; returns (y, im2col matrix).

    ``out_hw`` crops the output (the adjoint of a transposed conv whose output_padding >= stride).
    """
    n, _, h, wd = x.shape
    co, cg, kh, kw = w.shape
    ho, wo = out_hw or _conv_out_hw((h, wd), (kh, kw), p)
    if cols is None:
        cols = _im2col(xp, x, (kh, kw), (ho, wo), p)
    g = p.groups
    y = xp.matmul(w.reshape(g, co // g, cg * kh * kw), cols)  # (G, Cout/G, M)
    return _to_nchw(xp, y.reshape(co, n, ho, wo), n, b), cols


def _conv_transpose_forward(xp, g, w, b, p, out_hw):
    """conv^T(g, w) (+ b): the gradient of conv w.r.t. an input of spatial size ``out_hw``."""
    n, _, ho, wo = g.shape
    c_in, cg, kh, kw = w.shape  # conv's weight: (C_conv_out, C_conv_in / G, kh, kw)
    groups = p.groups
    wm = w.reshape(groups, c_in // groups, cg * kh * kw)
    gcols = xp.matmul(wm.swapaxes(1, 2), _grad_matrix(xp, g, groups))  # (G, Cg*kh*kw, M)
    gcols = gcols.reshape(groups * cg, kh, kw, n, ho, wo)
    h, wd = out_hw
    pt, pb, pl, pr = p.pad
    (sh, sw), (dh, dw) = p.stride, p.dilation
    # The padded buffer must hold every window even when output_padding added rows.
    hp = max(h + pt + pb, (ho - 1) * sh + (kh - 1) * dh + 1)
    wp = max(wd + pl + pr, (wo - 1) * sw + (kw - 1) * dw + 1)
    gx = xp.zeros((groups * cg, n, hp, wp), dtype=gcols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
        for j in range(kw):
            gx[:, :, rows, j * dw:j * dw + (wo - 1) * sw + 1:sw] += gcols[:, i, j]
    return _to_nchw(xp, gx[:, :, pt:pt + h, pl:pl + wd], n, b)


def _conv_weight_forward(xp, x, g, p, kernel, cols=None):
    """corr(x, g): the gradient of conv w.r.t. its weight, shaped (Cout, C/G, kh, kw)."""
    n, co, ho, wo = g.shape
    if cols is None:
        cols = _im2col(xp, x, kernel, (ho, wo), p)
    gw = xp.matmul(_grad_matrix(xp, g, p.groups), cols.swapaxes(1, 2))  # (G, Cout/G, K/G)
    return gw.reshape((co, x.shape[1] // p.groups) + tuple(kernel))


def _conv_out_hw(hw, kernel, p):
    return tuple(
        (hw[i] + p.pad[2 * i] + p.pad[2 * i + 1] - p.dilation[i] * (kernel[i] - 1) - 1)
        // p.stride[i] + 1
        for i in range(2)
    )


# --- convolution ops ----------------------------------------------------------------------------
class Conv2d(Op):
    """y = conv2d(x, w) + b (cross-correlation, NCHW).

    Gradient: x <- conv_transpose2d(grad, w); w <- corr(x, grad); b <- grad.sum((0, 2, 3)).
    """

    @staticmethod
    def forward(ctx, x, w, b=None, *, p, cols=None, out_hw=None):
        ctx.p, ctx.in_hw, ctx.kernel = p, x.shape[2:], w.shape[2:]
        ctx.save_for_backward(x, w)
        y, ctx.cols = _conv_forward(ctx.xp, x, w, b, p, cols, out_hw)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        grad_x = ConvTranspose2d.apply(grad, w, p=ctx.p, out_hw=ctx.in_hw) if need[0] else None
        grad_w = Conv2dWeight.apply(x, grad, p=ctx.p, kernel=ctx.kernel, cols=ctx.cols) if (
            need[1]) else None
        ctx.cols = None  # free it now; a retained graph's second backward recomputes it
        if len(need) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (_bias_grad(grad) if need[2] else None)


class ConvTranspose2d(Op):
    """y = conv_transpose2d(x, w) + b: the adjoint of conv2d(., w) for an output of ``out_hw``.

    Gradient: x <- conv2d(grad, w); w <- corr(grad, x); b <- grad.sum((0, 2, 3)).
    """

    @staticmethod
    def forward(ctx, x, w, b=None, *, p, out_hw):
        ctx.p, ctx.kernel, ctx.in_hw = p, w.shape[2:], x.shape[2:]
        ctx.save_for_backward(x, w)
        return _conv_transpose_forward(ctx.xp, x, w, b, p, out_hw)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        grad_x = Conv2d.apply(grad, w, p=ctx.p, out_hw=ctx.in_hw) if need[0] else None
        grad_w = Conv2dWeight.apply(grad, x, p=ctx.p, kernel=ctx.kernel) if need[1] else None
        if len(need) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (_bias_grad(grad) if need[2] else None)


class Conv2dWeight(Op):
    """gw = corr(x, g): conv2d's gradient w.r.t. its weight (linear in x and in g).

    Gradient: x <- conv_transpose2d(g, grad); g <- conv2d(x, grad).
    """

    @staticmethod
    def forward(ctx, x, g, *, p, kernel, cols=None):
        ctx.p, ctx.in_hw, ctx.g_hw = p, x.shape[2:], g.shape[2:]
        ctx.save_for_backward(x, g)
        return _conv_weight_forward(ctx.xp, x, g, p, kernel, cols)

    @staticmethod
    def backward(ctx, grad):
        x, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        grad_x = ConvTranspose2d.apply(g, grad, p=ctx.p, out_hw=ctx.in_hw) if need[0] else None
        grad_g = Conv2d.apply(x, grad, p=ctx.p, out_hw=ctx.g_hw) if need[1] else None
        return grad_x, grad_g


def _bias_grad(grad: Tensor) -> Tensor:
    from .reduction import sum as _sum

    return _sum(grad, (0, 2, 3))


# --- argument checks shared by the wrappers ---------------------------------------------------
def _ntuple(value, n, name="", conv_name=None):
    if isinstance(value, (tuple, list)):
        if len(value) == 1 and n > 1 and conv_name is None:
            value = tuple(value) * n
        if len(value) != n:
            if conv_name is not None:
                raise RuntimeError(
                    f"expected {name} to be a single integer value or a list of {n} values to "
                    f"match the convolution dimensions, but got {name}={list(value)}"
                )
            raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _check_conv_input(name, x: Tensor, dims: int):
    nd = x._data.ndim
    if nd not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {name}, but got "
            f"input of size: {list(x.shape)}"
        )
    return nd == dims + 1


def _check_conv_weight(x, w, b, groups, transposed, stride=1):
    xs, ws = list(x.shape), list(w.shape)
    if w._data.ndim != x._data.ndim:
        # NOTE: torch derives the spatial dims from the weight, so it complains about stride.
        n = len(xs) - 2
        stride = list(stride) if isinstance(stride, (tuple, list)) else [stride] * n
        raise RuntimeError(
            f"expected stride to be a single integer value or a list of {len(ws) - 2} values to "
            f"match the convolution dimensions, but got stride={stride}"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if transposed:
        if xs[1] != ws[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {ws}, expected input{xs} to have {ws[0]} "
                f"channels, but got {xs[1]} channels instead"
            )
        if ws[0] % groups:
            raise RuntimeError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
                f"0, but got weight of size [{ws}] instead"  # NOTE: torch prints [[...]]
            )
        out_c = ws[1] * groups
    else:
        if ws[0] % groups:
            raise RuntimeError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
                f"0, but got weight of size [{ws}] instead"  # NOTE: torch prints [[...]]
            )
        if xs[1] != ws[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {ws}, expected input{xs} to have "
                f"{ws[1] * groups} channels, but got {xs[1]} channels instead"
            )
        out_c = ws[0]
    if b is not None and (b._data.ndim != 1 or b.shape[0] != out_c):
        t = "transposed=1, " if transposed else ""
        raise RuntimeError(
            f"Given {t}weight of size {ws}, expected bias to be 1-dimensional with {out_c} "
            f"elements, but got bias of size {list(b.shape)} instead"
        )
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"expected scalar type {_TYPE_NAMES.get(x._data.dtype.name, ('', ))[0]} "
                           f"but found {_TYPE_NAMES.get(w._data.dtype.name, ('', ))[0]}")
    if b is not None and b._data.dtype != x._data.dtype:
        raise RuntimeError(f"Input type ({_TYPE_NAMES.get(x._data.dtype.name, ('', ''))[1]}) and "
                           f"bias type ({_TYPE_NAMES.get(b._data.dtype.name, ('', ''))[1]}) "
                           "should be the same")


# torch's scalar type names in dtype-mismatch messages.
_TYPE_NAMES = {"float64": ("Double", "double"), "float32": ("Float", "float"),
               "float16": ("Half", "half"), "int64": ("Long", "long"), "int32": ("Int", "int")}


def _conv_params(x, w, stride, padding, dilation, groups, nd, name):
    stride = _ntuple(stride, nd, "stride", name)
    dilation = _ntuple(dilation, nd, "dilation", name)
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    kernel = tuple(w.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0,) * (2 * nd)
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = ()
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                # NOTE: an even kernel puts the extra padding on the right/bottom, as torch does.
                pads += (total // 2, total - total // 2)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = _ntuple(padding, nd, "padding", name)
        if any(q < 0 for q in padding):
            raise RuntimeError("negative padding is not supported")
        pads = tuple(v for q in padding for v in (q, q))
    for i in range(nd):
        padded = x.shape[-nd + i] + pads[2 * i] + pads[2 * i + 1]
        if padded < dilation[i] * (kernel[i] - 1) + 1:
            sizes = " x ".join(str(x.shape[-nd + j] + pads[2 * j] + pads[2 * j + 1])
                               for j in range(nd))
            ks = " x ".join(str(d * (k - 1) + 1) for k, d in zip(kernel, dilation))
            raise RuntimeError(
                f"Calculated padded input size per channel: ({sizes}). Kernel size: ({ks}). "
                "Kernel size can't be greater than actual input size"
            )
    if nd == 1:
        return _ConvParams((1,) + stride, (0, 0) + pads, (1,) + dilation, groups)
    return _ConvParams(stride, pads, dilation, groups)


def _reshape(t: Tensor, shape) -> Tensor:
    from .shape import reshape

    return reshape(t, shape)


# --- convolution wrappers -----------------------------------------------------------------------
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
           padding=0, dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) over an input of shape (N, C, H, W) or (C, H, W).

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_out, C_in / groups, kH, kW).
        bias: optional (C_out,).
        stride: int or (sH, sW).
        padding: int, (pH, pW), ``'valid'`` (no padding) or ``'same'`` (output size = input
            size, stride 1 only; an even kernel pads one more on the bottom/right).
        dilation: int or (dH, dW): spacing between kernel elements.
        groups: split input and output channels into this many independent groups.

    Returns:
        (N, C_out, H_out, W_out) with H_out = (H + 2 pH - dH (kH - 1) - 1) // sH + 1.

    Derivatives: input <- conv_transpose2d(grad, weight), weight <- correlation of input and
    grad, bias <- grad summed over (N, H, W); all of them differentiable again.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.ones(1, 1, 4, 4)
        >>> eg.nn.functional.conv2d(x, eg.ones(2, 1, 3, 3), padding=1).shape
        eagergrad.Size([1, 2, 4, 4])
    """
    unbatched = _check_conv_input("conv2d", input, 2)
    if unbatched:
        input = _reshape(input, (1,) + tuple(input.shape))  # noqa: A001
    _check_conv_weight(input, weight, bias, groups, False, stride)
    p = _conv_params(input, weight, stride, padding, dilation, groups, 2, "conv2d")
    args = (input, weight) if bias is None else (input, weight, bias)
    out = Conv2d.apply(*args, p=p)
    return _reshape(out, tuple(out.shape[1:])) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
           padding=0, dilation=1, groups: int = 1) -> Tensor:
    """1-D convolution over an input of shape (N, C, L) or (C, L).

    Args:
        input: (N, C_in, L) or unbatched (C_in, L).
        weight: (C_out, C_in / groups, k).
        bias: optional (C_out,).
        stride, padding, dilation, groups: as for :func:`conv2d`, with one spatial dim.

    Returns:
        (N, C_out, L_out) with L_out = (L + 2 p - d (k - 1) - 1) // s + 1.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.conv1d(eg.ones(1, 2, 5), eg.ones(3, 2, 3)).shape
        eagergrad.Size([1, 3, 3])
    """
    unbatched = _check_conv_input("conv1d", input, 1)
    if unbatched:
        input = _reshape(input, (1,) + tuple(input.shape))  # noqa: A001
    _check_conv_weight(input, weight, bias, groups, False, stride)
    p = _conv_params(input, weight, stride, padding, dilation, groups, 1, "conv1d")
    n, c, length = input.shape
    x4 = _reshape(input, (n, c, 1, length))
    w4 = _reshape(weight, (weight.shape[0], weight.shape[1], 1, weight.shape[2]))
    args = (x4, w4) if bias is None else (x4, w4, bias)
    out = Conv2d.apply(*args, p=p)
    shape = (out.shape[1], out.shape[3]) if unbatched else (n, out.shape[1], out.shape[3])
    return _reshape(out, shape)


def _transpose_params(x, w, stride, padding, output_padding, dilation, groups, nd, name):
    stride = _ntuple(stride, nd, "stride", name)
    padding = _ntuple(padding, nd, "padding", name)
    output_padding = _ntuple(output_padding, nd, "output_padding", name)
    dilation = _ntuple(dilation, nd, "dilation", name)
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if any(q < 0 for q in padding):
        raise RuntimeError("negative padding is not supported")
    if any(op >= max(s, d) or op < 0 for op, s, d in zip(output_padding, stride, dilation)):
        names = ["height", "width"] if nd == 2 else ["width"]
        parts = [f"output_padding_{nm}: {v}" for nm, v in zip(names, output_padding)]
        parts += [f"stride_{nm}: {v}" for nm, v in zip(names, stride)]
        parts += [f"dilation_{nm}: {v}" for nm, v in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(parts))
    kernel = tuple(w.shape[2:])
    out = tuple(
        (x.shape[-nd + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1)
        + output_padding[i] + 1
        for i in range(nd)
    )
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(str(s) for s in x.shape[-nd:])}). "
            f"Calculated output size per channel: ({' x '.join(str(o) for o in out)}). "
            "Output size is too small"
        )
    pads = tuple(v for q in padding for v in (q, q))
    if nd == 1:
        return _ConvParams((1,) + stride, (0, 0) + pads, (1,) + dilation, groups), (1,) + out
    return _ConvParams(stride, pads, dilation, groups), out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    """2-D transposed convolution ("deconvolution"): the gradient of conv2d w.r.t. its input.

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_in, C_out / groups, kH, kW).
        bias: optional (C_out,).
        stride, padding, dilation, groups: those of the conv2d this op transposes.
        output_padding: extra rows/columns added on the bottom/right of the output (smaller
            than stride or dilation), to pick among the input sizes a strided conv2d maps to
            the same output size.

    Returns:
        (N, C_out, H_out, W_out) with
        H_out = (H - 1) sH - 2 pH + dH (kH - 1) + output_padding + 1.

    Derivatives: input <- conv2d(grad, weight); weight <- correlation of grad and input.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.ones(1, 2, 3, 3)
        >>> eg.nn.functional.conv_transpose2d(x, eg.ones(2, 4, 3, 3), stride=2).shape
        eagergrad.Size([1, 4, 7, 7])
    """
    unbatched = _check_conv_input("conv_transpose2d", input, 2)
    if unbatched:
        input = _reshape(input, (1,) + tuple(input.shape))  # noqa: A001
    _check_conv_weight(input, weight, bias, groups, True, stride)
    p, out_hw = _transpose_params(input, weight, stride, padding, output_padding, dilation,
                                  groups, 2, "conv_transpose2d")
    args = (input, weight) if bias is None else (input, weight, bias)
    out = ConvTranspose2d.apply(*args, p=p, out_hw=out_hw)
    return _reshape(out, tuple(out.shape[1:])) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    """1-D transposed convolution; see :func:`conv_transpose2d`.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.conv_transpose1d(eg.ones(1, 2, 4), eg.ones(2, 3, 3)).shape
        eagergrad.Size([1, 3, 6])
    """
    unbatched = _check_conv_input("conv_transpose1d", input, 1)
    if unbatched:
        input = _reshape(input, (1,) + tuple(input.shape))  # noqa: A001
    _check_conv_weight(input, weight, bias, groups, True, stride)
    p, out_hw = _transpose_params(input, weight, stride, padding, output_padding, dilation,
                                  groups, 1, "conv_transpose1d")
    n, c, length = input.shape
    x4 = _reshape(input, (n, c, 1, length))
    w4 = _reshape(weight, (weight.shape[0], weight.shape[1], 1, weight.shape[2]))
    args = (x4, w4) if bias is None else (x4, w4, bias)
    out = ConvTranspose2d.apply(*args, p=p, out_hw=out_hw)
    shape = (out.shape[1], out.shape[3]) if unbatched else (n, out.shape[1], out.shape[3])
    return _reshape(out, shape)


# --- pooling kernels ----------------------------------------------------------------------------
# ``k`` below is a _PoolParams: everything a pooling op and its adjoint need, fixed by the wrapper.
_PoolParams = namedtuple("_PoolParams", "kernel stride pad dilation in_hw out_hw padded_hw")


def _pool_out_size(size, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape: floor or ceil, and no window may start in the right pad."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pad_nchw(xp, x, k, fill):
    """x zero- or -inf-padded to k.padded_hw (x itself when no padding is needed)."""
    n, c, h, w = x.shape
    hp, wp = k.padded_hw
    if (hp, wp) == (h, w):
        return x
    out = xp.full((n, c, hp, wp), fill, dtype=x.dtype)
    ph, pw = k.pad
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _crop_nchw(xp, x, k):
    h, w = k.in_hw
    if x.shape[2:] == (h, w):
        return x
    ph, pw = k.pad
    return xp.ascontiguousarray(x[:, :, ph:ph + h, pw:pw + w])


def _window_views(xpad, k):
    """One strided (N, C, Ho, Wo) view of xpad per kernel offset, in row-major kernel order."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = k.kernel, k.stride, k.dilation, k.out_hw
    for i in range(kh):
        for j in range(kw):
            yield xpad[:, :, i * dh:i * dh + (ho - 1) * sh + 1:sh,
                       j * dw:j * dw + (wo - 1) * sw + 1:sw]


def _col_views(a, k):
    """The kw strided views (N, C, rows, Wo) of a along the width, one per kernel column."""
    kw, sw, dw, wo = k.kernel[1], k.stride[1], k.dilation[1], k.out_hw[1]
    return [a[..., j * dw:j * dw + (wo - 1) * sw + 1:sw] for j in range(kw)]


def _row_views(a, k):
    """The kh strided views (N, C, Ho, cols) of a along the height, one per kernel row."""
    kh, sh, dh, ho = k.kernel[0], k.stride[0], k.dilation[0], k.out_hw[0]
    return [a[:, :, i * dh:i * dh + (ho - 1) * sh + 1:sh] for i in range(kh)]


# NOTE [Separable max pooling]
# A window's max is the max over its rows of the max over its columns, so max_pool2d runs as
# kw elementwise maxima over strided column views (giving ``c``, the max of each row segment)
# then kh maxima over row views of ``c``: kh + kw passes instead of kh * kw. The position torch
# picks (the first max in row-major order) is found the same way in backward: ``ii``, the first
# kernel row whose segment max equals the window max, and ``jj``, for every row segment, the
# first column equal to the segment max. Ties therefore go where torch sends them.
def _max_pool_forward(xp, x, k):
    """(window maxima y (N, C, Ho, Wo), row-segment maxima c (N, C, Hp, Wo))."""
    c = _max_of(xp, _col_views(_pad_nchw(xp, x, k, _lowest(x)), k))
    return _max_of(xp, _row_views(c, k)), c


def _lowest(x):
    """The padding value of max pooling: -inf, or the smallest integer for integer inputs."""
    return -numpy.inf if x.dtype.kind == "f" else numpy.iinfo(x.dtype).min


def _max_of(xp, views):
    # NOTE: maximum propagates NaN, as torch's max pool does.
    if len(views) == 1:
        return views[0].copy()
    out = xp.maximum(views[0], views[1])  # one pass, not a copy and then one
    for v in views[2:]:
        xp.maximum(out, v, out=out)
    return out


def _first_match(xp, views, target):
    """Index of the first view equal to ``target`` (a NaN target matches the first NaN).

    Built from boolean and integer arithmetic: ``where``/``copyto(where=)`` are several times
    slower in numpy.
    """
    has_nan = target.dtype.kind == "f" and may_hold(xp, lambda: xp.isnan(target).any())
    if len(views) == 2 and not has_nan:  # the common 2-wide window: not the first -> the second
        return (views[0] != target).view(numpy.uint8)
    taken = None
    idx = xp.zeros(target.shape, dtype=numpy.uint8)
    for i, v in enumerate(views):
        hit = v == target
        if has_nan:
            hit |= v != v
        if taken is None:
            taken = hit
            continue
        first = hit & ~taken
        idx += first * numpy.uint8(i)
        taken |= hit
    return idx


def _max_pool_argmax(xp, x, y, c, k):
    """(ii, jj): the kernel row of each window's max, the kernel column of each row segment's."""
    ii = _first_match(xp, _row_views(c, k), y)
    jj = _first_match(xp, _col_views(_pad_nchw(xp, x, k, _lowest(x)), k), c)
    return ii, jj


def _select(xp, views, idx):
    """views[idx] elementwise."""
    out = views[0] * (idx == 0)
    for i, v in enumerate(views[1:], 1):
        out += v * (idx == i)
    return out


def _scatter_into(xp, views, idx, g, disjoint):
    """views[idx] += g elementwise (views of one zeroed buffer)."""
    if disjoint and len(views) == 2:
        # The common 2-wide window in two passes: g * idx to the second, the rest to the first
        # (g - g * idx is g * (idx == 0) exactly, inf and nan included).
        xp.multiply(g, idx, out=views[1])
        xp.subtract(g, views[1], out=views[0])
        return
    for i, view in enumerate(views):
        if disjoint:
            xp.multiply(g, idx == i, out=view)
        else:
            view += g * (idx == i)


def _max_pool_scatter(xp, g, ii, jj, k):
    """The adjoint of picking x at (ii, jj): g sent to where each window's max was."""
    n, c = g.shape[:2]
    hp, wp = k.padded_hw
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = k.kernel, k.stride, k.dilation, k.out_hw
    # When the windows tile the buffer exactly (stride == kernel, no dilation), every element is
    # written once, so the buffers need no zeroing.
    new_h = xp.empty if (sh == kh and dh == 1 and hp == ho * kh) else xp.zeros
    new_w = xp.empty if (sw == kw and dw == 1 and wp == wo * kw) else xp.zeros
    grow = new_h((n, c, hp, wo), dtype=g.dtype)
    _scatter_into(xp, _row_views(grow, k), ii, g, sh >= (kh - 1) * dh + 1)
    gx = new_w((n, c, hp, wp), dtype=g.dtype)  # the column views span every row
    _scatter_into(xp, _col_views(gx, k), jj, grow, sw >= (kw - 1) * dw + 1)
    return _crop_nchw(xp, gx, k)


def _max_pool_gather(xp, x, ii, jj, k):
    row_segments = _select(xp, _col_views(_pad_nchw(xp, x, k, 0), k), jj)
    return _select(xp, _row_views(row_segments, k), ii)


def _flat_indices(xp, ii, jj, k):
    """torch's indices: flat positions h * W + w of each max in the unpadded input plane."""
    (sh, sw), (ph, pw), (dh, dw), (ho, wo) = k.stride, k.pad, k.dilation, k.out_hw
    j = _select(xp, _row_views(jj, k), ii).astype(numpy.int64)
    rows = xp.arange(ho, dtype=numpy.int64).reshape(ho, 1) * sh - ph + ii.astype(numpy.int64) * dh
    cols = xp.arange(wo, dtype=numpy.int64) * sw - pw + j * dw
    return rows * k.in_hw[1] + cols


def _avg_divisor(k, count_include_pad, divisor_override):
    """The divisor of every window as a host scalar or an (Ho, Wo) numpy array (torch's rule)."""
    if divisor_override:
        return float(divisor_override)
    sizes = []
    for dim in range(2):
        size, kk, s, p, o = (k.in_hw[dim], k.kernel[dim], k.stride[dim], k.pad[dim],
                             k.out_hw[dim])
        start = numpy.arange(o) * s - p
        end = numpy.minimum(start + kk, size + p)
        pool = end - start
        inside = numpy.minimum(end, size) - numpy.maximum(start, 0)
        sizes.append(pool if count_include_pad else inside)
    div = sizes[0][:, None] * sizes[1][None, :]
    if (div == div.flat[0]).all():
        return float(div.flat[0])
    return div


class MaxPool2d(Op):
    """y = max of x over each window (NCHW). Gradient: grad sent to the (first) max of each window.

    See NOTE [Separable max pooling]. The backward is itself an op (``MaxPool2dScatter``) whose
    backward gathers, so double backward works.
    """

    @staticmethod
    def forward(ctx, x, *, k, return_indices):
        xp = ctx.xp
        y, ctx.c = _max_pool_forward(xp, x, k)
        ctx.k, ctx.argmax = k, None
        ctx.save_for_backward(x, y)
        if return_indices:
            ctx.argmax = _max_pool_argmax(xp, x, y, ctx.c, k)
            indices = _flat_indices(xp, *ctx.argmax, k)
            ctx.mark_non_differentiable(indices)
            return y, indices
        return y

    @staticmethod
    def backward(ctx, grad, *_):
        x, y = ctx.saved_tensors
        if ctx.argmax is None:
            ctx.argmax = _max_pool_argmax(ctx.xp, x._data, y._data, ctx.c, ctx.k)
            ctx.c = None
        argmax = ctx.argmax
        return MaxPool2dScatter.apply(grad, argmax=argmax, k=ctx.k)


class MaxPool2dScatter(Op):
    """gx = grad placed at each window's max (zeros elsewhere). Gradient: gather at the maxima."""

    @staticmethod
    def forward(ctx, g, *, argmax, k):
        ctx.argmax, ctx.k = argmax, k
        return _max_pool_scatter(ctx.xp, g, *argmax, k)

    @staticmethod
    def backward(ctx, grad):
        return MaxPool2dGather.apply(grad, argmax=ctx.argmax, k=ctx.k)


class MaxPool2dGather(Op):
    """y = x at each window's saved max position. Gradient: the scatter back."""

    @staticmethod
    def forward(ctx, x, *, argmax, k):
        ctx.argmax, ctx.k = argmax, k
        return _max_pool_gather(ctx.xp, x, *argmax, k)

    @staticmethod
    def backward(ctx, grad):
        return MaxPool2dScatter.apply(grad, argmax=ctx.argmax, k=ctx.k)


class AvgPool2d(Op):
    """y = sum of x over each window / divisor. Gradient: grad / divisor spread over the window."""

    @staticmethod
    def forward(ctx, x, *, k, div):
        ctx.k, ctx.div = k, div
        xp = ctx.xp
        views = _window_views(_pad_nchw(xp, x, k, 0), k)
        y = next(views).copy()
        for v in views:
            y += v
        return _divide(xp, y, div)

    @staticmethod
    def backward(ctx, grad):
        return AvgPool2dScatter.apply(grad, k=ctx.k, div=ctx.div)


class AvgPool2dScatter(Op):
    """The adjoint of avg_pool2d: grad / divisor added over each window. Gradient: avg_pool2d."""

    @staticmethod
    def forward(ctx, g, *, k, div):
        ctx.k, ctx.div = k, div
        xp = ctx.xp
        g = _divide(xp, g, div)
        n, c = g.shape[:2]
        gx = xp.zeros((n, c) + k.padded_hw, dtype=g.dtype)
        for view in _window_views(gx, k):
            view += g
        return _crop_nchw(xp, gx, k)

    @staticmethod
    def backward(ctx, grad):
        return AvgPool2d.apply(grad, k=ctx.k, div=ctx.div)


def _divide(xp, y, div):
    if isinstance(div, float):
        return y / y.dtype.type(div)
    return y / xp.asarray(div, dtype=y.dtype)


# --- pooling wrappers ---------------------------------------------------------------------------
def _pool_params(name, x, kernel_size, stride, padding, dilation, ceil_mode, nd, max_pool):
    kernel = _ntuple(kernel_size, nd, "kernel_size")
    stride = kernel if (stride is None or (isinstance(stride, (tuple, list)) and not stride)) \
        else _ntuple(stride, nd, "stride")
    padding = _ntuple(padding, nd, "padding")
    dilation = _ntuple(dilation, nd, "dilation")
    if nd == 1 and max_pool:
        if kernel[0] <= 0:
            raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got "
                               f"{kernel[0]}")
        if stride[0] <= 0:
            raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got "
                               f"{stride[0]}")
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(kk <= 0 for kk in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} "
                           f"kW: {kernel[-1]}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: "
                           f"{stride[-1]}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: "
                           f"{dilation[0]} dilationW: {dilation[-1]}")
    for kk, p, d in zip(kernel, padding, dilation):
        if p < 0 or p > ((kk - 1) * d + 1) // 2:
            if max_pool:
                raise RuntimeError(
                    "pad should be at most half of effective kernel size, but got "
                    f"pad={p}, kernel_size={kk} and dilation={d}"
                )
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={kk} and dilation={d}"
            )
    if nd == 1:
        kernel, stride, padding, dilation = ((1,) + kernel, (1,) + stride, (0,) + padding,
                                             (1,) + dilation)
    in_hw = tuple(x.shape[-2:])
    out_hw = tuple(_pool_out_size(in_hw[i], kernel[i], stride[i], padding[i], dilation[i],
                                  ceil_mode) for i in range(2))
    if any(o <= 0 for o in out_hw):
        c = x.shape[-3]
        ins = "x".join(str(s) for s in (c,) + in_hw[2 - nd:])
        outs = "x".join(str(s) for s in (c,) + out_hw[2 - nd:])
        raise RuntimeError(f"Given input size: ({ins}). Calculated output size: ({outs}). "
                           "Output size is too small")
    padded = tuple(max(in_hw[i] + 2 * padding[i],
                       (out_hw[i] - 1) * stride[i] + (kernel[i] - 1) * dilation[i] + 1)
                   for i in range(2))
    return _PoolParams(kernel, stride, padding, dilation, in_hw, out_hw, padded)


def _as_4d(name, x: Tensor, nd: int):
    """x as (N, C, H, W) (1-D pools add H = 1; unbatched inputs add N = 1), and the undo shape."""
    if x._data.ndim not in (nd + 1, nd + 2) or x._data.size == 0:
        if nd == 2:
            raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
        if name == "max_pool1d":
            raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                               f"dim batch size for input, but got:{list(x.shape)}")
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x._data.ndim}-dimensional "
                           f"tensor for argument #1 'self' (while checking arguments for {name})")
    shape = tuple(x.shape)
    lead = shape[:-nd] if x._data.ndim == nd + 2 else (1,) + shape[:-nd]
    return _reshape(x, lead + (1,) * (2 - nd) + shape[-nd:]), shape[:-nd]


def _from_4d(y: Tensor, lead, nd):
    return _reshape(y, tuple(lead) + tuple(y.shape[4 - nd:]))


def _max_pool(name, input, kernel_size, stride, padding, dilation, ceil_mode,  # noqa: A002
              return_indices, nd):
    x, lead = _as_4d(name, input, nd)
    k = _pool_params(name, x, kernel_size, stride, padding, dilation, ceil_mode, nd, True)
    out = MaxPool2d.apply(x, k=k, return_indices=bool(return_indices))
    if return_indices:
        return _from_4d(out[0], lead, nd), _from_4d(out[1], lead, nd)
    return _from_4d(out, lead, nd)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling over (N, C, H, W) or (C, H, W).

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW); defaults to ``kernel_size``.
        padding: implicit -inf padding on both sides, at most half the effective kernel.
        dilation: spacing between window elements.
        ceil_mode: round the output size up (a window may hang over the right edge, but never
            start in the right padding).
        return_indices: also return the flat index (h * W + w) of each max in its input plane.

    Returns:
        The pooled tensor, and the indices (int64) when ``return_indices``.

    Derivative: the gradient goes to the first maximum of each window (ties: the first in
    row-major order, as torch).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.arange(16.).reshape(1, 1, 4, 4)
        >>> eg.nn.functional.max_pool2d(x, 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, 2)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling over (N, C, L) or (C, L); arguments as :func:`max_pool2d`.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.max_pool1d(eg.tensor([[[1., 3., 2., 0.]]]), 2)
        tensor([[[3., 2.]]])
    """
    return _max_pool("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, 1)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False, return_indices: bool = True):
    """:func:`max_pool2d` returning ``(output, indices)`` (torch's alias).

    Example:
        >>> import eagergrad as eg
        >>> y, i = eg.nn.functional.max_pool2d_with_indices(eg.arange(4.).reshape(1, 1, 2, 2), 2)
        >>> i
        tensor([[[[3]]]])
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False, return_indices: bool = True):
    """:func:`max_pool1d` returning ``(output, indices)`` (torch's alias).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.max_pool1d_with_indices(eg.tensor([[[1., 3.]]]), 2)[1]
        tensor([[[1]]])
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool(name, input, kernel_size, stride, padding, ceil_mode,  # noqa: A002
              count_include_pad, divisor_override, nd):
    x, lead = _as_4d(name, input, nd)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    k = _pool_params(name, x, kernel_size, stride, padding, 1, ceil_mode, nd, False)
    div = _avg_divisor(k, count_include_pad, divisor_override)
    return _from_4d(AvgPool2d.apply(x, k=k, div=div), lead, nd)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over (N, C, H, W) or (C, H, W).

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW); defaults to ``kernel_size``.
        padding: implicit zero padding, at most half the kernel.
        ceil_mode: round the output size up.
        count_include_pad: count the zero padding in the divisor (never the part of a ceil-mode
            window past the padding).
        divisor_override: divide every window by this instead.

    Returns:
        The pooled tensor. Derivative: grad / divisor spread evenly over each window.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.avg_pool2d(eg.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    return _avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override, 2)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over (N, C, L) or (C, L); arguments as :func:`avg_pool2d`.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.avg_pool1d(eg.tensor([[[1., 3., 2., 0.]]]), 2)
        tensor([[[2., 1.]]])
    """
    return _avg_pool("avg_pool1d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None, 1)


# --- adaptive pooling ---------------------------------------------------------------------------
def _adaptive_windows(size, out):
    """torch's adaptive windows: [floor(i * size / out), ceil((i + 1) * size / out))."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _adaptive_sizes(name, x: Tensor, output_size, nd):
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}"
                               if "max" in name else f"{name}: output_size must be {nd}")
        sizes = tuple(x.shape[-nd + i] if s is None else int(s) for i, s in enumerate(output_size))
    else:
        sizes = (int(output_size),) * nd
    if x._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(x.shape)}")
    for i in range(x._data.ndim - nd, x._data.ndim):
        if x.shape[i] <= 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(x.shape)} with dimension {i} being empty"
            )
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 "
                           f"but received {list(sizes)}")
    return sizes


def _avg_matrix(x: Tensor, size, out):
    """The (out, size) matrix whose rows average torch's adaptive windows."""
    m = numpy.zeros((out, size), dtype=x._data.dtype)
    for i, (a, b) in enumerate(_adaptive_windows(size, out)):
        m[i, a:b] = 1.0 / (b - a)
    return Tensor._make(x._device.xp.asarray(m), x._device)


def _adaptive_avg_pool(name, input, output_size, nd):  # noqa: A002
    sizes = _adaptive_sizes(name, input, output_size, nd)
    x, lead = _as_4d(name, input, nd)
    in_hw = tuple(x.shape[2:])
    out_hw = (1,) * (2 - nd) + sizes
    if all(o > 0 and i % o == 0 for i, o in zip(in_hw, out_hw)):
        kernel = tuple(i // o for i, o in zip(in_hw, out_hw))
        k = _PoolParams(kernel, kernel, (0, 0), (1, 1), in_hw, out_hw, in_hw)
        return _from_4d(AvgPool2d.apply(x, k=k, div=float(kernel[0] * kernel[1])), lead, nd)
    # NOTE: the windows overlap when the sizes do not divide (torch's rule); the window average
    # is separable, so the pool is rows_matrix @ x @ cols_matrix^T (differentiable matmuls).
    from .linalg import matmul
    from .shape import transpose

    y = matmul(_avg_matrix(x, in_hw[0], out_hw[0]), x)
    y = matmul(y, transpose(_avg_matrix(x, in_hw[1], out_hw[1]), 0, 1))
    return _from_4d(y, lead, nd)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """2-D adaptive average pooling to ``output_size`` (int, or (H, W) with None = keep).

    Window i along a dim covers [floor(i * in / out), ceil((i + 1) * in / out)); windows
    overlap when the sizes do not divide, as in torch.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.adaptive_avg_pool2d(eg.ones(1, 3, 5, 7), (2, 3)).shape
        eagergrad.Size([1, 3, 2, 3])
    """
    return _adaptive_avg_pool("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """1-D adaptive average pooling of (N, C, L) or (C, L) to length ``output_size``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.adaptive_avg_pool1d(eg.tensor([[[1., 2., 3.]]]), 2)
        tensor([[[1.5000, 2.5000]]])
    """
    return _adaptive_avg_pool("adaptive_avg_pool1d", input, output_size, 1)


def _adaptive_argmax(xp, x, out_hw):
    """Flat plane index (h * W + w) of the first max of every adaptive window: (N, C, Ho, Wo)."""
    n, c, h, w = x.shape
    idx = xp.empty((n, c) + tuple(out_hw), dtype=numpy.int64)
    for i, (h0, h1) in enumerate(_adaptive_windows(h, out_hw[0])):
        for j, (w0, w1) in enumerate(_adaptive_windows(w, out_hw[1])):
            a = x[:, :, h0:h1, w0:w1].reshape(n, c, -1).argmax(-1)
            idx[:, :, i, j] = (h0 + a // (w1 - w0)) * w + w0 + a % (w1 - w0)
    return idx


class AdaptiveMaxPool2d(Op):
    """y = max over torch's adaptive windows. Gradient: grad scattered to the argmax positions."""

    @staticmethod
    def forward(ctx, x, *, out_hw):
        n, c = x.shape[:2]
        ctx.idx, ctx.in_hw = _adaptive_argmax(ctx.xp, x, out_hw), x.shape[2:]
        y = ctx.xp.take_along_axis(x.reshape(n, c, -1), ctx.idx.reshape(n, c, -1), -1)
        indices = ctx.idx.copy()
        ctx.mark_non_differentiable(indices)
        return y.reshape(ctx.idx.shape), indices

    @staticmethod
    def backward(ctx, grad, *_):
        return IndexScatter2d.apply(grad, idx=ctx.idx, in_hw=ctx.in_hw)


class IndexScatter2d(Op):
    """gx (N, C, H, W) = grad added at flat plane indices idx (N, C, Ho, Wo). Gradient: gather."""

    @staticmethod
    def forward(ctx, g, *, idx, in_hw):
        xp = ctx.xp
        ctx.idx = idx
        n, c = g.shape[:2]
        gx = xp.zeros((n * c, in_hw[0] * in_hw[1]), dtype=g.dtype)
        rows = xp.arange(n * c)
        g2, i2 = g.reshape(n * c, -1), idx.reshape(n * c, -1)
        # One output position at a time: each row gets one index, so no write is lost.
        for p in range(g2.shape[1]):
            gx[rows, i2[:, p]] += g2[:, p]
        return gx.reshape((n, c) + tuple(in_hw))

    @staticmethod
    def backward(ctx, grad):
        return IndexGather2d.apply(grad, idx=ctx.idx)


class IndexGather2d(Op):
    """y = x at flat plane indices idx. Gradient: the scatter back."""

    @staticmethod
    def forward(ctx, x, *, idx):
        ctx.idx, ctx.in_hw = idx, x.shape[2:]
        n, c = x.shape[:2]
        y = ctx.xp.take_along_axis(x.reshape(n, c, -1), idx.reshape(n, c, -1), -1)
        return y.reshape(idx.shape)

    @staticmethod
    def backward(ctx, grad):
        return IndexScatter2d.apply(grad, idx=ctx.idx, in_hw=ctx.in_hw)


def _adaptive_max_pool(name, input, output_size, return_indices, nd):  # noqa: A002
    sizes = _adaptive_sizes(name, input, output_size, nd)
    x, lead = _as_4d(name, input, nd)
    in_hw = tuple(x.shape[2:])
    out_hw = (1,) * (2 - nd) + sizes
    if all(o > 0 and i % o == 0 for i, o in zip(in_hw, out_hw)):
        kernel = tuple(i // o for i, o in zip(in_hw, out_hw))
        k = _PoolParams(kernel, kernel, (0, 0), (1, 1), in_hw, out_hw, in_hw)
        out = MaxPool2d.apply(x, k=k, return_indices=True)
    else:
        out = AdaptiveMaxPool2d.apply(x, out_hw=out_hw)
    if return_indices:
        return _from_4d(out[0], lead, nd), _from_4d(out[1], lead, nd)
    return _from_4d(out[0], lead, nd)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """2-D adaptive max pooling to ``output_size`` (int, or (H, W) with None = keep).

    Windows as :func:`adaptive_avg_pool2d`; ``return_indices`` also returns the flat index
    (h * W + w) of each max.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.adaptive_max_pool2d(eg.arange(9.).reshape(1, 1, 3, 3), 2)
        tensor([[[[4., 5.],
                  [7., 8.]]]])
    """
    return _adaptive_max_pool("adaptive_max_pool2d", input, output_size, return_indices, 2)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """1-D adaptive max pooling of (N, C, L) or (C, L).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.adaptive_max_pool1d(eg.tensor([[[1., 3., 2.]]]), 2)
        tensor([[[3., 3.]]])
    """
    return _adaptive_max_pool("adaptive_max_pool1d", input, output_size, return_indices, 1)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size,  # noqa: A002
                                     return_indices: bool = True):
    """:func:`adaptive_max_pool2d` returning ``(output, indices)`` (torch's alias).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.adaptive_max_pool2d_with_indices(eg.ones(1, 2, 4, 4), 2)[1].shape
        eagergrad.Size([1, 2, 2, 2])
    """
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size,  # noqa: A002
                                     return_indices: bool = True):
    """:func:`adaptive_max_pool1d` returning ``(output, indices)`` (torch's alias).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.adaptive_max_pool1d_with_indices(eg.tensor([[[1., 3.]]]), 1)[1]
        tensor([[[1]]])
    """
    return adaptive_max_pool1d(input, output_size, True)


# --- padding ------------------------------------------------------------------------------------
class PadConstant(Op):
    """x padded with ``value`` (negative widths crop). Gradient: grad cropped back (pad by -w)."""

    @staticmethod
    def forward(ctx, x, *, widths, value):
        ctx.widths = widths
        crop = tuple(slice(max(-lo, 0), x.shape[i] - max(-hi, 0))
                     for i, (lo, hi) in enumerate(widths))
        x = x[crop]
        grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        if not any(lo or hi for lo, hi in grow):
            return x.copy()
        return ctx.xp.pad(x, grow, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return PadConstant.apply(grad, widths=tuple((-lo, -hi) for lo, hi in ctx.widths), value=0)


_NP_PAD_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class PadMode(Op):
    """x padded by reflection, replication or circularly. Gradient: the fold back (PadModeFold)."""

    @staticmethod
    def forward(ctx, x, *, widths, mode):
        ctx.widths, ctx.mode = widths, mode
        return ctx.xp.pad(x, widths, mode=_NP_PAD_MODE[mode])

    @staticmethod
    def backward(ctx, grad):
        return PadModeFold.apply(grad, widths=ctx.widths, mode=ctx.mode)


class PadModeFold(Op):
    """The adjoint of PadMode: each padded element's gradient added to its source element."""

    @staticmethod
    def forward(ctx, g, *, widths, mode):
        ctx.widths, ctx.mode = widths, mode
        for axis, (lo, hi) in enumerate(widths):
            if lo or hi:
                g = _fold_axis(ctx.xp, g, axis, lo, hi, mode)
        return g

    @staticmethod
    def backward(ctx, grad):
        return PadMode.apply(grad, widths=ctx.widths, mode=ctx.mode)


def _fold_axis(xp, g, axis, lo, hi, mode):
    g = xp.moveaxis(g, axis, 0)
    n = g.shape[0] - lo - hi
    core = g[lo:lo + n].copy()
    left, right = g[:lo], g[lo + n:]
    if mode == "replicate":
        core[0] += left.sum(0)
        core[n - 1] += right.sum(0)
    elif mode == "reflect":
        core[1:lo + 1] += left[::-1]
        core[n - 1 - hi:n - 1] += right[::-1]
    else:  # circular
        core[n - lo:] += left
        core[:hi] += right
    return xp.ascontiguousarray(xp.moveaxis(core, 0, axis))


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pads ``input``; ``pad`` lists (left, right) widths from the last dim backwards.

    Args:
        input: any tensor (constant mode) or the 2-D to 5-D tensors of the other modes.
        pad: ``(last_left, last_right, second_last_left, second_last_right, ...)``; negative
            widths crop (constant mode).
        mode: ``'constant'``, ``'reflect'`` (mirror without the edge), ``'replicate'`` (repeat the
            edge) or ``'circular'`` (wrap around).
        value: the fill of constant mode (default 0).

    Returns:
        The padded tensor. Derivative: the padded gradient cropped (constant) or folded back
        onto the elements that were copied (other modes).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.pad(eg.tensor([[1., 2.]]), (1, 2), value=9.)
        tensor([[9., 1., 2., 9., 9.]])
        >>> eg.nn.functional.pad(eg.tensor([[[1., 2., 3.]]]), (2, 1), mode='reflect')
        tensor([[[3., 2., 1., 2., 3., 2.]]])
    """
    pad = tuple(int(p) for p in pad)
    nd = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           "dimension but got padding length "
                           f"{len(pad)} and input of dimension {nd}")
    widths = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        widths[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    widths = tuple(widths)
    if mode == "constant":
        for i, (lo, hi) in enumerate(widths):
            if input.shape[i] + lo + hi < 0:
                raise RuntimeError(
                    f"The input size {input.shape[i]}, plus negative padding {lo} and {hi} "
                    f"resulted in a negative output size, which is invalid. Check dimension "
                    f"{i} of your input."
                )
        return PadConstant.apply(input, widths=widths, value=0 if value is None else value)
    if mode not in _NP_PAD_MODE:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n_pad = len(pad) // 2
    if not (n_pad in (1, 2, 3) and nd in (n_pad + 1, n_pad + 2)):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    for i, (lo, hi) in enumerate(widths):
        size = input.shape[i]
        if lo < 0 or hi < 0:
            raise NotImplementedError(f"negative padding is not supported in mode '{mode}'")
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {i} of input "
                f"{list(input.shape)}"
            )
    return PadMode.apply(input, widths=widths, mode=mode)


# --- interpolation ------------------------------------------------------------------------------
class Lerp1d(Op):
    """y = w0 * x.take(i0, axis) + w1 * x.take(i1, axis) (nearest: no i1).

    Gradient: grad * w0 added at i0 and grad * w1 at i1 (Lerp1dScatter).
    """

    @staticmethod
    def forward(ctx, x, *, axis, i0, i1, w0, w1):
        ctx.args = dict(axis=axis, i0=i0, i1=i1, w0=w0, w1=w1)
        ctx.in_size = x.shape[axis]
        xp = ctx.xp
        if i1 is None:
            return xp.take(x, i0, axis=axis)
        return xp.take(x, i0, axis=axis) * w0 + xp.take(x, i1, axis=axis) * w1

    @staticmethod
    def backward(ctx, grad):
        return Lerp1dScatter.apply(grad, in_size=ctx.in_size, **ctx.args)


class Lerp1dScatter(Op):
    """The adjoint of Lerp1d (an index-add along ``axis``). Gradient: Lerp1d."""

    @staticmethod
    def forward(ctx, g, *, axis, i0, i1, w0, w1, in_size):
        ctx.args = dict(axis=axis, i0=i0, i1=i1, w0=w0, w1=w1)
        xp = ctx.xp
        shape = list(g.shape)
        shape[axis] = in_size
        out = xp.zeros(shape, dtype=g.dtype)
        target = xp.moveaxis(out, axis, 0)
        if i1 is None:
            index_add(xp, target, i0, xp.moveaxis(g, axis, 0))
        else:
            index_add(xp, target, i0, xp.moveaxis(g * w0, axis, 0))
            index_add(xp, target, i1, xp.moveaxis(g * w1, axis, 0))
        return out

    @staticmethod
    def backward(ctx, grad):
        return Lerp1d.apply(grad, **ctx.args)


def _source_index(in_size, out_size, scale, mode, align_corners):
    """torch's source coordinates for each output index (nearest / linear)."""
    dst = numpy.arange(out_size, dtype=numpy.float64)
    if mode in ("nearest", "nearest-exact"):
        # NOTE: torch's legacy 'nearest': floor(dst * scale), scale in float32;
        # 'nearest-exact' samples at pixel centres: floor((dst + 0.5) * scale).
        s = numpy.float32(in_size / out_size if scale is None else 1.0 / scale)
        shift = numpy.float32(0.5 if mode == "nearest-exact" else 0.0)
        src = numpy.floor((dst.astype(numpy.float32) + shift) * s).astype(numpy.int64)
        return numpy.minimum(src, in_size - 1), None, None
    if align_corners:
        src = dst * ((in_size - 1) / (out_size - 1) if out_size > 1 else 0.0)
    else:
        s = in_size / out_size if scale is None else 1.0 / scale
        src = numpy.maximum((dst + 0.5) * s - 0.5, 0.0)
    i0 = numpy.minimum(numpy.floor(src).astype(numpy.int64), in_size - 1)
    i1 = numpy.minimum(i0 + 1, in_size - 1)
    lam = src - i0
    return i0, i1, lam


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resizes (N, C, *spatial) by ``size`` or ``scale_factor``.

    Args:
        input: (N, C, L), (N, C, H, W) or (N, C, D, H, W).
        size: the output spatial size (int or tuple).
        scale_factor: multiplier of the spatial size (float or tuple); the output size is
            floor(in * scale_factor).
        mode: ``'nearest'`` (torch's legacy rule: source = floor(dst * in / out)),
            ``'nearest-exact'`` (source = floor((dst + 0.5) * in / out)), ``'linear'`` (3-D
            input), ``'bilinear'`` (4-D), ``'trilinear'`` (5-D) or ``'area'`` (adaptive average
            pooling, 3-D or 4-D).
        align_corners: for the linear modes, map the corner pixels' centres onto each other.
        recompute_scale_factor: compute the scale from the output size instead of using
            ``scale_factor`` directly.
        antialias: not supported (must be False).

    Returns:
        The resized tensor. Derivative: each output's gradient added back to its source pixels
        with the interpolation weights.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.interpolate(eg.tensor([[[1., 2.]]]), scale_factor=2)
        tensor([[[1., 1., 2., 2.]]])
    """
    nd = input._data.ndim - 2
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported (nearest, "
                                  "nearest-exact, linear, bilinear, trilinear, area)")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    want = {"linear": 1, "bilinear": 2, "trilinear": 3}.get(mode)
    if nd < 1 or nd > 3 or (want is not None and nd != want):
        raise NotImplementedError(
            f"Got {nd + 2}D input, but {mode} mode needs {want + 2 if want else '3D, 4D or 5D'}D"
            " input" if want else f"Input Error: Only 3D, 4D and 5D input Tensors supported "
            f"(got {nd + 2}D) for the modes: nearest | linear | bilinear"
        )
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    in_sizes = tuple(input.shape[2:])
    if size is not None:
        sizes = _ntuple_len(size, nd, "size", in_sizes)
        scales = (None,) * nd
    else:
        factors = _ntuple_len(scale_factor, nd, "scale_factor", in_sizes, float)
        sizes = tuple(int(math.floor(i * f)) for i, f in zip(in_sizes, factors))
        scales = (None,) * nd if recompute_scale_factor else factors
    if mode == "area":
        if nd == 3:
            raise NotImplementedError("interpolate: mode 'area' supports 3-D and 4-D input only")
        return (adaptive_avg_pool1d if nd == 1 else adaptive_avg_pool2d)(input, sizes)
    x = input
    xp = input._device.xp
    for d in range(nd):
        if sizes[d] == in_sizes[d] and scales[d] in (None, 1.0):
            continue
        i0, i1, lam = _source_index(in_sizes[d], sizes[d], scales[d], mode, bool(align_corners))
        axis = 2 + d
        bshape = (-1,) + (1,) * (nd - 1 - d)
        if i1 is None:
            x = Lerp1d.apply(x, axis=axis, i0=xp.asarray(i0), i1=None, w0=None, w1=None)
        else:
            dt = x._data.dtype
            w1 = xp.asarray(lam.astype(dt).reshape(bshape))
            w0 = xp.asarray((1 - lam).astype(dt).reshape(bshape))
            x = Lerp1d.apply(x, axis=axis, i0=xp.asarray(i0), i1=xp.asarray(i1), w0=w0, w1=w1)
    if x is input:
        from .elementwise import clone

        x = clone(input)
    return x


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """Deprecated torch alias of :func:`interpolate`.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.upsample(eg.ones(1, 1, 2), scale_factor=2).shape
        eagergrad.Size([1, 1, 4])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def _ntuple_len(v, n, name, in_sizes, cast=int):
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            what, fmt = (("output size of", "output size in (o1, o2, ...,oK)") if name == "size"
                         else ("scale_factor of shape", "scale_factor in (s1, s2, ...,sK)"))
            raise ValueError(
                f"Input and {'output' if name == 'size' else name} must have the same number of "
                f"spatial dimensions, but got input with spatial dimensions of {list(in_sizes)} "
                f"and {what} {v}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                f"and {fmt} format."
            )
        return tuple(cast(e) for e in v)
    return (cast(v),) * n


# --- unfold / fold ------------------------------------------------------------------------------
_FoldParams = namedtuple("_FoldParams", "kernel dilation pad stride out_hw blocks")


def _fold_views(buf, f):
    """One strided (N, C, Lh, Lw) view of the padded buffer per kernel offset."""
    (kh, kw), (dh, dw), (sh, sw), (lh, lw) = f.kernel, f.dilation, f.stride, f.blocks
    for i in range(kh):
        for j in range(kw):
            yield buf[:, :, i * dh:i * dh + (lh - 1) * sh + 1:sh,
                      j * dw:j * dw + (lw - 1) * sw + 1:sw]


class Unfold(Op):
    """Sliding blocks (N, C, H, W) -> (N, C * kh * kw, L) (im2col). Gradient: fold."""

    @staticmethod
    def forward(ctx, x, *, f):
        ctx.f = f
        xp = ctx.xp
        n, c, h, w = x.shape
        ph, pw = f.pad
        buf = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        buf[:, :, ph:ph + h, pw:pw + w] = x
        cols = xp.stack(list(_fold_views(buf, f)), axis=2)  # (N, C, kh*kw, Lh, Lw)
        return cols.reshape(n, -1, f.blocks[0] * f.blocks[1])

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, f=ctx.f)


class Fold(Op):
    """Blocks (N, C * kh * kw, L) summed back into (N, C, H, W) (col2im). Gradient: unfold."""

    @staticmethod
    def forward(ctx, cols, *, f):
        ctx.f = f
        xp = ctx.xp
        (kh, kw), (h, w), (ph, pw) = f.kernel, f.out_hw, f.pad
        n = cols.shape[0]
        cols = cols.reshape((n, -1, kh * kw) + tuple(f.blocks))
        buf = xp.zeros((n, cols.shape[1], h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
        for i, view in enumerate(_fold_views(buf, f)):
            view += cols[:, :, i]
        return xp.ascontiguousarray(buf[:, :, ph:ph + h, pw:pw + w])

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, f=ctx.f)


def _fold_params(name, hw, kernel_size, dilation, padding, stride):
    kernel = _ntuple(kernel_size, 2, "kernel_size")
    dilation = _ntuple(dilation, 2, "dilation")
    padding = _ntuple(padding, 2, "padding")
    stride = _ntuple(stride, 2, "stride")
    if any(v <= 0 for v in kernel + dilation + stride) or any(p < 0 for p in padding):
        raise RuntimeError(f"{name}: kernel_size, dilation and stride must be greater than zero "
                           f"and padding non-negative, but got kernel_size={kernel}, "
                           f"dilation={dilation}, padding={padding}, stride={stride}")
    blocks = tuple((hw[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
                   for i in range(2))
    return _FoldParams(kernel, dilation, padding, stride, tuple(hw), blocks)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Extracts sliding blocks: (N, C, H, W) -> (N, C * kH * kW, L), L = number of blocks.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.unfold(eg.ones(1, 2, 4, 4), 2).shape
        eagergrad.Size([1, 8, 9])
    """
    nd = input._data.ndim
    if nd not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {nd}D)")
    x = input if nd == 4 else _reshape(input, (1,) + tuple(input.shape))
    f = _fold_params("unfold", tuple(x.shape[2:]), kernel_size, dilation, padding, stride)
    if f.blocks[0] <= 0 or f.blocks[1] <= 0:
        raise RuntimeError(
            f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size="
            f"({f.kernel[0]}, {f.kernel[1]}), dilation=({f.dilation[0]}, {f.dilation[1]}), "
            f"padding=({f.pad[0]}, {f.pad[1]}), calculated shape of the array of sliding "
            f"blocks as ({f.blocks[0]}, {f.blocks[1]}), but its components must be at least one."
        )
    out = Unfold.apply(x, f=f)
    return out if nd == 4 else _reshape(out, tuple(out.shape[1:]))


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0,  # noqa: A002
         stride=1) -> Tensor:
    """Sums sliding blocks back: (N, C * kH * kW, L) -> (N, C, *output_size) (unfold's adjoint).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.functional.fold(eg.ones(1, 4, 4), (3, 3), 2)[0, 0]
        tensor([[1., 2., 1.],
                [2., 4., 2.],
                [1., 2., 1.]])
    """
    nd = input._data.ndim
    if nd not in (2, 3):
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {nd}D)")
    x = input if nd == 3 else _reshape(input, (1,) + tuple(input.shape))
    out_hw = _ntuple(output_size, 2, "output_size")
    f = _fold_params("fold", out_hw, kernel_size, dilation, padding, stride)
    kk = f.kernel[0] * f.kernel[1]
    if x.shape[1] % kk:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={x.shape[1]} and kernel_size=({f.kernel[0]}, "
            f"{f.kernel[1]})."
        )
    if x.shape[2] != f.blocks[0] * f.blocks[1]:
        raise RuntimeError(
            f"Given output_size=({out_hw[0]}, {out_hw[1]}), kernel_size=({f.kernel[0]}, "
            f"{f.kernel[1]}), dilation=({f.dilation[0]}, {f.dilation[1]}), padding=({f.pad[0]}, "
            f"{f.pad[1]}), stride=({f.stride[0]}, {f.stride[1]}), expected size of input's "
            f"dimension 2 to match the calculated number of sliding blocks {f.blocks[0]} * "
            f"{f.blocks[1]} = {f.blocks[0] * f.blocks[1]}, but got input.size(2)={x.shape[2]}."
        )
    out = Fold.apply(x, f=f)
    return out if nd == 3 else _reshape(out, tuple(out.shape[1:]))
