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
    """Max pooling; stride defaults to kernel_size (as in PyTorch)."""
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
    """Average pooling, padding counted as zeros (count_include_pad=True, PyTorch's default)."""
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
    """(N, C, H, W) -> (N, C, 1, 1), the mean of each plane."""
    return GlobalAvgPool2dFunction.apply(x)
