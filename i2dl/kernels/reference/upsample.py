"""Upsampling (lecture §X: fully convolutional networks grow their maps back with upsampling or
transposed convolutions): nearest and bilinear, PyTorch's F.interpolate. Both are separable
interpolations with a few taps per output row and column (the taps and PyTorch's coordinate
rules: ``i2dl.kernels.checks.upsample``):

    y[n, c, oh, ow] = sum_{a, b} (h_weight[oh, a] w_weight[ow, b]) x[n, c, h_index[oh, a], w_index[ow, b]]

and the backward is its adjoint: each such product's weight times dy[n, c, oh, ow] is added to the
tap it read, dx[n, c, h_index[oh, a], w_index[ow, b]].
"""
from __future__ import annotations

import numpy as np

from ..checks import check_upsample2d_backward, check_upsample2d_forward


def upsample2d_forward(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """x (N, C, H, W) -> y (N, C, OH, OW); OH = size[0] or floor(H * scale_factor[0])."""
    launch = check_upsample2d_forward(x, size, scale_factor, mode, align_corners)
    t = launch.arrays
    hw, ww = t["h_weight"].astype(np.float64), t["w_weight"].astype(np.float64)
    x64 = x.astype(np.float64)
    y = np.zeros(launch.outputs["y"][0])
    for a in range(hw.shape[1]):
        rows = x64[:, :, t["h_index"][:, a], :]
        for b in range(ww.shape[1]):
            y += (hw[:, a][:, None] * ww[:, b][None, :]) * rows[:, :, :, t["w_index"][:, b]]
    return y.astype(x.dtype)


def upsample2d_backward(dy, x_shape, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """dy (N, C, OH, OW) -> dx of ``x_shape``: every product of the forward's sum carried back to its tap."""
    launch = check_upsample2d_backward(dy, x_shape, size, scale_factor, mode, align_corners)
    t = launch.arrays
    hw, ww = t["h_weight"].astype(np.float64), t["w_weight"].astype(np.float64)
    dy64 = dy.astype(np.float64)
    dx = np.zeros(launch.outputs["dx"][0])
    for a in range(hw.shape[1]):
        for b in range(ww.shape[1]):
            np.add.at(dx, (slice(None), slice(None), t["h_index"][:, a][:, None], t["w_index"][:, b][None, :]),
                      (hw[:, a][:, None] * ww[:, b][None, :]) * dy64)
    return dx.astype(dy.dtype)
