"""Kernels made of other kernels of the same backend, written once for all three: each backend
defines the kernel by calling these with itself, so the reference composes reference kernels, the
cpu backend C++ ones and the cuda backend CUDA ones.

The transposed convolution is conv2d's adjoint: its forward is conv2d's input gradient, its input
gradient conv2d's forward and its weight gradient conv2d's weight gradient with input and output
swapped. ``conv_transpose2d_backward`` below is that, on any backend; the forward is each
backend's own (the input gradient alone is not a kernel of every backend).

ConvLSTM (lecture §XI.3: "gates have CNNs instead of FC layers"): the four gates of a step come from
one convolution over the channels of [x, h], gates = conv2d([x, h], weight, bias) of shape
(N, 4 Hc, H, W), then the LSTM's fused pass (``lstm_gates_forward``) per pixel:
i, f, o = sigma, g = tanh; c' = f c + i g; h' = o tanh(c'). Backward: the fused pass's adjoint
(``lstm_gates_backward``) gives dgates, and the convolution's backward gives d[x, h] and dweight.
A missing h is zeros in the convolution's input (its weights then get a zero gradient).

The multi-tensor optimizer steps of the reference and cuda backends are their single-tensor step
on every tensor of the lists (``each_tensor``); the cpu backend's are one C++ call.
"""
from __future__ import annotations

import numpy as np

from .checks import check_conv_lstm_cell_backward, check_conv_lstm_cell_forward


def each_tensor(kernel, lists, /, **scalars):
    """``kernel(lists[0][i], lists[1][i], ..., **scalars)`` for every i, None for a list that is None."""
    for i in range(len(lists[0])):
        kernel(*[None if a is None else a[i] for a in lists], **scalars)


def xp_of(a):
    """NumPy or CuPy, the module of array ``a`` (kernels sit below i2dl.ops and its xp_of)."""
    if isinstance(a, np.ndarray):
        return np
    import cupy
    return cupy


def _xh(x, h, Hc):
    xp = xp_of(x)
    if h is None:
        h = xp.zeros((x.shape[0], Hc) + tuple(x.shape[2:]), dtype=x.dtype)
    return xp.ascontiguousarray(xp.concatenate([x, h], axis=1))


def pad_to(a, shape):
    """``a`` (N, C, H, W) zero-padded at the bottom and right to (N, C, *shape) (itself when it has that size)."""
    if tuple(a.shape[2:]) == tuple(shape):
        return a
    out = xp_of(a).zeros(tuple(a.shape[:2]) + tuple(shape), dtype=a.dtype)
    out[:, :, :a.shape[2], :a.shape[3]] = a
    return out


def crop_to(a, shape):
    """``a`` (N, C, H', W') cut to its top-left (N, C, *shape), contiguous."""
    if tuple(a.shape[2:]) == tuple(shape):
        return a
    return xp_of(a).ascontiguousarray(a[:, :, :shape[0], :shape[1]])


def conv_transpose2d_taps(x, w, b, g):
    """The transposed convolution by its formula, tap by tap, in float64 (NumPy or CuPy as x): every
    input pixel spreads its channels, weighted by the kernel, onto the full output
    y_full[n, g Cog + o, i S + kh D, j S + kw D] += sum_c x[n, g Cg + c, i, j] w[g Cg + c, o, kh, kw],
    cropped by the padding (output_padding rows beyond the full extent are zeros) + b. ``g`` is the
    adjoint conv's geometry (check_conv_transpose2d_forward)."""
    xp = xp_of(x)
    N, Cin, H, W = (int(v) for v in x.shape)
    groups = g.groups
    Cg, Cog = Cin // groups, g.C // groups
    full_h, full_w = (H - 1) * g.SH + g.DH * (g.KH - 1) + 1, (W - 1) * g.SW + g.DW * (g.KW - 1) + 1
    full = xp.zeros((N, g.C, max(full_h, g.PH + g.H), max(full_w, g.PW + g.W)))
    xg = x.astype(np.float64).reshape(N, groups, Cg, H, W)
    wg = w.astype(np.float64).reshape(groups, Cg, Cog, g.KH, g.KW)
    for kh in range(g.KH):
        for kw in range(g.KW):
            tap = xp.einsum("ngcij,gco->ngoij", xg, wg[:, :, :, kh, kw]).reshape(N, g.C, H, W)
            r, c = kh * g.DH, kw * g.DW
            full[:, :, r:r + (H - 1) * g.SH + 1:g.SH, c:c + (W - 1) * g.SW + 1:g.SW] += tap
    y = full[:, :, g.PH:g.PH + g.H, g.PW:g.PW + g.W]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return xp.ascontiguousarray(y, dtype=x.dtype)


