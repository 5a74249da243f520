"""Kernels made of other kernels of the same backend, written once for all three: each backend
defines the kernel by calling these with itself, so the reference composes reference kernels, the
cpu backend C++ ones and the cuda backend CUDA ones.

ConvLSTM (lecture §XI.3: "gates have CNNs instead of FC layers"): the four gates of a step come from
one convolution over the channels of [x, h], gates = conv2d([x, h], weight, bias) of shape
(N, 4 Hc, H, W), then the LSTM's fused pass (``lstm_gates_forward``) per pixel:
i, f, o = sigma, g = tanh; c' = f c + i g; h' = o tanh(c'). Backward: the fused pass's adjoint
(``lstm_gates_backward``) gives dgates, and the convolution's backward gives d[x, h] and dweight.
A missing h is zeros in the convolution's input (its weights then get a zero gradient).
"""
from __future__ import annotations

import numpy as np

from .checks import check_conv_lstm_cell_backward, check_conv_lstm_cell_forward


def _xp(a):
    if isinstance(a, np.ndarray):
        return np
    import cupy
    return cupy


def _xh(x, h, Hc):
    xp = _xp(x)
    if h is None:
        h = xp.zeros((x.shape[0], Hc) + tuple(x.shape[2:]), dtype=x.dtype)
    return xp.ascontiguousarray(xp.concatenate([x, h], axis=1))


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
    xp = _xp(x)
    dx = xp.ascontiguousarray(dxh[:, :Cin]) if input_grad else None
    dh = xp.ascontiguousarray(dxh[:, Cin:]) if h is not None else None
    return dx, dh, dc, dw, db
