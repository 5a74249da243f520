"""Upsampling on the kernel triad (``upsample2d_forward`` / ``upsample2d_backward``): PyTorch's
F.interpolate for 4-D inputs, modes 'nearest' and 'bilinear'; the taps and coordinate rules are in
``i2dl.kernels.checks.upsample``."""
from __future__ import annotations

import math

from .. import kernels
from ..autograd import Function
from ..ops import contiguous_array


class Upsample2dFunction(Function):
    @staticmethod
    def forward(ctx, x, size=None, scale_factor=None, mode="nearest", align_corners=None):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        ctx.shape, ctx.params = tuple(x.shape), dict(size=size, scale_factor=scale_factor, mode=mode,
                                                     align_corners=align_corners)
        return ctx.k.upsample2d_forward(x, **ctx.params)

    @staticmethod
    def backward(ctx, g):
        return ctx.k.upsample2d_backward(contiguous_array(g), ctx.shape, **ctx.params)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resizes the planes of input (N, C, H, W) to ``size`` (OH, OW) or by ``scale_factor`` (OH = floor(H *
    scale_factor)), by PyTorch's rules: 'nearest' takes x[floor(o * scale)], 'bilinear' weighs the two
    neighbours on each axis (``align_corners``: the corner pixels' centres meet, scale (I - 1) / (O - 1);
    else the pixels' areas do, s = (o + 1/2) scale - 1/2). ``recompute_scale_factor``: compute the output
    size from the scale_factor and then use that size's own scale. The backward adds each output's
    gradient back to the inputs it was interpolated from, with the same weights.
    Reference: ``i2dl.kernels.reference.upsample2d_forward``.

    >>> F.interpolate(i2dl.ones(1, 2, 3, 4), scale_factor=2, mode="bilinear").shape
    (1, 2, 6, 8)"""
    if antialias:
        raise ValueError("interpolate: argument 'antialias' is not supported (must be False)")
    if input.ndim != 4:
        raise ValueError(f"interpolate: argument 'input' must be 4-D (N, C, H, W) (the 2-D modes 'nearest' and "
                         f"'bilinear'), got shape {tuple(input.shape)}")
    if recompute_scale_factor and scale_factor is not None:
        sh, sw = (scale_factor, scale_factor) if not isinstance(scale_factor, (tuple, list)) else scale_factor
        size, scale_factor = (math.floor(input.shape[2] * sh), math.floor(input.shape[3] * sw)), None
    if isinstance(size, int):
        size = (size, size)
    return Upsample2dFunction.apply(input, size=None if size is None else tuple(size),
                                    scale_factor=scale_factor if not isinstance(scale_factor, list) else tuple(scale_factor),
                                    mode=mode, align_corners=align_corners)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """PyTorch's older name of :func:`interpolate`.

    >>> F.upsample(i2dl.ones(1, 1, 2, 2), size=3).shape
    (1, 1, 3, 3)"""
    return interpolate(input, size, scale_factor, mode, align_corners)
