"""Upsample and its two fixed-mode forms, with PyTorch's arguments (F.interpolate underneath)."""
from __future__ import annotations

from .. import functional as F
from .module import Module


class Upsample(Module):
    """Resizes (N, C, H, W) to ``size`` or by ``scale_factor``, mode 'nearest' or 'bilinear'
    (``align_corners`` for bilinear); see :func:`i2dl.functional.interpolate`.

    >>> nn.Upsample(scale_factor=2, mode="nearest")(i2dl.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)"""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}" + ("" if self.align_corners is None else
                                                 f", align_corners={self.align_corners}")


class UpsamplingNearest2d(Upsample):
    """Upsample with mode 'nearest'.

    >>> nn.UpsamplingNearest2d(scale_factor=3)(i2dl.ones(1, 1, 2, 2)).shape
    (1, 1, 6, 6)"""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample with mode 'bilinear' and align_corners=True (as PyTorch's).

    >>> nn.UpsamplingBilinear2d(size=(3, 5))(i2dl.ones(1, 1, 2, 2)).shape
    (1, 1, 3, 5)"""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
