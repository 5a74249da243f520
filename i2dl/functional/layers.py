"""Layer ops that call the kernel triad: linear, conv2d, pooling, and dropout.

Each is an autograd Function whose forward/backward call ``kernels.for_array(x)`` — ``cuda``
for CuPy arrays, else ``cpu`` (or ``reference`` inside ``i2dl.use_backend("reference")``).
Kernels take C-contiguous arrays; a strided input (a transposed view, say) is made contiguous
here, once, with a copy.
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd import Function
from ..ops import xp_of
from ..random import generator
from ..tensor import Tensor


def _c(a):
    return a if a is None or a.flags.c_contiguous else xp_of(a).ascontiguousarray(a)


class Linear(Function):
    """y = x w^T + b; x (..., in), w (out, in), b (out,)."""

    @staticmethod
    def forward(ctx, x, w, b=None):
        x, w, b = _c(x), _c(w), _c(b)
        ctx.k = kernels.for_array(x)
        ctx.x, ctx.w, ctx.has_b = x, w, b is not None
        return ctx.k.linear_forward(x, w, b)

    @staticmethod
    def backward(ctx, g):
        need_x = ctx.needs_input_grad[0]
        dx, dw, db = ctx.k.linear_backward(_c(g), ctx.x, ctx.w, bias=ctx.has_b, input_grad=need_x)
        return dx, dw, db


def linear(x, weight, bias=None):
    return Linear.apply(x, weight, bias)


def _pair(v):
    return (v, v) if isinstance(v, (int, np.integer)) else tuple(v)


class Conv2d(Function):
    """2-D cross-correlation (see i2dl.kernels.reference.conv for the formula and shapes)."""

    @staticmethod
    def forward(ctx, x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
        x, w, b = _c(x), _c(w), _c(b)
        ctx.k = kernels.for_array(x)
        ctx.x, ctx.w, ctx.has_b = x, w, b is not None
        ctx.params = dict(stride=_pair(stride), padding=_pair(padding), dilation=_pair(dilation), groups=groups)
        return ctx.k.conv2d_forward(x, w, b, **ctx.params)

    @staticmethod
    def backward(ctx, g):
        dx, dw, db = ctx.k.conv2d_backward(_c(g), ctx.x, ctx.w, bias=ctx.has_b,
                                           input_grad=ctx.needs_input_grad[0], **ctx.params)
        return dx, dw, db


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return Conv2d.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        x = _c(x)
        ctx.k = kernels.for_array(x)
        y, ctx.idx = ctx.k.max_pool2d_forward(x, kernel_size, stride, padding)
        ctx.x_shape = x.shape
        return y

    @staticmethod
    def backward(ctx, g):
        return ctx.k.max_pool2d_backward(_c(g), ctx.idx, ctx.x_shape)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling; stride defaults to kernel_size (as in PyTorch)."""
    return MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


class AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        x = _c(x)
        ctx.k = kernels.for_array(x)
        ctx.params = dict(kernel=kernel_size, stride=stride, padding=padding)
        ctx.x_shape = x.shape
        return ctx.k.avg_pool2d_forward(x, **ctx.params)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.avg_pool2d_backward(_c(g), ctx.x_shape, **ctx.params)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average pooling, padding counted as zeros (count_include_pad=True, PyTorch's default)."""
    return AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


class GlobalAvgPool2d(Function):
    @staticmethod
    def forward(ctx, x):
        x = _c(x)
        ctx.k = kernels.for_array(x)
        ctx.x_shape = x.shape
        return ctx.k.global_avg_pool2d_forward(x)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.global_avg_pool2d_backward(_c(g), ctx.x_shape)


def global_avg_pool2d(x):
    """(N, C, H, W) -> (N, C, 1, 1), the mean of each plane."""
    return GlobalAvgPool2d.apply(x)


class Dropout(Function):
    """Inverted dropout: y = x * m / (1 - p) with m ~ Bernoulli(1 - p), so that eval needs no
    rescaling; the mask is the state handed to the backward."""

    @staticmethod
    def forward(ctx, x, p, mask_shape):
        xp = xp_of(x)
        keep = generator().random(mask_shape) >= p
        scale = np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
        ctx.mask = xp.asarray(keep.astype(x.dtype) * scale)
        return x * ctx.mask

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask


def dropout(x, p=0.5, training=True):
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: argument 'p' must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    return Dropout.apply(x, p=p, mask_shape=x.shape)


def dropout2d(x, p=0.5, training=True):
    """Spatial dropout: whole channels of (N, C, H, W) are dropped together."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout2d: argument 'p' must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    return Dropout.apply(x, p=p, mask_shape=x.shape[:2] + (1, 1))


def flatten(x: Tensor, start_dim=1):
    return x.flatten(start_dim)
