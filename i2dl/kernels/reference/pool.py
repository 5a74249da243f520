"""Max and average pooling, NCHW, with PyTorch's parameters.

Output size per spatial dim: ``floor((I + 2P - E) / S) + 1`` for the dilated window E = D(K - 1) + 1
(``ceil_mode``: the ceiling, less one where the last window would start past the input and its left
padding); padding at most half the window. A ceil-mode window may hang past the padding; it is cut
at the plane like the padding's part.

* max:   y[n, c, i, j] = max over the window's taps (rows oh*S - P + kh*D); ``idx`` holds ih*W + iw
  of the first maximum (ties go to the first, in row-major window order; NaN propagates), the
  state the backward needs: dx[n, c].flat[idx] += dy.
* average: y = sum over the window / divisor, padding counted as zeros; divisor = divisor_override,
  else with ``count_include_pad`` the window's size cut at the end of the padded plane (KH*KW but
  for a ceil-mode overhang), else the number of input elements in it; dx spreads each
  dy / divisor back over its window.
* adaptive max: the first maximum of each adaptive bin, and its index; backward as max's.
* max unpooling (the lecture's unpooling): y.flat[idx] = x per plane, zeros elsewhere (a repeated
  index keeps the last value written; max pooling's repeats carry equal values); dx = dy.flat[idx].
* adaptive average: the bins of an output size (PyTorch's rule, in adaptive_avg_pool2d_forward);
* global average: y[n, c] = mean over H*W, shape (N, C, 1, 1).
"""
from __future__ import annotations

import numpy as np

from ..checks import (check_adaptive_avg_pool2d_backward, check_adaptive_avg_pool2d_forward,
                      check_adaptive_max_pool2d_backward, check_adaptive_max_pool2d_forward, check_avg_pool2d_backward,
                      check_avg_pool2d_forward, check_global_avg_pool2d_backward, check_global_avg_pool2d_forward,
                      check_max_pool2d_backward, check_max_pool2d_forward, check_max_unpool2d_backward,
                      check_max_unpool2d_forward)


def _windows(x_pad, g):
    """(N, C, OH, OW, KH, KW): every pooling window as a view (no copy)."""
    v = np.lib.stride_tricks.sliding_window_view(x_pad, (g.KH, g.KW), axis=(2, 3))
    return v[:, :, ::g.SH, ::g.SW][:, :, :g.OH, :g.OW]


def _padded(x, g, value):
    """x padded by P on the left and top, and on the right and bottom far enough for every window
    of the (floor or ceil mode) output: (N, C, Hp, Wp)."""
    bottom = max(g.PH, (g.OH - 1) * g.SH + g.DH * (g.KH - 1) + 1 - g.H - g.PH)
    right = max(g.PW, (g.OW - 1) * g.SW + g.DW * (g.KW - 1) + 1 - g.W - g.PW)
    return np.pad(x, ((0, 0), (0, 0), (g.PH, bottom), (g.PW, right)), constant_values=value)


def _taps(x_pad, g):
    """(N, C, OH, OW, KH, KW): every window's taps as a view (no copy)."""
    EH, EW = g.DH * (g.KH - 1) + 1, g.DW * (g.KW - 1) + 1
    v = np.lib.stride_tricks.sliding_window_view(x_pad, (EH, EW), axis=(2, 3))[..., ::g.DH, ::g.DW]
    return v[:, :, ::g.SH, ::g.SW][:, :, :g.OH, :g.OW]


def max_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    """Returns (y, idx): y (N, C, OH, OW), idx int64 (N, C, OH, OW) into each input plane."""
    g = check_max_pool2d_forward(x, kernel, stride, padding, dilation, ceil_mode)
    win = _taps(_padded(x, g, -np.inf), g).reshape(g.N, g.C, g.OH, g.OW, g.KH * g.KW)
    # the first maximum (NaN counts as the maximum: np.argmax returns the first NaN) among the taps
    # inside the plane; a window of -inf takes its first tap inside, never a padding one
    kh, kw = np.divmod(np.arange(g.KH * g.KW), g.KW)
    ih = np.arange(g.OH).reshape(-1, 1, 1) * g.SH - g.PH + kh * g.DH
    iw = np.arange(g.OW).reshape(1, -1, 1) * g.SW - g.PW + kw * g.DW
    inside = np.broadcast_to((ih >= 0) & (ih < g.H) & (iw >= 0) & (iw < g.W), win.shape)
    arg = np.argmax(np.where(inside, win, -np.inf), axis=-1)
    arg = np.where(np.take_along_axis(inside, arg[..., None], axis=-1)[..., 0], arg, np.argmax(inside, axis=-1))
    y = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    ah, aw = np.divmod(arg, g.KW)
    rows = np.arange(g.OH).reshape(-1, 1) * g.SH - g.PH + ah * g.DH
    cols = np.arange(g.OW).reshape(1, -1) * g.SW - g.PW + aw * g.DW
    return np.ascontiguousarray(y), (rows * g.W + cols).astype(np.int64)


