"""2-D convolution, written like the lecture: lower the input to columns (im2col), multiply by
the flattened filters, and for the backward pass take the adjoint of each step.

Cross-correlation as in PyTorch, NCHW layout::

    y[n, o, i, j] = b[o] + sum_{c, kh, kw} w[o, c, kh, kw] * x_pad[n, g*Cg + c, i*S_h + kh*D_h, j*S_w + kw*D_w]

with g = o // (O / groups), Cg = C / groups, x_pad the input zero-padded by P on each side.
Output size per spatial dim: ``floor((N + 2P - D(F - 1) - 1) / S) + 1``; an empty output raises.

Shapes: x (N, C, H, W), w (O, C/groups, KH, KW), b (O,) or None, y (N, O, OH, OW).
"""
from __future__ import annotations

import sys

import numpy as np

from .. import compose
from ..checks import check_conv2d_backward, check_conv2d_forward, check_conv_transpose2d_forward


def _taps(x_pad, g, kh, kw):
    """The input values that tap (kh, kw) of the filter sees at every output position: (N, C, OH, OW)."""
    h0, w0 = kh * g.DH, kw * g.DW
    return x_pad[:, :, h0:h0 + g.SH * (g.OH - 1) + 1:g.SH, w0:w0 + g.SW * (g.OW - 1) + 1:g.SW]


def im2col(x, g):
    """cols[n, c, kh, kw, oh, ow] = x_pad[n, c, oh*S + kh*D, ow*S + kw*D]."""
    x_pad = np.pad(x, ((0, 0), (0, 0), (g.PH, g.PH), (g.PW, g.PW)))
    cols = np.empty((g.N, g.C, g.KH, g.KW, g.OH, g.OW), dtype=x.dtype)
    for kh in range(g.KH):
        for kw in range(g.KW):
            cols[:, :, kh, kw] = _taps(x_pad, g, kh, kw)
    return cols


def col2im(cols, g, dtype):
    """The adjoint of im2col: every column entry is added back to the input pixel it was read from."""
    dx_pad = np.zeros((g.N, g.C, g.H + 2 * g.PH, g.W + 2 * g.PW), dtype=dtype)
    for kh in range(g.KH):
        for kw in range(g.KW):
            _taps(dx_pad, g, kh, kw)[...] += cols[:, :, kh, kw]
    return dx_pad[:, :, g.PH:g.PH + g.H, g.PW:g.PW + g.W]


def _grouped(cols, g):
    """(N, C, KH, KW, OH, OW) -> (groups, N, Cg*KH*KW, OH*OW): one column matrix per group."""
    Cg = g.C // g.groups
    c = cols.reshape(g.N, g.groups, Cg * g.KH * g.KW, g.OH * g.OW)
    return c.transpose(1, 0, 2, 3)


def conv2d_forward(x, w, b, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """y = W * x + b by im2col: per group, y_g = W_g (Og, Cg*KH*KW) @ cols_g (Cg*KH*KW, OH*OW)."""
    g = check_conv2d_forward(x, w, b, stride, padding, dilation, groups)
    Og = g.O // g.groups
    cols = _grouped(im2col(x, g), g)                                    # (G, N, K, P)
    wg = w.reshape(g.groups, Og, -1)                                    # (G, Og, K)
    y = np.einsum("gok,gnkp->ngop", wg, cols, optimize=True).reshape(g.N, g.O, g.OH, g.OW)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y, dtype=x.dtype)


def conv2d_backward(dy, x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=True,
                    input_grad=True):
    """Gradients of L with dL/dy = dy:

    dw_g = sum_n dy_g[n] @ cols_g[n]^T,   dx = col2im(W_g^T @ dy_g),   db[o] = sum_{n, oh, ow} dy[n, o].

    Returns (dx, dw, db); db is None when ``bias`` is False (the layer has no bias), dx is None when
    ``input_grad`` is False (the input needs no gradient, e.g. the first layer: that skips col2im).
    """
    g = check_conv2d_backward(dy, x, w, stride, padding, dilation, groups)
    Og = g.O // g.groups
    dyg = dy.reshape(g.N, g.groups, Og, g.OH * g.OW)                     # (N, G, Og, P)
    cols = _grouped(im2col(x, g), g)                                    # (G, N, K, P)
    dw = np.einsum("ngop,gnkp->gok", dyg, cols, optimize=True).reshape(w.shape)
    dx = None
    if input_grad:
        wg = w.reshape(g.groups, Og, -1)
        dcols = np.einsum("gok,ngop->ngkp", wg, dyg, optimize=True)     # (N, G, K, P)
        dx = np.ascontiguousarray(col2im(dcols.reshape(g.N, g.C, g.KH, g.KW, g.OH, g.OW), g, x.dtype))
    db = dy.sum(axis=(0, 2, 3)) if bias else None
    return dx, np.ascontiguousarray(dw, dtype=x.dtype), db


# ------------------------------------------------------------------------------------------ transposed

def conv_transpose2d_forward(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transposed convolution (lecture §X: the "up-convolution" of FCNs and U-Net), the adjoint of
    conv2d: every input pixel spreads its channels, weighted by the kernel, onto the output,

        y_full[n, g Cog + o, i S + kh D, j S + kw D] += sum_c x[n, g Cg + c, i, j] w[g Cg + c, o, kh, kw]

    then y = y_full cropped by the padding P on each side (and output_padding more rows/columns kept at
    the bottom/right) + b[o]. x (N, Cin, H, W), w (Cin, Cout/groups, KH, KW) (PyTorch's layout),
    b (Cout,) or None -> (N, Cout, (H - 1) S - 2P + D (KH - 1) + output_padding + 1, ...).
    See ``i2dl.kernels.compose.conv_transpose2d_taps``."""
    g = check_conv_transpose2d_forward(x, w, b, stride, padding, output_padding, groups, dilation)
    return compose.conv_transpose2d_taps(x, w, b, g)


def conv_transpose2d_backward(dy, x, w, stride=1, padding=0, output_padding=0, groups=1, dilation=1, bias=True,
                              input_grad=True):
    """The adjoint's adjoint: dx = conv2d(dy, w) (the same stride, padding, dilation and groups), dw from
    conv2d's weight gradient with the roles of its input and output swapped (dy is that conv's input,
    x its output gradient), db[o] = sum over (n, i, j) of dy. Returns (dx or None, dw, db or None).
    See ``i2dl.kernels.compose.conv_transpose2d_backward``."""
    return compose.conv_transpose2d_backward(sys.modules[__package__], dy, x, w, stride, padding, output_padding,
                                             groups, dilation, bias, input_grad)
