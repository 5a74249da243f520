"""The fully connected layer and flatten: y = x W^T + b on the kernel triad (``linear_forward`` /
``linear_backward``, run by ``kernels.for_array(x)``: ``cuda`` for CuPy arrays, else ``cpu``, or
``reference`` inside ``i2dl.use_backend("reference")``)."""
from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..ops import contiguous_array
from ..tensor import Tensor


class LinearFunction(Function):
    """y = x w^T + b; x (..., in), w (out, in), b (out,)."""

    @staticmethod
    def forward(ctx, x, w, b=None):
        x, w, b = contiguous_array(x), contiguous_array(w), contiguous_array(b)
        ctx.k = kernels.for_array(x)
        ctx.x, ctx.w, ctx.has_b = x, w, b is not None
        return ctx.k.linear_forward(x, w, b)

    @staticmethod
    def backward(ctx, g):
        need_x = ctx.needs_input_grad[0]
        dx, dw, db = ctx.k.linear_backward(contiguous_array(g), ctx.x, ctx.w, bias=ctx.has_b, input_grad=need_x)
        return dx, dw, db


def linear(x, weight, bias=None):
    """y = x W^T + b.

    x (..., in_features), weight (out_features, in_features), bias (out_features,) or None ->
    (..., out_features). Reference: ``i2dl.kernels.reference.linear_forward``.

    >>> x = i2dl.randn(64, 784)
    >>> w = i2dl.randn(10, 784, requires_grad=True)
    >>> F.linear(x, w).shape
    (64, 10)"""
    return LinearFunction.apply(x, weight, bias)


def flatten(x: Tensor, start_dim=1):
    """The dims from ``start_dim`` on merged into one: (N, C, H, W) -> (N, C*H*W) for start_dim=1.

    >>> F.flatten(i2dl.randn(2, 3, 4, 4)).shape
    (2, 48)"""
    return x.flatten(start_dim)
