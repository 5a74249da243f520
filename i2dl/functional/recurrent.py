"""Recurrent layers on the kernel triad (``lstm_*``, ``gru_*``, ``rnn_*`` and their ``*_cell_*``
steps): the formulas, layouts and saved state are in ``i2dl.kernels.reference.recurrent``. Each
Function returns several tensors (y, h_n, c_n); its backward runs once with the gradients of
whichever of them the loss used."""
from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..ops import contiguous_array, xp_of


def _arrays(*a):
    return tuple(contiguous_array(v) for v in a)


def _zeros_like(a, shape):
    return xp_of(a).zeros(shape, dtype=a.dtype)


def _grads(needs, x_grad, states, weights, has_bias):
    """The input gradients in the order of the inputs (x, the states, w_ih, w_hh, b_ih, b_hh)."""
    dw_ih, dw_hh, db_ih, db_hh = weights
    return (x_grad,) + tuple(states) + (dw_ih, dw_hh, db_ih if has_bias else None, db_hh if has_bias else None)


class LSTMFunction(Function):
    """One layer, one direction: x (T, N, I), h0, c0 (N, H) or None -> y (T, N, H), h_n, c_n."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = _arrays(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        ctx.k = kernels.for_array(x)
        y, h_n, c_n, gates, cs = ctx.k.lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)
        ctx.saved = (x, h0, c0, w_ih, w_hh, y, gates, cs)
        ctx.reverse, ctx.has_bias = reverse, b_ih is not None
        return y, h_n, c_n

    @staticmethod
    def backward(ctx, grads):
        dy, dh_n, dc_n = grads
        x, h0, c0, w_ih, w_hh, y, gates, cs = ctx.saved
        dy = _zeros_like(y, y.shape) if dy is None else contiguous_array(dy)
        dx, dh0, dc0, *weights = ctx.k.lstm_backward(dy, contiguous_array(dh_n), contiguous_array(dc_n), x, h0, c0,
                                                     w_ih, w_hh, y, gates, cs, ctx.reverse, ctx.has_bias,
                                                     ctx.needs_input_grad[0])
        return _grads(ctx.needs_input_grad, dx, (dh0, dc0), weights, ctx.has_bias)


class GRUFunction(Function):
    """One layer, one direction: x (T, N, I), h0 (N, H) or None -> y (T, N, H), h_n."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
        x, h0, w_ih, w_hh, b_ih, b_hh = _arrays(x, h0, w_ih, w_hh, b_ih, b_hh)
        ctx.k = kernels.for_array(x)
        y, h_n, gates = ctx.k.gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
        ctx.saved = (x, h0, w_ih, w_hh, y, gates)
        ctx.reverse, ctx.has_bias = reverse, b_ih is not None
        return y, h_n

    @staticmethod
    def backward(ctx, grads):
        dy, dh_n = grads
        x, h0, w_ih, w_hh, y, gates = ctx.saved
        dy = _zeros_like(y, y.shape) if dy is None else contiguous_array(dy)
        dx, dh0, *weights = ctx.k.gru_backward(dy, contiguous_array(dh_n), x, h0, w_ih, w_hh, y, gates, ctx.reverse,
                                               ctx.has_bias, ctx.needs_input_grad[0])
        return _grads(ctx.needs_input_grad, dx, (dh0,), weights, ctx.has_bias)


