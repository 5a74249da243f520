"""Max, average, adaptive and global average pooling on the kernel triad, and max unpooling."""
from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd import Function
from ..ops import contiguous_array
from ..tensor import Tensor


def _keep_indices(ctx, x, y_and_idx, indices):
    """A max pool's output; its maxima's positions kept for the backward (and handed out in
    ``indices``, a list, for return_indices)."""
    y, ctx.idx = y_and_idx
    ctx.x_shape = x.shape
    if indices is not None:
        indices.append(ctx.idx)
    return y


class MaxPool2dFunction(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, indices=None):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        return _keep_indices(ctx, x, ctx.k.max_pool2d_forward(x, kernel_size, stride, padding, dilation, ceil_mode),
                             indices)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.max_pool2d_backward(contiguous_array(g), ctx.idx, ctx.x_shape)


def _with_indices(y, found, return_indices):
    return (y, Tensor._wrap(found[0], False)) if return_indices else y


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling: y[n, c, i, j] = max over the window's taps x[n, c, i*S - P + kh*D, j*S - P + kw*D]
    (padding never wins).

    x (N, C, H, W) -> (N, C, OH, OW), OH = floor((H + 2P - D(K - 1) - 1) / S) + 1 (``ceil_mode``: the
    ceiling, the last window starting inside the input or its left padding); stride defaults to
    kernel_size, padding at most half the window (as in PyTorch). The gradient goes to the first
    maximum of each window; ``return_indices`` also returns its position h*W + w in the plane (an
    int64 Tensor, for ``max_unpool2d``). Reference: ``i2dl.kernels.reference.max_pool2d_forward``.

    >>> F.max_pool2d(i2dl.randn(2, 3, 8, 8), 2).shape
    (2, 3, 4, 4)
    >>> F.max_pool2d(i2dl.randn(1, 1, 5, 5), 2, ceil_mode=True).shape
    (1, 1, 3, 3)"""
    found = [] if return_indices else None
    y = MaxPool2dFunction.apply(x, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
                                ceil_mode=ceil_mode, indices=found)
    return _with_indices(y, found, return_indices)


class AvgPool2dFunction(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        ctx.params = dict(kernel=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode,
                          count_include_pad=count_include_pad, divisor_override=divisor_override)
        ctx.x_shape = x.shape
        return ctx.k.avg_pool2d_forward(x, **ctx.params)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.avg_pool2d_backward(contiguous_array(g), ctx.x_shape, **ctx.params)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average pooling: y = sum over the window / divisor, padding counted as zeros. The divisor is
    ``divisor_override``; else with ``count_include_pad`` (PyTorch's default) the window's size
    (KH KW, less a ceil-mode overhang past the padding); else the input elements in the window.

    x (N, C, H, W) -> (N, C, OH, OW) as max_pool2d. Reference: ``i2dl.kernels.reference.avg_pool2d_forward``.

    >>> F.avg_pool2d(i2dl.ones(1, 1, 4, 4), 2).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]"""
    return AvgPool2dFunction.apply(x, kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode,
                                   count_include_pad=count_include_pad, divisor_override=divisor_override)


class GlobalAvgPool2dFunction(Function):
    @staticmethod
    def forward(ctx, x):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        ctx.x_shape = x.shape
        return ctx.k.global_avg_pool2d_forward(x)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.global_avg_pool2d_backward(contiguous_array(g), ctx.x_shape)


def global_avg_pool2d(x):
    """y[n, c] = (1 / (H W)) sum_{h, w} x[n, c, h, w]: (N, C, H, W) -> (N, C, 1, 1).

    Reference: ``i2dl.kernels.reference.global_avg_pool2d_forward``.

    >>> F.global_avg_pool2d(i2dl.ones(2, 3, 5, 5)).shape
    (2, 3, 1, 1)"""
    return GlobalAvgPool2dFunction.apply(x)


class AdaptiveAvgPool2dFunction(Function):
    @staticmethod
    def forward(ctx, x, output_size=(1, 1)):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        ctx.x_shape = x.shape
        if tuple(output_size) == (1, 1):  # the global average: its own (faster) kernel, the same bins
            return ctx.k.global_avg_pool2d_forward(x)
        return ctx.k.adaptive_avg_pool2d_forward(x, output_size)

    @staticmethod
    def backward(ctx, g):
        if g.shape[2:] == (1, 1):
            return ctx.k.global_avg_pool2d_backward(contiguous_array(g), ctx.x_shape)
        return ctx.k.adaptive_avg_pool2d_backward(contiguous_array(g), ctx.x_shape)


