"""Affine warps of images (the geometric augmentations of §VIII.1: rotation, shift, zoom), sampled
bilinearly.

    affine_warp2d_forward(x (N, C, H, W), theta (N, 2, 3), fill) -> y (N, C, H, W)

Output pixel (i, j) of image n samples its input at the position

    (s_y, s_x) = theta[n] · (i, j, 1)          (pixel coordinates, row first)

bilinearly: with y₀ = ⌊s_y⌋, x₀ = ⌊s_x⌋, a = s_y - y₀, b = s_x - x₀,

    y[n, c, i, j] = Σ over the corners (y₀ + u, x₀ + v), u, v ∈ {0, 1}, inside the image, of
                    (u ? a : 1 - a)(v ? b : 1 - b) · x[n, c, y₀ + u, x₀ + v]  +  fill · (the weight of the corners outside)

so a sample wholly outside the image is ``fill``, and one at an integer position inside copies that
pixel. A corner of weight 0 is not read (an infinite pixel next to the sample does not make it NaN);
a position that is not finite is outside.

    affine_warp2d_backward(dy, theta, x_shape) -> dx

dx[n, c, p] = Σ over the outputs that sample pixel p of their corner weight · dy (the transpose of
the forward's linear map in x). The sampling positions are not differentiated: an augmentation's
parameters are drawn, not learned.
"""
from __future__ import annotations

import numpy as np

from ..checks.warp import check_affine_warp2d_backward, check_affine_warp2d_forward


def _corners(theta, H, W):
    """For each of the 4 corners: (flat input index (N, H·W), weight (N, H·W) — zero where outside)."""
    i, j = np.mgrid[0:H, 0:W]
    pos = np.stack([i.ravel(), j.ravel(), np.ones(H * W)]).astype(np.float64)      # (3, H·W)
    s = theta.astype(np.float64) @ pos                                              # (N, 2, H·W)
    finite = np.isfinite(s).all(axis=1)
    sy, sx = np.where(finite, s[:, 0], -2.0), np.where(finite, s[:, 1], -2.0)       # not finite: outside
    sy, sx = np.clip(sy, -2.0, H + 1.0), np.clip(sx, -2.0, W + 1.0)                  # far outside stays outside
    y0, x0 = np.floor(sy), np.floor(sx)
    a, b = sy - y0, sx - x0
    out = []
    for u in (0, 1):
        for v in (0, 1):
            yy, xx = y0 + u, x0 + v
            inside = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
            w = (a if u else 1 - a) * (b if v else 1 - b) * inside
            out.append((np.where(inside, yy * W + xx, 0).astype(np.int64), w))
    return out


def affine_warp2d_forward(x, theta, fill=0.0):
    N, C, H, W = check_affine_warp2d_forward(x, theta, fill)
    flat = x.reshape(N, C, H * W).astype(np.float64)
    y = np.zeros((N, C, H * W))
    outside = np.ones((N, H * W))
    for idx, w in _corners(theta, H, W):
        vals = np.take_along_axis(flat, np.broadcast_to(idx[:, None], flat.shape), axis=2)
        y += np.where(w[:, None] > 0, vals * w[:, None], 0.0)      # a corner of weight 0 is not read
        outside -= w
    y += fill * outside[:, None]
    return y.reshape(N, C, H, W).astype(x.dtype)


def affine_warp2d_backward(dy, theta, x_shape):
    N, C, H, W = check_affine_warp2d_backward(dy, theta, x_shape)
    g = dy.reshape(N, C, H * W).astype(np.float64)
    dx = np.zeros((N, C, H * W))
    for idx, w in _corners(theta, H, W):
        for n in range(N):
            for c in range(C):
                np.add.at(dx[n, c], idx[n], np.where(w[n] > 0, g[n, c] * w[n], 0.0))
    return dx.reshape(N, C, H, W).astype(dy.dtype)
