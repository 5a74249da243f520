"""Recurrent layers (lecture §XI.2-3): the Elman RNN, the LSTM and the GRU, one step (``*_cell_*``)
and a whole sequence (``lstm_*``, ``gru_*``, ``rnn_*``), in PyTorch's formulation and layouts.

Shapes: x (T, N, I) for a sequence (T steps of a batch of N), x (N, I) for one step; every state
h, c (N, H); w_ih (G*H, I), w_hh (G*H, H), b_ih and b_hh (G*H,) with G = 4 gates (i, f, g, o) for
the LSTM, 3 (r, z, n) for the GRU, 1 for the RNN. Per step, with sigma the logistic function:

    RNN   h' = act(x w_ih^T + b_ih + h w_hh^T + b_hh),  act = tanh or relu
    LSTM  [i, f, g, o] = x w_ih^T + b_ih + h w_hh^T + b_hh   (each (N, H))
          i, f, o = sigma(.)   g = tanh(.)   c' = f * c + i * g   h' = o * tanh(c')
    GRU   r = sigma(x W_ir^T + b_ir + h W_hr^T + b_hr)     z = sigma(x W_iz^T + b_iz + h W_hz^T + b_hz)
          n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))     h' = (1 - z) * n + z * h

(the lecture writes the LSTM's output gate with tanh; PyTorch and every library use sigma, as here).

Backward through time: the gradient of each step's pre-activations (``dgates``) gives
dh_prev = dgates_hh w_hh, dx = dgates_ih w_ih, and the weight gradients summed over the steps,
dw_ih = sum_t dgates_ih[t]^T x[t], dw_hh = sum_t dgates_hh[t]^T h[t-1], db = sum_t dgates.

A missing initial state (h0 or c0 None) is zero; its recurrent product is left out rather than
computed as 0 * w_hh (so an inf in w_hh does not become NaN at the first step). ``reverse``
runs the steps from T-1 down to 0 (the backward direction of a bidirectional layer).

What each forward saves for its backward: the LSTM its activated gates (T, N, 4H) and cell
states (T, N, H); the GRU r, z, n and h w_hn^T + b_hn (T, N, 4H); the RNN nothing beyond y.
"""
from __future__ import annotations

import sys

import numpy as np

from .. import compose
from ..checks import (check_gru_backward, check_gru_cell_backward, check_gru_cell_forward, check_gru_forward,
                      check_lstm_backward, check_lstm_cell_backward, check_lstm_cell_forward, check_lstm_forward,
                      check_lstm_gates_backward, check_lstm_gates_forward, check_rnn_backward,
                      check_rnn_cell_backward, check_rnn_cell_forward, check_rnn_forward)


def _sigmoid(v):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-v))


def _f64(a):
    return None if a is None else a.astype(np.float64)


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _pre(x_t, h, w_ih, w_hh, b):
    """x w_ih^T (+ b) (+ h w_hh^T when h is given)."""
    z = x_t @ w_ih.T
    if b is not None:
        z = z + b
    return z if h is None else z + h @ w_hh.T


def _bias_sum(b_ih, b_hh):
    return None if b_ih is None else b_ih + b_hh


# ------------------------------------------------------------------------------------------ the step maths

def _lstm_activate(z, c, H):
    """The fused pass on pre-activations z (N, 4H) -> (h', c', the activated gates (N, 4H))."""
    i, f, g, o = _sigmoid(z[:, :H]), _sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), _sigmoid(z[:, 3 * H:])
    c_new = i * g if c is None else f * c + i * g
    return o * np.tanh(c_new), c_new, np.concatenate([i, f, g, o], axis=1)


def _lstm_step(x_t, h, c, w_ih, w_hh, b):
    return _lstm_activate(_pre(x_t, h, w_ih, w_hh, b), c, w_hh.shape[1])