def _scatter(dy, idx, N, C, H, W):
    dx = np.zeros((N * C, H * W), dtype=dy.dtype)
    planes = np.repeat(np.arange(N * C), dy.shape[2] * dy.shape[3])
    np.add.at(dx, (planes, idx.reshape(-1)), dy.reshape(-1))
    return dx.reshape(N, C, H, W)


def max_pool2d_backward(dy, idx, x_shape):
    """dx (x_shape): each dy routed to the input element its window's maximum came from."""
    return _scatter(dy, idx, *check_max_pool2d_backward(dy, idx, x_shape))


def _avg_divisors(g):
    """(OH, OW): each window's divisor (the module docstring's rule)."""
    top = np.arange(g.OH) * g.SH - g.PH
    left = np.arange(g.OW) * g.SW - g.PW
    if g.divisor:
        return np.full((g.OH, g.OW), float(g.divisor))
    if g.count_include_pad:
        rows = np.minimum(top + g.KH, g.H + g.PH) - top
        cols = np.minimum(left + g.KW, g.W + g.PW) - left
    else:
        rows = np.minimum(top + g.KH, g.H) - np.maximum(top, 0)
        cols = np.minimum(left + g.KW, g.W) - np.maximum(left, 0)
    return np.outer(rows, cols).astype(np.float64)


def avg_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0), ceil_mode=False, count_include_pad=True,
                       divisor_override=None):
    g = check_avg_pool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    sums = _taps(_padded(x.astype(np.float64), g, 0.0), g).sum(axis=(-2, -1))
    return np.ascontiguousarray(sums / _avg_divisors(g), dtype=x.dtype)


def avg_pool2d_backward(dy, x_shape, kernel=(2, 2), stride=None, padding=(0, 0), ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    g = check_avg_pool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override)
    dx_pad = _padded(np.zeros((g.N, g.C, g.H, g.W)), g, 0.0)
    share = dy.astype(np.float64) / _avg_divisors(g)
    for kh in range(g.KH):
        for kw in range(g.KW):
            dx_pad[:, :, kh:kh + g.SH * (g.OH - 1) + 1:g.SH, kw:kw + g.SW * (g.OW - 1) + 1:g.SW] += share
    return np.ascontiguousarray(dx_pad[:, :, g.PH:g.PH + g.H, g.PW:g.PW + g.W], dtype=dy.dtype)


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


def adaptive_max_pool2d_forward(x, output_size):
    """Returns (y, idx): y[n, c, i, j] the first maximum (NaN wins) of x[n, c] over the adaptive bin
    of (i, j) (PyTorch's bins, as adaptive_avg_pool2d_forward's) and idx its position h*W + w."""
    launch = check_adaptive_max_pool2d_forward(x, output_size)
    b, (N, C, OH, OW) = launch.arrays, launch.outputs["y"][0]
    y, idx = np.empty((N, C, OH, OW), dtype=x.dtype), np.empty((N, C, OH, OW), dtype=np.int64)
    for i in range(OH):
        for j in range(OW):
            h0, h1, w0, w1 = b["h_start"][i], b["h_end"][i], b["w_start"][j], b["w_end"][j]
            cell = x[:, :, h0:h1, w0:w1].reshape(N, C, (h1 - h0) * (w1 - w0))
            arg = np.argmax(cell, axis=-1)  # the first maximum; NaN counts as the maximum
            y[:, :, i, j] = np.take_along_axis(cell, arg[..., None], axis=-1)[..., 0]
            kh, kw = np.divmod(arg, w1 - w0)
            idx[:, :, i, j] = (h0 + kh) * x.shape[3] + w0 + kw
    return y, idx


def adaptive_max_pool2d_backward(dy, idx, x_shape):
    """dx (x_shape): each dy routed to the input element its bin's maximum came from."""
    return _scatter(dy, idx, *check_adaptive_max_pool2d_backward(dy, idx, x_shape))


def max_unpool2d_forward(x, idx, output_size):
    launch = check_max_unpool2d_forward(x, idx, output_size)
    N, C, OH, OW = launch.outputs["y"][0]
    y = np.zeros((N * C, OH * OW), dtype=x.dtype)
    plane = x.shape[2] * x.shape[3]
    np.put_along_axis(y, idx.reshape(N * C, plane), x.reshape(N * C, plane), axis=1)
    return y.reshape(N, C, OH, OW)


def max_unpool2d_backward(dy, idx):
    check_max_unpool2d_backward(dy, idx)
    N, C, OH, OW = dy.shape
    plane = idx.shape[2] * idx.shape[3]
    return np.take_along_axis(dy.reshape(N * C, OH * OW), idx.reshape(N * C, plane), axis=1).reshape(idx.shape)