def adaptive_avg_pool2d(x, output_size):
    """Average pooling to a given output size (OH, OW) (an int: square; None keeps that dim): output (i, j)
    is the mean over rows floor(i H / OH) .. ceil((i + 1) H / OH) - 1 and the same for the columns
    (PyTorch's bins). (N, C, H, W) -> (N, C, OH, OW). Reference:
    ``i2dl.kernels.reference.adaptive_avg_pool2d_forward``.

    >>> F.adaptive_avg_pool2d(i2dl.ones(2, 3, 7, 5), (3, 2)).shape
    (2, 3, 3, 2)"""
    return AdaptiveAvgPool2dFunction.apply(x, output_size=_output_size(x, output_size))


def _output_size(x, output_size):
    items = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(items) == 2 and x.ndim == 4:
        items = tuple(int(x.shape[2 + i]) if v is None else v for i, v in enumerate(items))
    return items


class AdaptiveMaxPool2dFunction(Function):
    @staticmethod
    def forward(ctx, x, output_size=(1, 1), indices=None):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        return _keep_indices(ctx, x, ctx.k.adaptive_max_pool2d_forward(x, output_size), indices)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.adaptive_max_pool2d_backward(contiguous_array(g), ctx.idx, ctx.x_shape)


def adaptive_max_pool2d(x, output_size, return_indices=False):
    """Max pooling to a given output size (OH, OW), over adaptive_avg_pool2d's bins: output (i, j)
    is the first maximum of rows floor(i H / OH) .. ceil((i + 1) H / OH) - 1 and the same columns.
    ``return_indices`` also returns its position h*W + w. Reference:
    ``i2dl.kernels.reference.adaptive_max_pool2d_forward``.

    >>> F.adaptive_max_pool2d(i2dl.randn(2, 3, 7, 5), (3, 2)).shape
    (2, 3, 3, 2)"""
    found = [] if return_indices else None
    y = AdaptiveMaxPool2dFunction.apply(x, output_size=_output_size(x, output_size), indices=found)
    return _with_indices(y, found, return_indices)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The lecture's unpooling, max_pool2d's partial inverse: every input value put back at the
    position its pooling window's maximum came from (``indices``, from ``return_indices=True``),
    zeros elsewhere. (N, C, H, W) -> (N, C, OH, OW) with OH = (H - 1) S - 2P + K, or ``output_size``
    (within one stride of it, as PyTorch). Reference: ``i2dl.kernels.reference.max_unpool2d_forward``.

    >>> y, idx = F.max_pool2d(i2dl.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]), 2, return_indices=True)
    >>> F.max_unpool2d(y, idx, 2).tolist()
    [[[[0.0, 0.0], [0.0, 4.0]]]]"""
    fn = "max_unpool2d"
    from ..kernels.checks import as_pair, check_float_array
    x = input.data if isinstance(input, Tensor) else input
    idx = indices.data if isinstance(indices, Tensor) else indices
    check_float_array(fn, "input", x, 4)
    if getattr(idx, "dtype", None) != np.int64 or tuple(idx.shape) != tuple(x.shape):
        raise ValueError(f"{fn}: argument 'indices' must be an int64 array of the input's shape {tuple(x.shape)}, "
                         f"got {getattr(idx, 'dtype', type(idx).__name__)} of shape {tuple(getattr(idx, 'shape', ()))}")
    KH, KW = as_pair(fn, "kernel_size", kernel_size, 1)
    SH, SW = as_pair(fn, "stride", kernel_size if stride is None else stride, 1)
    PH, PW = as_pair(fn, "padding", padding, 0)
    H, W = int(x.shape[2]), int(x.shape[3])
    default = ((H - 1) * SH - 2 * PH + KH, (W - 1) * SW - 2 * PW + KW)
    if output_size is None:
        out_hw = default
    else:
        out_hw = tuple(int(v) for v in tuple(output_size)[-2:])
        for d, (o, base, s) in enumerate(zip(out_hw, default, (SH, SW))):
            if not base - s < o < base + s:
                raise ValueError(f"{fn}: argument 'output_size' must be within a stride of {default} (between "
                                 f"{base - s + 1} and {base + s - 1} along dim {d + 2}), got {tuple(output_size)}")
    if min(out_hw) < 1:
        raise ValueError(f"{fn}: the output would be empty: {out_hw} from input {tuple(x.shape)}")
    return MaxUnpool2dFunction.apply(input, idx=contiguous_array(idx), output_size=out_hw)


class MaxUnpool2dFunction(Function):
    @staticmethod
    def forward(ctx, x, idx=None, output_size=(1, 1)):
        ctx.k, ctx.idx = kernels.for_array(x), idx
        return ctx.k.max_unpool2d_forward(contiguous_array(x), idx, output_size)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.max_unpool2d_backward(contiguous_array(g), ctx.idx)