def needs_taps(x, w, g):
    """Whether a backend's transposed convolution must take the formula: where the output padding
    reaches a stride or more, the adjoint conv reads zero rows appended to x, and 0 * inf would put
    NaN where the formula has no product (a weight not finite). Rare: output_padding >= stride needs
    dilation > stride."""
    return tuple(x.shape[2:]) != (g.OH, g.OW) and not bool(xp_of(w).isfinite(w).all())


def conv_transpose2d_backward(k, dy, x, w, stride=1, padding=0, output_padding=0, groups=1, dilation=1, bias=True,
                              input_grad=True):
    """dx = conv2d(dy, w) (the same stride, padding, dilation and groups), dw = conv2d's weight gradient
    with dy its input and x its output gradient, db[o] = sum over (n, i, j) of dy; on backend ``k``."""
    from .checks import check_conv_transpose2d_backward
    g = check_conv_transpose2d_backward(dy, x, w, stride, padding, output_padding, groups, dilation)
    conv = dict(stride=(g.SH, g.SW), padding=(g.PH, g.PW), dilation=(g.DH, g.DW), groups=g.groups)
    dx = crop_to(k.conv2d_forward(dy, w, None, **conv), x.shape[2:]) if input_grad else None
    _, dw, _ = k.conv2d_backward(pad_to(x, (g.OH, g.OW)), dy, w, bias=False, input_grad=False, **conv)
    # each plane summed pairwise along its contiguous pixels, then the N sums per channel: float32
    # (16, 64, 64, 64) in 0.7 ms, where a float64 sum over axes (0, 2, 3) took 2.3 ms (a tenth of the
    # U-Net up-convolution's forward+backward)
    N, C = dy.shape[:2]
    db = dy.reshape(N, C, dy.shape[2] * dy.shape[3]).sum(axis=2).sum(axis=0) if bias else None
    return dx, dw, db


def conv_lstm_cell_forward(k, x, h, c, weight, bias=None, padding=(0, 0)):
    """-> (h1, c1 (N, Hc, H, W), gates (N, 4 Hc, H, W) activated), on backend ``k``."""
    Cin, Hc, pad = check_conv_lstm_cell_forward(x, h, c, weight, bias, padding)
    z = k.conv2d_forward(_xh(x, h, Hc), weight, bias, (1, 1), pad, (1, 1), 1)
    return k.lstm_gates_forward(z, c)


def conv_lstm_cell_backward(k, dh1, dc1, x, h, c, weight, c1, gates, padding=(0, 0), bias=True, input_grad=True):
    """-> (dx or None, dh (None when h was), dc (None when c was), dweight, dbias or None), on backend ``k``."""
    Cin, Hc, pad, bias, input_grad = check_conv_lstm_cell_backward(dh1, dc1, x, h, c, weight, c1, gates, padding,
                                                                   bias, input_grad)
    dz, dc = k.lstm_gates_backward(dh1, dc1, c, c1, gates)
    dxh, dw, db = k.conv2d_backward(dz, _xh(x, h, Hc), weight, (1, 1), pad, (1, 1), 1, bias,
                                    input_grad or h is not None)
    xp = xp_of(x)
    dx = xp.ascontiguousarray(dxh[:, :Cin]) if input_grad else None
    dh = xp.ascontiguousarray(dxh[:, Cin:]) if h is not None else None
    return dx, dh, dc, dw, db