def _lstm_step_backward(dh, dc, gates, c_prev, c_new):
    """-> (dgates (N, 4H) of the pre-activations, dc_prev)."""
    H = c_new.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    tc = np.tanh(c_new)
    dc = dc + dh * o * (1 - tc * tc)
    # without a previous cell state f does not enter c': its gradient is exactly 0 (even where f is NaN)
    df = dc * c_prev * f * (1 - f) if c_prev is not None else np.zeros_like(dc)
    d = np.concatenate([dc * g * i * (1 - i), df, dc * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
    return d, dc * f


def _gru_step(x_t, h, w_ih, w_hh, b_ih, b_hh):
    H = w_hh.shape[1]
    gi = x_t @ w_ih.T
    if b_ih is not None:
        gi = gi + b_ih
    gh = np.zeros((x_t.shape[0], 3 * H)) if h is None else h @ w_hh.T
    if b_hh is not None:
        gh = gh + b_hh
    r = _sigmoid(gi[:, :H] + gh[:, :H])
    z = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    hn = gh[:, 2 * H:]
    n = np.tanh(gi[:, 2 * H:] + r * hn)
    h_new = (1 - z) * n + (0 if h is None else z * h)
    return h_new, np.concatenate([r, z, n, hn], axis=1)


def _gru_step_backward(dh, gates, h_prev):
    """-> (dgates_ih (N, 3H), dgates_hh (N, 3H), the direct part of dh_prev: dh * z)."""
    H = dh.shape[1]
    r, z, n, hn = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    dn = dh * (1 - z) * (1 - n * n)
    dz = dh * ((0 if h_prev is None else h_prev) - n) * z * (1 - z)
    dr = dn * hn * r * (1 - r)
    return np.concatenate([dr, dz, dn], axis=1), np.concatenate([dr, dz, dn * r], axis=1), dh * z


def _act(v, relu):
    return np.where(v < 0, 0.0, v) if relu else np.tanh(v)  # relu keeps NaN, as np.maximum would


def _act_grad(y, relu):
    return (y > 0).astype(np.float64) if relu else 1 - y * y


# ------------------------------------------------------------------------------------------ shared loops

def _prev(order, k, start):
    """The step processed before ``order[k]`` (None at the first: the initial state)."""
    return start if k == 0 else order[k - 1]


def _weight_grads(dg_ih, dg_hh, x, h0, y, order, bias, H):
    """dw_ih = sum_t dg_ih[t]^T x[t];  dw_hh = sum_t dg_hh[t]^T h_prev(t) over the steps that have a
    previous state (the first only when h0 is given);  db_ih, db_hh the sums of the dgates."""
    dw_ih = np.zeros((dg_ih.shape[2], x.shape[2]))
    dw_hh = np.zeros((dg_hh.shape[2], H))
    for k, t in enumerate(order):
        dw_ih += dg_ih[t].T @ x[t]
        h_prev = h0 if k == 0 else y[order[k - 1]]
        if h_prev is not None:
            dw_hh += dg_hh[t].T @ h_prev
    if not bias:
        return dw_ih, dw_hh, None, None
    return dw_ih, dw_hh, dg_ih.sum(axis=(0, 1)), dg_hh.sum(axis=(0, 1))


def _cast(dtype, *arrays):
    return tuple(None if a is None else np.ascontiguousarray(a, dtype=dtype) for a in arrays)


# ------------------------------------------------------------------------------------------ LSTM

def lstm_forward(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """x (T, N, I) -> y (T, N, H), h_n, c_n (N, H), gates (T, N, 4H) = [i, f, g, o] activated, cs (T, N, H)."""
    check_lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)
    T, N, H = x.shape[0], x.shape[1], w_hh.shape[1]
    xf, wi, wh, b = _f64(x), _f64(w_ih), _f64(w_hh), _bias_sum(_f64(b_ih), _f64(b_hh))
    h, c = _f64(h0), _f64(c0)
    y, cs, gates = np.zeros((T, N, H)), np.zeros((T, N, H)), np.zeros((T, N, 4 * H))
    for t in _steps(T, reverse):
        h, c, gates[t] = _lstm_step(xf[t], h, c, wi, wh, b)
        y[t], cs[t] = h, c
    h_n = np.zeros((N, H)) if h is None else h
    c_n = np.zeros((N, H)) if c is None else c
    return _cast(x.dtype, y, h_n, c_n, gates, cs)


def lstm_backward(dy, dh_n, dc_n, x, h0, c0, w_ih, w_hh, y, gates, cs, reverse=False, bias=True, input_grad=True):
    """-> (dx or None, dh0 or None, dc0 or None, dw_ih, dw_hh, db_ih or None, db_hh or None); dh_n and
    dc_n None: zero. dh0 (dc0) is returned when h0 (c0) was given."""
    check_lstm_backward(dy, dh_n, dc_n, x, h0, c0, w_ih, w_hh, y, gates, cs, reverse, bias, input_grad)
    T, N, H = x.shape[0], x.shape[1], w_hh.shape[1]
    wh, g64, c64, y64, x64 = _f64(w_hh), _f64(gates), _f64(cs), _f64(y), _f64(x)
    dh = np.zeros((N, H)) if dh_n is None else _f64(dh_n)
    dc = np.zeros((N, H)) if dc_n is None else _f64(dc_n)
    dy64, dg = _f64(dy), np.zeros((T, N, 4 * H))
    order = list(_steps(T, reverse))
    for k in range(T - 1, -1, -1):
        t = order[k]
        c_prev = _f64(c0) if k == 0 else c64[order[k - 1]]
        dg[t], dc = _lstm_step_backward(dy64[t] + dh, dc, g64[t], c_prev, c64[t])
        dh = dg[t] @ wh
    dw_ih, dw_hh, db_ih, db_hh = _weight_grads(dg, dg, x64, _f64(h0), y64, order, bias, H)
    dx = (dg @ _f64(w_ih)) if input_grad else None
    return _cast(x.dtype, dx, dh if h0 is not None else None, dc if c0 is not None else None,
                 dw_ih, dw_hh, db_ih, db_hh)


def lstm_cell_forward(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step: x (N, I), h, c (N, H) or None -> h1, c1 (N, H), gates (N, 4H)."""
    check_lstm_cell_forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    y, _, _, gates, cs = lstm_forward(x[None], h, c, w_ih, w_hh, b_ih, b_hh)
    return y[0], cs[0], gates[0]


def lstm_cell_backward(dh1, dc1, x, h, c, w_ih, w_hh, c1, gates, bias=True, input_grad=True):
    """-> (dx, dh, dc, dw_ih, dw_hh, db_ih, db_hh); dh1 or dc1 None: zero; dh (dc) None when h (c) was."""
    check_lstm_cell_backward(dh1, dc1, x, h, c, w_ih, w_hh, c1, gates, bias, input_grad)
    dy = np.zeros((1,) + c1.shape, c1.dtype) if dh1 is None else dh1[None]
    dx, dh, dc, *rest = lstm_backward(dy, None, dc1, x[None], h, c, w_ih, w_hh, np.zeros_like(dy), gates[None],
                                      c1[None], False, bias, input_grad)
    return (None if dx is None else dx[0], dh, dc, *rest)


# ------------------------------------------------------------------------------------------ GRU

def gru_forward(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """x (T, N, I) -> y (T, N, H), h_n (N, H), gates (T, N, 4H) = [r, z, n, h w_hn^T + b_hn]."""
    check_gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
    T, N, H = x.shape[0], x.shape[1], w_hh.shape[1]
    xf, wi, wh, bi, bh = _f64(x), _f64(w_ih), _f64(w_hh), _f64(b_ih), _f64(b_hh)
    h = _f64(h0)
    y, gates = np.zeros((T, N, H)), np.zeros((T, N, 4 * H))
    for t in _steps(T, reverse):
        h, gates[t] = _gru_step(xf[t], h, wi, wh, bi, bh)
        y[t] = h
    return _cast(x.dtype, y, np.zeros((N, H)) if h is None else h, gates)


def gru_backward(dy, dh_n, x, h0, w_ih, w_hh, y, gates, reverse=False, bias=True, input_grad=True):
    """-> (dx or None, dh0 or None, dw_ih, dw_hh, db_ih or None, db_hh or None)."""
    check_gru_backward(dy, dh_n, x, h0, w_ih, w_hh, y, gates, reverse, bias, input_grad)
    T, N, H = x.shape[0], x.shape[1], w_hh.shape[1]
    wh, g64, y64, dy64, h0_64 = _f64(w_hh), _f64(gates), _f64(y), _f64(dy), _f64(h0)
    dh = np.zeros((N, H)) if dh_n is None else _f64(dh_n)
    dgi, dgh = np.zeros((T, N, 3 * H)), np.zeros((T, N, 3 * H))
    order = list(_steps(T, reverse))
    for k in range(T - 1, -1, -1):
        t = order[k]
        h_prev = h0_64 if k == 0 else y64[order[k - 1]]
        dgi[t], dgh[t], direct = _gru_step_backward(dy64[t] + dh, g64[t], h_prev)
        dh = direct + dgh[t] @ wh
    dw_ih, dw_hh, db_ih, db_hh = _weight_grads(dgi, dgh, _f64(x), h0_64, y64, order, bias, H)
    dx = (dgi @ _f64(w_ih)) if input_grad else None
    return _cast(x.dtype, dx, dh if h0 is not None else None, dw_ih, dw_hh, db_ih, db_hh)


def gru_cell_forward(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step: x (N, I), h (N, H) or None -> h1 (N, H), gates (N, 4H)."""
    check_gru_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh)
    y, _, gates = gru_forward(x[None], h, w_ih, w_hh, b_ih, b_hh)
    return y[0], gates[0]


def gru_cell_backward(dh1, x, h, w_ih, w_hh, gates, bias=True, input_grad=True):
    """-> (dx, dh (None when h was), dw_ih, dw_hh, db_ih, db_hh)."""
    check_gru_cell_backward(dh1, x, h, w_ih, w_hh, gates, bias, input_grad)
    dx, *rest = gru_backward(dh1[None], None, x[None], h, w_ih, w_hh, np.zeros_like(dh1)[None], gates[None], False,
                             bias, input_grad)
    return (None if dx is None else dx[0], *rest)


# ------------------------------------------------------------------------------------------ RNN

def rnn_forward(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False):
    """x (T, N, I) -> y (T, N, H), h_n (N, H)."""
    check_rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity, reverse)
    T, N, H = x.shape[0], x.shape[1], w_hh.shape[1]
    xf, wi, wh, b = _f64(x), _f64(w_ih), _f64(w_hh), _bias_sum(_f64(b_ih), _f64(b_hh))
    h, y, relu = _f64(h0), np.zeros((T, N, H)), nonlinearity == "relu"
    for t in _steps(T, reverse):
        h = y[t] = _act(_pre(xf[t], h, wi, wh, b), relu)
    return _cast(x.dtype, y, np.zeros((N, H)) if h is None else h)


def rnn_backward(dy, dh_n, x, h0, w_ih, w_hh, y, nonlinearity="tanh", reverse=False, bias=True, input_grad=True):
    """-> (dx or None, dh0 or None, dw_ih, dw_hh, db_ih or None, db_hh or None)."""
    check_rnn_backward(dy, dh_n, x, h0, w_ih, w_hh, y, nonlinearity, reverse, bias, input_grad)
    T, N, H = x.shape[0], x.shape[1], w_hh.shape[1]
    wh, y64, dy64, relu = _f64(w_hh), _f64(y), _f64(dy), nonlinearity == "relu"
    dh = np.zeros((N, H)) if dh_n is None else _f64(dh_n)
    dg = np.zeros((T, N, H))
    order = list(_steps(T, reverse))
    for k in range(T - 1, -1, -1):
        t = order[k]
        dg[t] = (dy64[t] + dh) * _act_grad(y64[t], relu)
        dh = dg[t] @ wh
    dw_ih, dw_hh, db_ih, db_hh = _weight_grads(dg, dg, _f64(x), _f64(h0), y64, order, bias, H)
    dx = (dg @ _f64(w_ih)) if input_grad else None
    return _cast(x.dtype, dx, dh if h0 is not None else None, dw_ih, dw_hh, db_ih, db_hh)


def rnn_cell_forward(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One step: x (N, I), h (N, H) or None -> h1 (N, H)."""
    check_rnn_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity)
    return rnn_forward(x[None], h, w_ih, w_hh, b_ih, b_hh, nonlinearity)[0][0]


def rnn_cell_backward(dh1, x, h, w_ih, w_hh, h1, nonlinearity="tanh", bias=True, input_grad=True):
    """-> (dx, dh (None when h was), dw_ih, dw_hh, db_ih, db_hh)."""
    check_rnn_cell_backward(dh1, x, h, w_ih, w_hh, h1, nonlinearity, bias, input_grad)
    dx, *rest = rnn_backward(dh1[None], None, x[None], h, w_ih, w_hh, h1[None], nonlinearity, False, bias, input_grad)
    return (None if dx is None else dx[0], *rest)


# ------------------------------------------------------------------------------------------ ConvLSTM

def lstm_gates_forward(gates, c=None):
    """The LSTM's fused pass alone: gates (N, 4 Hc, *spatial) pre-activations (i, f, g, o blocks of Hc
    channels), c (N, Hc, *spatial) or None -> (h1, c1, the activated gates). The ConvLSTM's pass per pixel."""
    launch = check_lstm_gates_forward(gates, c)
    N, U = launch.sizes["N"], launch.sizes["U"]
    h1, c1, act = _lstm_activate(_f64(gates).reshape(N, 4 * U), None if c is None else _f64(c).reshape(N, U), U)
    state = (N, gates.shape[1] // 4) + tuple(gates.shape[2:])
    return _cast(gates.dtype, h1.reshape(state), c1.reshape(state), act.reshape(gates.shape))


def lstm_gates_backward(dh1, dc1, c, c1, act):
    """-> (dgates (N, 4 Hc, *spatial) of the pre-activations, dc (None when c was)); dh1, dc1 None: zero."""
    launch = check_lstm_gates_backward(dh1, dc1, c, c1, act)
    N, U = launch.sizes["N"], launch.sizes["U"]
    flat = lambda a: None if a is None else _f64(a).reshape(N, U)  # noqa: E731
    zeros = np.zeros((N, U))
    dh = zeros if dh1 is None else flat(dh1)
    dg, dc = _lstm_step_backward(dh, zeros if dc1 is None else flat(dc1), _f64(act).reshape(N, 4 * U), flat(c),
                                 flat(c1))
    return _cast(act.dtype, dg.reshape(act.shape), None if c is None else dc.reshape(c1.shape))


def conv_lstm_cell_forward(x, h, c, weight, bias=None, padding=(0, 0)):
    """One ConvLSTM step: gates = conv2d([x, h], weight, bias, padding) (N, 4 Hc, H, W), then the fused
    pass. x (N, Cin, H, W); h, c (N, Hc, H, W) or None; weight (4 Hc, Cin + Hc, KH, KW) with odd KH, KW
    and padding (KH // 2, KW // 2) -> (h1, c1, gates). See ``i2dl.kernels.compose``."""
    return compose.conv_lstm_cell_forward(sys.modules[__package__], x, h, c, weight, bias, padding)


def conv_lstm_cell_backward(dh1, dc1, x, h, c, weight, c1, gates, padding=(0, 0), bias=True, input_grad=True):
    """-> (dx, dh (None when h was), dc (None when c was), dweight, dbias (None without bias))."""
    return compose.conv_lstm_cell_backward(sys.modules[__package__], dh1, dc1, x, h, c, weight, c1, gates, padding,
                                           bias, input_grad)
