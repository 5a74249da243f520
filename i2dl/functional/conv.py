"""2-D convolution on the kernel triad (``conv2d_forward`` / ``conv2d_backward``)."""
from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd import Function
from ..ops import contiguous_array


def _pair(v):
    return (v, v) if isinstance(v, (int, np.integer)) else tuple(v)


class Conv2dFunction(Function):
    """2-D cross-correlation (see i2dl.kernels.reference.conv for the formula and shapes)."""

    @staticmethod
    def forward(ctx, x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
        x, w, b = contiguous_array(x), contiguous_array(w), contiguous_array(b)
        ctx.k = kernels.for_array(x)
        ctx.x, ctx.w, ctx.has_b = x, w, b is not None
        ctx.params = dict(stride=_pair(stride), padding=_pair(padding), dilation=_pair(dilation), groups=groups)
        return ctx.k.conv2d_forward(x, w, b, **ctx.params)

    @staticmethod
    def backward(ctx, g):
        dx, dw, db = ctx.k.conv2d_backward(contiguous_array(g), ctx.x, ctx.w, bias=ctx.has_b,
                                           input_grad=ctx.needs_input_grad[0], **ctx.params)
        return dx, dw, db


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation: y[n, o] = b[o] + sum_{c, kh, kw} w[o, c, kh, kw] x_pad[n, g*Cg + c, i*S + kh*D, j*S + kw*D].

    x (N, C, H, W), weight (O, C/groups, KH, KW), bias (O,) or None -> (N, O, OH, OW) with
    OH = floor((H + 2P - D(KH - 1) - 1) / S) + 1. Reference: ``i2dl.kernels.reference.conv2d_forward``.

    >>> x = i2dl.randn(2, 3, 8, 8)
    >>> w = i2dl.randn(4, 3, 3, 3, requires_grad=True)
    >>> F.conv2d(x, w, padding=1).shape
    (2, 4, 8, 8)"""
    return Conv2dFunction.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)


class ConvTranspose2dFunction(Function):
    """The transposed convolution (conv2d's adjoint; see i2dl.kernels.reference.conv_transpose2d_forward)."""

    @staticmethod
    def forward(ctx, x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        x, w, b = contiguous_array(x), contiguous_array(w), contiguous_array(b)
        ctx.k = kernels.for_array(x)
        ctx.x, ctx.w, ctx.has_b = x, w, b is not None
        ctx.params = dict(stride=_pair(stride), padding=_pair(padding), output_padding=_pair(output_padding),
                          groups=groups, dilation=_pair(dilation))
        return ctx.k.conv_transpose2d_forward(x, w, b, **ctx.params)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.conv_transpose2d_backward(contiguous_array(g), ctx.x, ctx.w, bias=ctx.has_b,
                                               input_grad=ctx.needs_input_grad[0], **ctx.params)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transposed ("up-") convolution, conv2d's adjoint: each input pixel spreads its channels over a
    kernel-sized patch of the output, y[n, o, i S - P + kh D, j S - P + kw D] += x[n, c, i, j] w[c, o, kh, kw].

    x (N, Cin, H, W), weight (Cin, Cout/groups, KH, KW), bias (Cout,) or None ->
    (N, Cout, (H - 1) S - 2P + D (KH - 1) + output_padding + 1, ...). Its forward runs conv2d's input
    gradient and its input gradient conv2d's forward. Reference:
    ``i2dl.kernels.reference.conv_transpose2d_forward``.

    >>> F.conv_transpose2d(i2dl.randn(2, 8, 16, 16), i2dl.randn(8, 4, 2, 2), stride=2).shape
    (2, 4, 32, 32)"""
    return ConvTranspose2dFunction.apply(x, weight, bias, stride=stride, padding=padding,
                                         output_padding=output_padding, groups=groups, dilation=dilation)
