"""Max and average pooling, NCHW, floor mode (PyTorch's default).

Output size per spatial dim: ``floor((N + 2P - K) / S) + 1``; padding at most half the kernel.

* max:   y[n, c, i, j] = max over the window; ``idx`` holds ih*W + iw of the first maximum
  (ties go to the first, in row-major window order; NaN propagates), the state the backward needs:
  dx[n, c].flat[idx] += dy.
* average: y = (1 / (KH*KW)) * sum over the window, padding counted as zeros (PyTorch's default
  ``count_include_pad=True``); dx spreads each dy / (KH*KW) back over its window.
* adaptive average: the bins of an output size (PyTorch's rule, in adaptive_avg_pool2d_forward);
* global average: y[n, c] = mean over H*W, shape (N, C, 1, 1).
"""
from __future__ import annotations

import numpy as np

from ..checks import (check_adaptive_avg_pool2d_backward, check_adaptive_avg_pool2d_forward, check_avg_pool2d_backward,
                      check_avg_pool2d_forward, check_global_avg_pool2d_backward, check_global_avg_pool2d_forward,
                      check_max_pool2d_backward, check_max_pool2d_forward)


def _windows(x_pad, g):
    """(N, C, OH, OW, KH, KW): every pooling window as a view (no copy)."""
    v = np.lib.stride_tricks.sliding_window_view(x_pad, (g.KH, g.KW), axis=(2, 3))
    return v[:, :, ::g.SH, ::g.SW][:, :, :g.OH, :g.OW]


def max_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0)):
    """Returns (y, idx): y (N, C, OH, OW), idx int64 (N, C, OH, OW) into each input plane."""
    g = check_max_pool2d_forward(x, kernel, stride, padding)
    x_pad = np.pad(x, ((0, 0), (0, 0), (g.PH, g.PH), (g.PW, g.PW)), constant_values=-np.inf)
    win = _windows(x_pad, g).reshape(g.N, g.C, g.OH, g.OW, g.KH * g.KW)
    arg = np.argmax(win, axis=-1)                                    # first maximum; NaN counts as maximum
    y = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    kh, kw = np.divmod(arg, g.KW)
    ih = np.arange(g.OH).reshape(-1, 1) * g.SH - g.PH + kh
    iw = np.arange(g.OW).reshape(1, -1) * g.SW - g.PW + kw
    return np.ascontiguousarray(y), (ih * g.W + iw).astype(np.int64)


def max_pool2d_backward(dy, idx, x_shape):
    """dx (x_shape): each dy routed to the input element its window's maximum came from."""
    N, C, H, W = check_max_pool2d_backward(dy, idx, x_shape)
    dx = np.zeros((N * C, H * W), dtype=dy.dtype)
    planes = np.repeat(np.arange(N * C), dy.shape[2] * dy.shape[3])
    np.add.at(dx, (planes, idx.reshape(-1)), dy.reshape(-1))
    return dx.reshape(N, C, H, W)


def avg_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0)):
    g = check_avg_pool2d_forward(x, kernel, stride, padding)
    x_pad = np.pad(x, ((0, 0), (0, 0), (g.PH, g.PH), (g.PW, g.PW)))
    return np.ascontiguousarray(_windows(x_pad, g).mean(axis=(-2, -1)), dtype=x.dtype)


def avg_pool2d_backward(dy, x_shape, kernel=(2, 2), stride=None, padding=(0, 0)):
    g = check_avg_pool2d_backward(dy, x_shape, kernel, stride, padding)
    dx_pad = np.zeros((g.N, g.C, g.H + 2 * g.PH, g.W + 2 * g.PW), dtype=dy.dtype)
    share = dy / (g.KH * g.KW)
    for kh in range(g.KH):
        for kw in range(g.KW):
            dx_pad[:, :, kh:kh + g.SH * (g.OH - 1) + 1:g.SH, kw:kw + g.SW * (g.OW - 1) + 1:g.SW] += share
    return np.ascontiguousarray(dx_pad[:, :, g.PH:g.PH + g.H, g.PW:g.PW + g.W])


def global_avg_pool2d_forward(x):
    """y[n, c, 0, 0] = (1 / (H*W)) sum_{h, w} x[n, c, h, w]."""
    check_global_avg_pool2d_forward(x)
    return x.mean(axis=(2, 3), keepdims=True)


def global_avg_pool2d_backward(dy, x_shape):
    N, C, H, W = check_global_avg_pool2d_backward(dy, x_shape)
    return np.ascontiguousarray(np.broadcast_to(dy / (H * W), (N, C, H, W)))


def adaptive_avg_pool2d_forward(x, output_size):
    """y[n, c, i, j] = the mean of x[n, c, h0:h1, w0:w1] over the bin of (i, j): h0 = floor(i H / OH),
    h1 = ceil((i + 1) H / OH), and likewise along the width (PyTorch's adaptive bins, which may overlap
    or, when OH > H, repeat rows). AdaptiveAvgPool2d((1, 1)) is the global average."""
    launch = check_adaptive_avg_pool2d_forward(x, output_size)
    b, (N, C, OH, OW) = launch.arrays, launch.outputs["y"][0]
    x64, y = x.astype(np.float64), np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            cell = x64[:, :, b["h_start"][i]:b["h_end"][i], b["w_start"][j]:b["w_end"][j]]
            y[:, :, i, j] = cell.sum(axis=(2, 3)) / (cell.shape[2] * cell.shape[3])
    return y.astype(x.dtype)


def adaptive_avg_pool2d_backward(dy, x_shape):
    """dx: each output's gradient divided by its bin's size, added to every element of the bin."""
    launch = check_adaptive_avg_pool2d_backward(dy, x_shape)
    b = launch.arrays
    dx = np.zeros(launch.outputs["dx"][0])
    dy64 = dy.astype(np.float64)
    for i in range(dy.shape[2]):
        for j in range(dy.shape[3]):
            h0, h1, w0, w1 = b["h_start"][i], b["h_end"][i], b["w_start"][j], b["w_end"][j]
            dx[:, :, h0:h1, w0:w1] += (dy64[:, :, i, j] / ((h1 - h0) * (w1 - w0)))[:, :, None, None]
    return dx.astype(dy.dtype)
