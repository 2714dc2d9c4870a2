"""Pooling, resizing and padding layers (torch.nn.modules.pooling, Upsample, Fold/Unfold and
the padding layers of torch.nn.modules.padding)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "Unfold",
    "Fold",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


class _MaxPoolNd(Module):
    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling: ``F.max_pool2d`` with the layer's settings.

    Args:
        kernel_size: window size (int or (kH, kW)).
        stride: window step; defaults to ``kernel_size``.
        padding: implicit -inf padding on both sides.
        dilation: spacing between window elements.
        return_indices: also return the flat indices of the maxima.
        ceil_mode: round the output size up.

    Shape:
        Input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) with
        H_out = (H + 2 p - d (k - 1) - 1) // s + 1 (rounded up with ceil_mode).

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.MaxPool2d(2)
        >>> m
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> m(eg.randn(64, 32, 28, 28)).shape
        eagergrad.Size([64, 32, 14, 14])
    """

    def forward(self, input: Tensor):  # noqa: A002
        return F.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling: ``F.max_pool1d``; arguments as :class:`MaxPool2d`.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.MaxPool1d(3, stride=2)(eg.randn(20, 16, 50)).shape
        eagergrad.Size([20, 16, 24])
    """

    def forward(self, input: Tensor):  # noqa: A002
        return F.max_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool2d(Module):
    """2-D average pooling: ``F.avg_pool2d`` with the layer's settings.

    Args:
        kernel_size: window size.
        stride: window step; defaults to ``kernel_size``.
        padding: implicit zero padding on both sides.
        ceil_mode: round the output size up.
        count_include_pad: count the zero padding in the divisor.
        divisor_override: divide by this instead of the window size.

    Shape:
        Input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.AvgPool2d(3, stride=2)
        >>> m
        AvgPool2d(kernel_size=3, stride=2, padding=0)
        >>> m(eg.randn(20, 16, 50, 32)).shape
        eagergrad.Size([20, 16, 24, 15])
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