class RNNFunction(Function):
    """One layer, one direction, tanh or relu: x (T, N, I), h0 (N, H) or None -> y (T, N, H), h_n."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False):
        x, h0, w_ih, w_hh, b_ih, b_hh = _arrays(x, h0, w_ih, w_hh, b_ih, b_hh)
        ctx.k = kernels.for_array(x)
        y, h_n = ctx.k.rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity, reverse)
        ctx.saved = (x, h0, w_ih, w_hh, y)
        ctx.nonlinearity, ctx.reverse, ctx.has_bias = nonlinearity, reverse, b_ih is not None
        return y, h_n

    @staticmethod
    def backward(ctx, grads):
        dy, dh_n = grads
        x, h0, w_ih, w_hh, y = ctx.saved
        dy = _zeros_like(y, y.shape) if dy is None else contiguous_array(dy)
        dx, dh0, *weights = ctx.k.rnn_backward(dy, contiguous_array(dh_n), x, h0, w_ih, w_hh, y, ctx.nonlinearity,
                                               ctx.reverse, ctx.has_bias, ctx.needs_input_grad[0])
        return _grads(ctx.needs_input_grad, dx, (dh0,), weights, ctx.has_bias)


class LSTMCellFunction(Function):
    """One step: x (N, I), h, c (N, H) or None -> h1, c1."""

    @staticmethod
    def forward(ctx, x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
        x, h, c, w_ih, w_hh, b_ih, b_hh = _arrays(x, h, c, w_ih, w_hh, b_ih, b_hh)
        ctx.k = kernels.for_array(x)
        h1, c1, gates = ctx.k.lstm_cell_forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
        ctx.saved, ctx.has_bias = (x, h, c, w_ih, w_hh, c1, gates), b_ih is not None
        return h1, c1

    @staticmethod
    def backward(ctx, grads):
        dh1, dc1 = grads
        x, h, c, w_ih, w_hh, c1, gates = ctx.saved
        dx, dh, dc, *weights = ctx.k.lstm_cell_backward(contiguous_array(dh1), contiguous_array(dc1), x, h, c, w_ih,
                                                        w_hh, c1, gates, ctx.has_bias, ctx.needs_input_grad[0])
        return _grads(ctx.needs_input_grad, dx, (dh, dc), weights, ctx.has_bias)


class GRUCellFunction(Function):
    """One step: x (N, I), h (N, H) or None -> h1."""

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih=None, b_hh=None):
        x, h, w_ih, w_hh, b_ih, b_hh = _arrays(x, h, w_ih, w_hh, b_ih, b_hh)
        ctx.k = kernels.for_array(x)
        h1, gates = ctx.k.gru_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh)
        ctx.saved, ctx.has_bias = (x, h, w_ih, w_hh, gates), b_ih is not None
        return h1

    @staticmethod
    def backward(ctx, dh1):
        x, h, w_ih, w_hh, gates = ctx.saved
        dx, dh, *weights = ctx.k.gru_cell_backward(contiguous_array(dh1), x, h, w_ih, w_hh, gates, ctx.has_bias,
                                                   ctx.needs_input_grad[0])
        return _grads(ctx.needs_input_grad, dx, (dh,), weights, ctx.has_bias)


class RNNCellFunction(Function):
    """One step, tanh or relu: x (N, I), h (N, H) or None -> h1."""

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
        x, h, w_ih, w_hh, b_ih, b_hh = _arrays(x, h, w_ih, w_hh, b_ih, b_hh)
        ctx.k = kernels.for_array(x)
        h1 = ctx.k.rnn_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity)
        ctx.saved, ctx.has_bias, ctx.nonlinearity = (x, h, w_ih, w_hh, h1), b_ih is not None, nonlinearity
        return h1

    @staticmethod
    def backward(ctx, dh1):
        x, h, w_ih, w_hh, h1 = ctx.saved
        dx, dh, *weights = ctx.k.rnn_cell_backward(contiguous_array(dh1), x, h, w_ih, w_hh, h1, ctx.nonlinearity,
                                                   ctx.has_bias, ctx.needs_input_grad[0])
        return _grads(ctx.needs_input_grad, dx, (dh,), weights, ctx.has_bias)


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """One LSTM layer over a sequence (one direction): per step, gates [i, f, g, o] = x w_ih^T + b_ih +
    h w_hh^T + b_hh; i, f, o = sigma, g = tanh; c' = f c + i g; h' = o tanh(c').

    x (T, N, I); h0, c0 (N, H) or None (zeros); w_ih (4H, I), w_hh (4H, H), b_ih, b_hh (4H,) or None.
    Returns (y (T, N, H), h_n, c_n). ``reverse`` runs the steps from the last to the first.
    Reference: ``i2dl.kernels.reference.lstm_forward``.

    >>> x, w_ih, w_hh = i2dl.randn(5, 2, 3), i2dl.randn(16, 3), i2dl.randn(16, 4)
    >>> y, h_n, c_n = F.lstm_layer(x, None, None, w_ih, w_hh)
    >>> y.shape, h_n.shape
    ((5, 2, 4), (2, 4))"""
    return LSTMFunction.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)


def gru_layer(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """One GRU layer over a sequence (PyTorch's formulation): r, z = sigma(x W_i^T + b_i + h W_h^T + b_h),
    n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h' = (1 - z) n + z h.

    x (T, N, I); h0 (N, H) or None; w_ih (3H, I), w_hh (3H, H), b_ih, b_hh (3H,) or None (gate order r, z, n).
    Returns (y (T, N, H), h_n). Reference: ``i2dl.kernels.reference.gru_forward``.

    >>> y, h_n = F.gru_layer(i2dl.randn(5, 2, 3), None, i2dl.randn(12, 3), i2dl.randn(12, 4))
    >>> y.shape
    (5, 2, 4)"""
    return GRUFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)


def rnn_layer(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False):
    """One Elman RNN layer over a sequence: h' = act(x w_ih^T + b_ih + h w_hh^T + b_hh), act tanh or relu.

    x (T, N, I); h0 (N, H) or None; w_ih (H, I), w_hh (H, H). Returns (y (T, N, H), h_n).
    Reference: ``i2dl.kernels.reference.rnn_forward``.

    >>> y, h_n = F.rnn_layer(i2dl.randn(5, 2, 3), None, i2dl.randn(4, 3), i2dl.randn(4, 4))
    >>> (y[-1] - h_n).abs().max().item()
    0.0"""
    return RNNFunction.apply(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity=nonlinearity, reverse=reverse)


def lstm_cell(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: x (N, I), h, c (N, H) or None -> (h1, c1); the formulas of :func:`lstm_layer`.

    >>> h1, c1 = F.lstm_cell(i2dl.randn(2, 3), None, None, i2dl.randn(16, 3), i2dl.randn(16, 4))
    >>> h1.shape
    (2, 4)"""
    return LSTMCellFunction.apply(x, h, c, w_ih, w_hh, b_ih, b_hh)


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: x (N, I), h (N, H) or None -> h1; the formulas of :func:`gru_layer`.

    >>> F.gru_cell(i2dl.randn(2, 3), None, i2dl.randn(12, 3), i2dl.randn(12, 4)).shape
    (2, 4)"""
    return GRUCellFunction.apply(x, h, w_ih, w_hh, b_ih, b_hh)


def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One RNN step: x (N, I), h (N, H) or None -> h1 = act(x w_ih^T + b_ih + h w_hh^T + b_hh).

    >>> F.rnn_cell(i2dl.randn(2, 3), None, i2dl.randn(4, 3), i2dl.randn(4, 4), nonlinearity="relu").min().item()
    0.0"""
    return RNNCellFunction.apply(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity=nonlinearity)


class ConvLSTMCellFunction(Function):
    """One ConvLSTM step: x (N, Cin, H, W), h, c (N, Hc, H, W) or None -> h1, c1."""

    @staticmethod
    def forward(ctx, x, h, c, weight, bias=None, padding=(0, 0)):
        x, h, c, weight, bias = _arrays(x, h, c, weight, bias)
        ctx.k = kernels.for_array(x)
        h1, c1, gates = ctx.k.conv_lstm_cell_forward(x, h, c, weight, bias, padding)
        ctx.saved, ctx.padding, ctx.has_bias = (x, h, c, weight, c1, gates), padding, bias is not None
        return h1, c1

    @staticmethod
    def backward(ctx, grads):
        dh1, dc1 = grads
        x, h, c, weight, c1, gates = ctx.saved
        dx, dh, dc, dw, db = ctx.k.conv_lstm_cell_backward(contiguous_array(dh1), contiguous_array(dc1), x, h, c, weight,
                                                           c1, gates, ctx.padding, ctx.has_bias, ctx.needs_input_grad[0])
        return dx, dh, dc, dw, (db if ctx.has_bias else None)


def conv_lstm_cell(x, h, c, weight, bias=None, padding=(0, 0)):
    """One ConvLSTM step (lecture §XI.3: the gates are convolutions): gates = conv2d([x, h], weight, bias)
    with 'same' padding, split into i, f, g, o (Hc channels each); i, f, o = sigma, g = tanh;
    c' = f c + i g; h' = o tanh(c').

    x (N, Cin, H, W); h, c (N, Hc, H, W) or None (zeros); weight (4 Hc, Cin + Hc, KH, KW), odd KH and KW;
    padding (KH // 2, KW // 2). Returns (h1, c1). Reference: ``i2dl.kernels.reference.conv_lstm_cell_forward``.

    >>> h1, c1 = F.conv_lstm_cell(i2dl.randn(2, 3, 5, 5), None, None, i2dl.randn(16, 7, 3, 3), padding=1)
    >>> h1.shape
    (2, 4, 5, 5)"""
    return ConvLSTMCellFunction.apply(x, h, c, weight, bias, padding=padding)
