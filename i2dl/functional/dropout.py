"""Dropout (inverted) and spatial dropout: NumPy/CuPy expressions with the mask drawn from i2dl's
seedable generator."""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..ops import xp_of
from ..random import generator


class DropoutFunction(Function):
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
    """Inverted dropout: y = x * m / (1 - p), m ~ Bernoulli(1 - p) per element, in training; y = x in eval.

    Any shape; p in [0, 1). The mask comes from i2dl's seedable generator (``i2dl.manual_seed``).

    >>> y = F.dropout(i2dl.ones(4, 5), p=0.5)        # entries 0 or 2
    >>> F.dropout(i2dl.ones(4, 5), p=0.5, training=False).sum().item()
    20.0"""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: argument 'p' must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    return DropoutFunction.apply(x, p=p, mask_shape=x.shape)


def dropout2d(x, p=0.5, training=True):
    """Spatial dropout: whole channels of (N, C, H, W) are dropped together."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout2d: argument 'p' must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    return DropoutFunction.apply(x, p=p, mask_shape=x.shape[:2] + (1, 1))