def _single(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


class AvgPool1d(Module):
    """1-D average pooling: ``F.avg_pool1d``; arguments as :class:`AvgPool2d`.

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.AvgPool1d(3, stride=2)
        >>> m
        AvgPool1d(kernel_size=(3,), stride=(2,), padding=(0,))
        >>> m(eg.tensor([[[1., 2, 3, 4, 5, 6, 7]]]))
        tensor([[[2., 4., 6.]]])
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )


class _AdaptivePool(Module):
    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    """2-D adaptive average pooling to a fixed output size (windows overlap as torch's).

    Args:
        output_size: int or (H, W); None keeps that input size.

    Shape:
        Input (N, C, H, W) or (C, H, W); output (N, C, *output_size).

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.AdaptiveAvgPool2d((5, 7))
        >>> m(eg.randn(1, 64, 8, 9)).shape
        eagergrad.Size([1, 64, 5, 7])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePool):
    """1-D adaptive average pooling to length ``output_size``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.AdaptiveAvgPool1d(5)(eg.randn(1, 64, 8)).shape
        eagergrad.Size([1, 64, 5])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """2-D adaptive max pooling to a fixed output size.

    Args:
        output_size: int or (H, W); None keeps that input size.
        return_indices: also return the flat indices of the maxima.

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.AdaptiveMaxPool2d(2)
        >>> m
        AdaptiveMaxPool2d(output_size=2)
        >>> m(eg.randn(1, 3, 5, 5)).shape
        eagergrad.Size([1, 3, 2, 2])
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor):  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """1-D adaptive max pooling to length ``output_size``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.AdaptiveMaxPool1d(3)(eg.randn(1, 4, 8)).shape
        eagergrad.Size([1, 4, 3])
    """

    def forward(self, input: Tensor):  # noqa: A002
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class Upsample(Module):
    """Resizes by ``F.interpolate(x, size, scale_factor, mode, align_corners)``.

    Args:
        size: output spatial size.
        scale_factor: multiplier of the spatial size.
        mode: ``'nearest'``, ``'linear'`` or ``'bilinear'``.
        align_corners: for the linear modes.
        recompute_scale_factor: see :func:`eagergrad.nn.functional.interpolate`.

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.Upsample(scale_factor=2)
        >>> m
        Upsample(scale_factor=2.0, mode='nearest')
        >>> m(eg.tensor([[[1., 2.]]]))
        tensor([[[1., 1., 2., 2.]]])
    """

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """``Upsample(mode='nearest')`` on 4-D input.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.UpsamplingNearest2d(scale_factor=2)(eg.ones(1, 1, 2, 2)).shape
        eagergrad.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(mode='bilinear', align_corners=True)`` on 4-D input.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.UpsamplingBilinear2d(scale_factor=2)(eg.ones(1, 1, 2, 2)).shape
        eagergrad.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class Unfold(Module):
    """Extracts sliding blocks: ``F.unfold`` (N, C, H, W) -> (N, C * prod(kernel), L).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Unfold(kernel_size=(2, 3))(eg.randn(2, 5, 3, 4)).shape
        eagergrad.Size([2, 30, 4])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Fold(Module):
    """Sums sliding blocks back into an image: ``F.fold`` (the adjoint of :class:`Unfold`).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))(eg.randn(1, 12, 12)).shape
        eagergrad.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )


# --- padding layers -----------------------------------------------------------------------------
class _PadNd(Module):
    """``F.pad(x, padding, mode)``; an int padding pads every side of the last n dims."""

    _n = 2
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        if isinstance(padding, (tuple, list)):
            if len(padding) != 2 * self._n:
                raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of "
                                 f"{2 * self._n} ints, got {padding}")
            self.padding = tuple(padding)
        else:
            self.padding = (padding,) * (2 * self._n)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"  # NOTE: torch's repr of these layers has no "padding="


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with ``value``: padding int or (left, right).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ConstantPad1d(1, 3.5)(eg.zeros(1, 2))
        tensor([[3.5000, 0.0000, 0.0000, 3.5000]])
    """

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with ``value``: padding int or (left, right, top, bottom).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ConstantPad2d((1, 0, 0, 1), 2.)(eg.zeros(1, 1, 1)).tolist()
        [[[2.0, 0.0], [2.0, 2.0]]]
    """

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with ``value``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ConstantPad3d(1, 0.)(eg.zeros(1, 1, 1, 1)).shape
        eagergrad.Size([1, 3, 3, 3])
    """

    _n = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ZeroPad1d((1, 2))(eg.ones(1, 1))
        tensor([[0., 1., 0., 0.]])
    """

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    """Pads the last 2 dims with zeros.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ZeroPad2d(1)(eg.ones(1, 1, 1)).shape
        eagergrad.Size([1, 3, 3])
    """

    _n = 2


class ZeroPad3d(ZeroPad1d):
    """Pads the last 3 dims with zeros.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ZeroPad3d(1)(eg.ones(1, 1, 1, 1)).shape
        eagergrad.Size([1, 3, 3, 3])
    """

    _n = 3


class ReflectionPad1d(_PadNd):
    """Pads the last dim by reflection (without repeating the edge).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ReflectionPad1d(2)(eg.tensor([[[0., 1., 2., 3.]]]))
        tensor([[[2., 1., 0., 1., 2., 3., 2., 1.]]])
    """

    _n = 1
    _mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pads the last 2 dims by reflection.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ReflectionPad2d(1)(eg.ones(1, 1, 2, 2)).shape
        eagergrad.Size([1, 1, 4, 4])
    """

    _n = 2


class ReflectionPad3d(ReflectionPad1d):
    """Pads the last 3 dims by reflection.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ReflectionPad3d(1)(eg.ones(1, 1, 2, 2, 2)).shape
        eagergrad.Size([1, 1, 4, 4, 4])
    """

    _n = 3


class ReplicationPad1d(_PadNd):
    """Pads the last dim by repeating the edge value.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ReplicationPad1d((1, 2))(eg.tensor([[[0., 1.]]]))
        tensor([[[0., 0., 1., 1., 1.]]])
    """

    _n = 1
    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pads the last 2 dims by repeating the edge values.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ReplicationPad2d(1)(eg.ones(1, 1, 2, 2)).shape
        eagergrad.Size([1, 1, 4, 4])
    """

    _n = 2


class ReplicationPad3d(ReplicationPad1d):
    """Pads the last 3 dims by repeating the edge values.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.ReplicationPad3d(1)(eg.ones(1, 1, 2, 2, 2)).shape
        eagergrad.Size([1, 1, 4, 4, 4])
    """

    _n = 3


class CircularPad1d(_PadNd):
    """Pads the last dim circularly (wrapping around).

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.CircularPad1d(1)(eg.tensor([[[0., 1., 2.]]]))
        tensor([[[2., 0., 1., 2., 0.]]])
    """

    _n = 1
    _mode = "circular"


class CircularPad2d(CircularPad1d):
    """Pads the last 2 dims circularly.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.CircularPad2d(1)(eg.ones(1, 1, 2, 2)).shape
        eagergrad.Size([1, 1, 4, 4])
    """

    _n = 2


class CircularPad3d(CircularPad1d):
    """Pads the last 3 dims circularly.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.CircularPad3d(1)(eg.ones(1, 1, 2, 2, 2)).shape
        eagergrad.Size([1, 1, 4, 4, 4])
    """

    _n = 3
