"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d (torch.nn.modules.conv)."""

from __future__ import annotations

import math

from ..._creation import empty
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n):
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """Shared state, checks, initialisation and repr of the convolution layers."""

    _n = 2

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        transposed,
        output_padding,
        groups,
        bias,
        padding_mode,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        n = self._n
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}"
                )
            if padding == "same" and any(s != 1 for s in _ntuple(stride, n)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._reversed_padding()
        shape = (
            (in_channels, out_channels // groups)
            if transposed
            else (out_channels, in_channels // groups)
        ) + self.kernel_size
        self.weight = Parameter(empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _reversed_padding(self):
        """The F.pad widths (last dim first) that padding_mode != 'zeros' pads with."""
        if self.padding == "valid":
            return [0, 0] * self._n
        if self.padding == "same":
            out = []
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return out
        return [p for p in reversed(self.padding) for _ in range(2)]

    def reset_parameters(self) -> None:
        # NOTE: torch's scheme: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), ..), and the
        # bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)); for transposed convs fan_in is computed from
        # weight.size(1), as torch does.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self._n
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:  # noqa: A002
        conv = F.conv1d if self._n == 1 else F.conv2d
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return self._conv_forward(input, self.weight, self.bias)


class Conv2d(_ConvNd):
    """2-D convolution layer: ``F.conv2d(x, weight, bias, ...)``.

    Args:
        in_channels: channels of the input.
        out_channels: channels produced.
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW). Default: 1.
        padding: int, (pH, pW), ``'valid'`` or ``'same'``. Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: blocked connections from input to output channels. Default: 1.
        bias: learn an additive bias. Default: True.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Shape:
        Input (N, C_in, H, W) or (C_in, H, W); output (N, C_out, H_out, W_out) with
        H_out = (H + 2 pH - dH (kH - 1) - 1) // sH + 1.

    Weight (C_out, C_in / groups, kH, kW) and bias (C_out,) are initialised as torch's:
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C_in / groups * kH * kW.

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.Conv2d(1, 32, 3, padding=1)
        >>> m
        Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> m(eg.randn(64, 1, 28, 28)).shape
        eagergrad.Size([64, 32, 28, 28])
    """

    _n = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            False,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )


class Conv1d(_ConvNd):
    """1-D convolution layer: ``F.conv1d(x, weight, bias, ...)``; arguments as :class:`Conv2d`.

    Shape:
        Input (N, C_in, L) or (C_in, L); output (N, C_out, L_out).

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.Conv1d(16, 33, 3, stride=2)
        >>> m
        Conv1d(16, 33, kernel_size=(3,), stride=(2,))
        >>> m(eg.randn(20, 16, 50)).shape
        eagergrad.Size([20, 33, 24])
    """

    _n = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            False,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )


class _ConvTransposeNd(_ConvNd):
    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        output_padding,
        groups,
        bias,
        dilation,
        padding_mode,
        device,
        dtype,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            True,
            output_padding,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _output_padding(self, input: Tensor, output_size) -> tuple:  # noqa: A002
        """torch's rule: the output_padding that makes the output ``output_size``."""
        if output_size is None:
            return self.output_padding
        n = self._n
        lead = 2 if input.dim() == n + 2 else 1
        output_size = list(output_size)
        if len(output_size) == lead + n:
            output_size = output_size[lead:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.dim()}D input, output_size must "
                f"have {n} or {n + lead} elements (got {len(output_size)})"
            )
        min_sizes, max_sizes = [], []
        for d in range(n):
            size = (
                (input.size(d + lead) - 1) * self.stride[d]
                - 2 * self.padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1)
                + 1
            )
            min_sizes.append(size)
            max_sizes.append(size + self.stride[d] - 1)
        for d in range(n):
            if not min_sizes[d] <= output_size[d] <= max_sizes[d]:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{min_sizes} to {max_sizes} (for an input of {list(input.shape)[lead:]})"
                )
        return tuple(output_size[d] - min_sizes[d] for d in range(n))

    def forward(self, input: Tensor, output_size=None) -> Tensor:  # noqa: A002
        fn = F.conv_transpose1d if self._n == 1 else F.conv_transpose2d
        output_padding = self._output_padding(input, output_size)
        return fn(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution layer: ``F.conv_transpose2d(x, weight, bias, ...)``.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, groups, bias, dilation: as
            :class:`Conv2d` (padding is the padding of the conv this layer transposes).
        output_padding: extra size added to the bottom/right of the output.
        padding_mode: only ``'zeros'``.

    Shape:
        Input (N, C_in, H, W); output (N, C_out, H_out, W_out) with
        H_out = (H - 1) sH - 2 pH + dH (kH - 1) + output_padding + 1. ``forward(x,
        output_size=...)`` picks the output_padding that gives that size.

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.ConvTranspose2d(16, 8, 3, stride=2)
        >>> m(eg.randn(1, 16, 12, 12), output_size=[25, 26]).shape
        eagergrad.Size([1, 8, 25, 26])
    """

    _n = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            bias,
            dilation,
            padding_mode,
            device,
            dtype,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution layer; arguments as :class:`ConvTranspose2d`.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ConvTranspose1d(4, 2, 3, stride=2)(eg.randn(1, 4, 5)).shape
        eagergrad.Size([1, 2, 11])
    """

    _n = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            bias,
            dilation,
            padding_mode,
            device,
            dtype,
        )
