"""Max, average and global average pooling on the kernel triad."""
from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..ops import contiguous_array


class MaxPool2dFunction(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        y, ctx.idx = ctx.k.max_pool2d_forward(x, kernel_size, stride, padding)
        ctx.x_shape = x.shape
        return y

    @staticmethod
    def backward(ctx, g):
        return ctx.k.max_pool2d_backward(contiguous_array(g), ctx.idx, ctx.x_shape)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling: y[n, c, i, j] = max over the window at (i*S - P, j*S - P) of size K (padding never wins).

    x (N, C, H, W) -> (N, C, OH, OW), OH = floor((H + 2P - K) / S) + 1; stride defaults to
    kernel_size, padding at most half the kernel (as in PyTorch). The gradient goes to the first
    maximum of each window. Reference: ``i2dl.kernels.reference.max_pool2d_forward``.

    >>> F.max_pool2d(i2dl.randn(2, 3, 8, 8), 2).shape
    (2, 3, 4, 4)"""
    return MaxPool2dFunction.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


class AvgPool2dFunction(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        ctx.params = dict(kernel=kernel_size, stride=stride, padding=padding)
        ctx.x_shape = x.shape
        return ctx.k.avg_pool2d_forward(x, **ctx.params)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.avg_pool2d_backward(contiguous_array(g), ctx.x_shape, **ctx.params)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average pooling: y = (1 / (KH KW)) sum over the window, padding counted as zeros
    (count_include_pad=True, PyTorch's default).

    x (N, C, H, W) -> (N, C, OH, OW) as max_pool2d. Reference: ``i2dl.kernels.reference.avg_pool2d_forward``.

    >>> F.avg_pool2d(i2dl.ones(1, 1, 4, 4), 2).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]"""
    return AvgPool2dFunction.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


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
    items = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(items) == 2 and x.ndim == 4:
        items = tuple(int(x.shape[2 + i]) if v is None else v for i, v in enumerate(items))
    return AdaptiveAvgPool2dFunction.apply(x, output_size=items)
