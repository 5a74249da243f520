"""Recurrent layers with PyTorch's constructor arguments, defaults, parameter names and layouts
(``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ``*_reverse``; gate order
i, f, g, o and r, z, n), initialised U(-1/sqrt(H), 1/sqrt(H)) as PyTorch does, so that weights
move between the two by state_dict. The formulas are in ``i2dl.kernels.reference.recurrent``.

Sequences of different lengths in one batch: :func:`pack_padded_sequence` gives a
:class:`PackedSequence` that these layers take in place of a padded tensor, and
:func:`pad_packed_sequence` turns their packed output back into a padded one (see
``i2dl.nn.utils.rnn``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..kernels.checks import check_bool, check_int, check_real
from ..ops import Concatenate, Stack
from ..tensor import Tensor
from . import init
from .module import Module, Parameter

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _check_state(fn, name, h, shape):
    if not isinstance(h, Tensor):
        raise TypeError(f"{fn}: argument '{name}' must be a Tensor, got {type(h).__name__}")
    if tuple(h.shape) != tuple(shape):
        raise ValueError(f"{fn}: argument '{name}' must have shape {tuple(shape)}, got {tuple(h.shape)}")


class RNNBase(Module):
    """The stack of layers and directions shared by :class:`RNN`, :class:`LSTM` and :class:`GRU`."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, dtype=np.float32):
        super().__init__()
        fn = type(self).__name__
        self.mode = mode
        self.input_size = check_int(fn, "input_size", input_size, 1)
        self.hidden_size = check_int(fn, "hidden_size", hidden_size, 1)
        self.num_layers = check_int(fn, "num_layers", num_layers, 1)
        self.bias = check_bool(fn, "bias", bias)
        self.batch_first = check_bool(fn, "batch_first", batch_first)
        self.dropout = check_real(fn, "dropout", dropout, minimum=0)
        if not self.dropout <= 1:
            raise ValueError(f"{fn}: argument 'dropout' must be in [0, 1], got {dropout!r}")
        self.bidirectional = check_bool(fn, "bidirectional", bidirectional)
        G, H, D = _GATES[mode], self.hidden_size, 2 if bidirectional else 1
        self._names = []
        for layer in range(num_layers):
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                size_in = self.input_size if layer == 0 else H * D
                names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
                setattr(self, names[0], Parameter(np.empty((G * H, size_in), dtype=dtype)))
                setattr(self, names[1], Parameter(np.empty((G * H, H), dtype=dtype)))
                if bias:
                    names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
                    setattr(self, names[2], Parameter(np.empty(G * H, dtype=dtype)))
                    setattr(self, names[3], Parameter(np.empty(G * H, dtype=dtype)))
                self._names.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    @property
    def num_directions(self):
        return 2 if self.bidirectional else 1

    def _weights(self, layer, d):
        names = self._names[layer * self.num_directions + d]
        w = [getattr(self, n) for n in names]
        return (w + [None, None])[:4]

    def _run(self, kind_fn, x, states):
        """x (T, N, I) -> (output (T, N, D H), final states per kind, each (L D, N, H))."""
        D = self.num_directions
        finals = [[] for _ in range(len(states))]
        layer_input = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                i = layer * D + d
                init_states = [None if s is None else s[i] for s in states]
                y, *last = kind_fn(layer_input, init_states, self._weights(layer, d), d == 1)
                outs.append(y)
                for f, h in zip(finals, last):
                    f.append(h)
            layer_input = outs[0] if D == 1 else Concatenate.apply(*outs, axis=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout)
        return layer_input, [Stack.apply(*f, axis=0) for f in finals]

    n_states = 1

    def _forward(self, input, hx):
        """(output, [final states]) for a padded or packed input."""
        from .utils.rnn import PackedSequence, run_packed
        if isinstance(input, PackedSequence):
            return run_packed(self, input, hx)
        x, states, batched = self._prepare(input, hx, self.n_states)
        return self._finish(*self._run(self._layer_fn(), x, states), batched)

    def _prepare(self, input, hx, n_states):
        """-> (x (T, N, I), the initial states (L D, N, H) or None, batched?)."""
        fn = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{fn}: argument 'input' must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{fn}: argument 'input' must be 2-D (L, input_size) or 3-D "
                             f"({'N, L' if self.batch_first else 'L, N'}, input_size), got {input.ndim}-D with shape "
                             f"{tuple(input.shape)}")
        if int(input.shape[-1]) != self.input_size:
            raise ValueError(f"{fn}: argument 'input' must have input_size = {self.input_size} features (the last "
                             f"dim), got shape {tuple(input.shape)}")
        batched = input.ndim == 3
        x = input if batched else input.reshape(input.shape[0], 1, input.shape[1])
        if batched and self.batch_first:
            x = x.transpose(0, 1).contiguous()
        N = int(x.shape[1])
        shape = (self.num_layers * self.num_directions, N, self.hidden_size)
        if hx is None:
            return x, [None] * n_states, batched
        hs = list(hx) if n_states > 1 else [hx]
        if n_states > 1 and (not isinstance(hx, (tuple, list)) or len(hx) != n_states):
            raise TypeError(f"{fn}: argument 'hx' must be a tuple (h_0, c_0), got {type(hx).__name__}")
        names = ("h_0", "c_0")
        out = []
        for name, h in zip(names, hs):
            if not batched and isinstance(h, Tensor) and h.ndim == 2:
                h = h.reshape(h.shape[0], 1, h.shape[1])
            _check_state(fn, name if n_states > 1 else "hx", h, shape)
            out.append(h)
        return x, out, batched

    def _finish(self, y, finals, batched):
        if not batched:
            y = y.reshape(y.shape[0], y.shape[2])
            finals = [h.reshape(h.shape[0], h.shape[2]) for h in finals]
        elif self.batch_first:
            y = y.transpose(0, 1).contiguous()
        return y, finals

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class LSTM(RNNBase):
    """A multi-layer LSTM over a sequence: per layer and step, [i, f, g, o] = x W_ih^T + b_ih + h W_hh^T +
    b_hh; i, f, o = sigma, g = tanh; c' = f c + i g; h' = o tanh(c'). Dropout (``dropout``) on the
    outputs of every layer but the last, in training; ``bidirectional`` runs a second direction from
    the last step back and concatenates the two along the features.

    input (L, N, input_size), or (N, L, input_size) with ``batch_first``, or (L, input_size) unbatched;
    hx = (h_0, c_0), each (num_layers * num_directions, N, hidden_size), or None (zeros). Returns
    output (L, N, num_directions * hidden_size) and (h_n, c_n). Reference:
    ``i2dl.kernels.reference.lstm_forward``.

    >>> lstm = nn.LSTM(3, 4, num_layers=2)
    >>> out, (h_n, c_n) = lstm(i2dl.randn(5, 2, 3))
    >>> out.shape, h_n.shape
    ((5, 2, 4), (2, 2, 4))"""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, dtype=np.float32):
        if proj_size:
            raise ValueError(f"LSTM: argument 'proj_size' is not supported (must be 0), got {proj_size!r}")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)

    n_states = 2

    def _layer_fn(self):
        return _lstm_step_fn

    def forward(self, input, hx=None):
        y, (h_n, c_n) = self._forward(input, hx)
        return y, (h_n, c_n)


class GRU(RNNBase):
    """A multi-layer GRU (PyTorch's formulation): r, z = sigma(x W_i^T + b_i + h W_h^T + b_h),
    n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h' = (1 - z) n + z h; gate order r, z, n.

    input and hx as for :class:`LSTM` (hx = h_0 alone). Returns output and h_n.
    Reference: ``i2dl.kernels.reference.gru_forward``.

    >>> out, h_n = nn.GRU(3, 4, bidirectional=True)(i2dl.randn(5, 2, 3))
    >>> out.shape, h_n.shape
    ((5, 2, 8), (2, 2, 4))"""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, dtype=np.float32):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)

    def _layer_fn(self):
        return _gru_step_fn

    def forward(self, input, hx=None):
        y, (h_n,) = self._forward(input, hx)
        return y, h_n


class RNN(RNNBase):
    """A multi-layer Elman RNN: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), ``nonlinearity`` 'tanh' or
    'relu'. input and hx as for :class:`GRU`; returns output and h_n.
    Reference: ``i2dl.kernels.reference.rnn_forward``.

    >>> out, h_n = nn.RNN(3, 4, nonlinearity="relu", batch_first=True)(i2dl.randn(2, 5, 3))
    >>> out.shape, h_n.shape
    ((2, 5, 4), (1, 2, 4))"""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=np.float32):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: argument 'nonlinearity' must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, dtype)
        self.nonlinearity = nonlinearity

    def _layer_fn(self):
        nl = self.nonlinearity
        return lambda x, s, w, reverse: _rnn_step_fn(x, s, w, reverse, nl)

    def forward(self, input, hx=None):
        y, (h_n,) = self._forward(input, hx)
        return y, h_n

    def extra_repr(self):
        return super().extra_repr() + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


def _lstm_step_fn(x, states, w, reverse):
    y, h_n, c_n = F.lstm_layer(x, states[0], states[1], *w, reverse=reverse)
    return y, h_n, c_n


def _gru_step_fn(x, states, w, reverse):
    return F.gru_layer(x, states[0], *w, reverse=reverse)


def _rnn_step_fn(x, states, w, reverse, nonlinearity):
    return F.rnn_layer(x, states[0], *w, nonlinearity=nonlinearity, reverse=reverse)


# ------------------------------------------------------------------------------------------ cells

class RNNCellBase(Module):
    def __init__(self, mode, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__()
        fn = type(self).__name__
        self.input_size = check_int(fn, "input_size", input_size, 1)
        self.hidden_size = check_int(fn, "hidden_size", hidden_size, 1)
        self.bias = check_bool(fn, "bias", bias)
        G, H = _GATES[mode], self.hidden_size
        self.weight_ih = Parameter(np.empty((G * H, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((G * H, H), dtype=dtype))
        self.bias_ih = Parameter(np.empty(G * H, dtype=dtype)) if bias else None
        self.bias_hh = Parameter(np.empty(G * H, dtype=dtype)) if bias else None
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def _prepare(self, input, hx, n_states):
        fn = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{fn}: argument 'input' must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2) or int(input.shape[-1]) != self.input_size:
            raise ValueError(f"{fn}: argument 'input' must be (N, {self.input_size}) or ({self.input_size},), got "
                             f"shape {tuple(input.shape)}")
        batched = input.ndim == 2
        x = input if batched else input.reshape(1, self.input_size)
        shape = (int(x.shape[0]), self.hidden_size)
        if hx is None:
            return x, [None] * n_states, batched
        if n_states > 1 and (not isinstance(hx, (tuple, list)) or len(hx) != n_states):
            raise TypeError(f"{fn}: argument 'hx' must be a tuple (h, c), got {type(hx).__name__}")
        hs = list(hx) if n_states > 1 else [hx]
        out = []
        for name, h in zip(("h_0", "c_0") if n_states > 1 else ("hx",), hs):
            if not batched and isinstance(h, Tensor) and h.ndim == 1:
                h = h.reshape(1, self.hidden_size)
            _check_state(fn, name, h, shape)
            out.append(h)
        return x, out, batched

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


def _unbatch(h, batched):
    return h if batched else h.reshape(h.shape[1])


class LSTMCell(RNNCellBase):
    """One LSTM step: input (N, input_size) or (input_size,), hx = (h, c) (N, hidden_size) or None ->
    (h', c'). Parameters weight_ih (4H, I), weight_hh (4H, H), bias_ih, bias_hh (4H,).

    >>> h, c = nn.LSTMCell(3, 4)(i2dl.randn(2, 3))
    >>> h.shape, c.shape
    ((2, 4), (2, 4))"""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__("LSTM", input_size, hidden_size, bias, dtype)

    def forward(self, input, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        h1, c1 = F.lstm_cell(x, h, c, *self._weights())
        return _unbatch(h1, batched), _unbatch(c1, batched)


class GRUCell(RNNCellBase):
    """One GRU step: input (N, input_size) or (input_size,), hx (N, hidden_size) or None -> h'.

    >>> nn.GRUCell(3, 4)(i2dl.randn(2, 3)).shape
    (2, 4)"""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__("GRU", input_size, hidden_size, bias, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        return _unbatch(F.gru_cell(x, h, *self._weights()), batched)


class RNNCell(RNNCellBase):
    """One Elman step: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), ``nonlinearity`` 'tanh' or 'relu'.

    >>> nn.RNNCell(3, 4)(i2dl.randn(3)).shape
    (4,)"""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=np.float32):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: argument 'nonlinearity' must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH", input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        return _unbatch(F.rnn_cell(x, h, *self._weights(), nonlinearity=self.nonlinearity), batched)


# ------------------------------------------------------------------------------------------ ConvLSTM

class ConvLSTMCell(Module):
    """One ConvLSTM step (lecture §XI.3, for video: input, hidden and cell states are images and the
    gates are convolutions): [i, f, g, o] = conv2d([x, h], weight, bias) with 'same' padding;
    c' = f c + i g, h' = o tanh(c'). weight (4 hidden_channels, input_channels + hidden_channels, k, k),
    bias (4 hidden_channels,); odd kernel sizes. Initialised as PyTorch's Conv2d (Kaiming-uniform,
    a = sqrt(5)).

    input (N, input_channels, H, W); hx = (h, c) each (N, hidden_channels, H, W), or None -> (h', c').

    >>> h, c = nn.ConvLSTMCell(3, 4, 3)(i2dl.randn(2, 3, 6, 6))
    >>> h.shape
    (2, 4, 6, 6)"""

    def __init__(self, input_channels, hidden_channels, kernel_size=3, bias=True, dtype=np.float32):
        super().__init__()
        fn = type(self).__name__
        self.input_channels = check_int(fn, "input_channels", input_channels, 1)
        self.hidden_channels = check_int(fn, "hidden_channels", hidden_channels, 1)
        ks = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        if len(ks) != 2 or not all(isinstance(k, int) and k >= 1 and k % 2 == 1 for k in ks):
            raise ValueError(f"{fn}: argument 'kernel_size' must be an odd int or a pair of odd ints (the states keep "
                             f"the input's size), got {kernel_size!r}")
        self.kernel_size, self.padding = ks, (ks[0] // 2, ks[1] // 2)
        Hc, C = self.hidden_channels, self.input_channels + self.hidden_channels
        self.weight = Parameter(np.empty((4 * Hc, C) + ks, dtype=dtype))
        self.bias = Parameter(np.empty(4 * Hc, dtype=dtype)) if check_bool(fn, "bias", bias) else None
        fan_in = C * ks[0] * ks[1]
        init.uniform_(self.weight, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))  # kaiming_uniform_(a=sqrt(5))
        if self.bias is not None:
            init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def forward(self, input, hx=None):
        fn = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim != 4 or int(input.shape[1]) != self.input_channels:
            raise ValueError(f"{fn}: argument 'input' must be (N, {self.input_channels}, H, W), got "
                             f"{tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__}")
        h = c = None
        if hx is not None:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{fn}: argument 'hx' must be a tuple (h, c), got {type(hx).__name__}")
            shape = (int(input.shape[0]), self.hidden_channels) + tuple(input.shape[2:])
            for name, s in (("h", hx[0]), ("c", hx[1])):
                _check_state(fn, name, s, shape)
            h, c = hx
        return F.conv_lstm_cell(input, h, c, self.weight, self.bias, self.padding)

    def extra_repr(self):
        return (f"{self.input_channels}, {self.hidden_channels}, kernel_size={self.kernel_size}"
                + ("" if self.bias is not None else ", bias=False"))


class ConvLSTM(Module):
    """A stack of ConvLSTM cells over a video: input (T, N, C, H, W), or (N, T, C, H, W) with
    ``batch_first``; hx = (h_0, c_0) each (num_layers, N, hidden_channels, H, W) or None. Returns the
    last layer's hidden states (T, N, hidden_channels, H, W) (batch first if the input was) and
    (h_n, c_n), each (num_layers, N, hidden_channels, H, W). Parameters ``cells.<l>.weight`` and
    ``cells.<l>.bias`` per layer.

    >>> out, (h_n, c_n) = nn.ConvLSTM(1, 4, 3, num_layers=2)(i2dl.randn(5, 2, 1, 8, 8))
    >>> out.shape, h_n.shape
    ((5, 2, 4, 8, 8), (2, 2, 4, 8, 8))"""

    def __init__(self, input_channels, hidden_channels, kernel_size=3, num_layers=1, bias=True, batch_first=False,
                 dtype=np.float32):
        super().__init__()
        from .container import ModuleList
        fn = type(self).__name__
        self.num_layers = check_int(fn, "num_layers", num_layers, 1)
        self.batch_first = check_bool(fn, "batch_first", batch_first)
        self.hidden_channels = check_int(fn, "hidden_channels", hidden_channels, 1)
        self.cells = ModuleList([ConvLSTMCell(input_channels if i == 0 else hidden_channels, hidden_channels,
                                              kernel_size, bias, dtype) for i in range(num_layers)])

    def forward(self, input, hx=None):
        fn = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim != 5:
            raise ValueError(f"{fn}: argument 'input' must be 5-D ({'N, T' if self.batch_first else 'T, N'}, C, H, W), "
                             f"got {tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__}")
        x = input.transpose(0, 1) if self.batch_first else input
        T, N = int(x.shape[0]), int(x.shape[1])
        if T == 0:
            raise ValueError(f"{fn}: argument 'input' must hold at least one frame, got shape {tuple(input.shape)}")
        shape = (self.num_layers, N, self.hidden_channels) + tuple(x.shape[3:])
        if hx is not None:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{fn}: argument 'hx' must be a tuple (h_0, c_0), got {type(hx).__name__}")
            _check_state(fn, "h_0", hx[0], shape)
            _check_state(fn, "c_0", hx[1], shape)
        frames = [x[t] for t in range(T)]
        hs, cs = [], []
        for layer, cell in enumerate(self.cells):
            state = None if hx is None else (hx[0][layer], hx[1][layer])
            outs = []
            for frame in frames:
                state = cell(frame, state)
                outs.append(state[0])
            frames = outs
            hs.append(state[0] if state is not None else None)
            cs.append(state[1] if state is not None else None)
        y = Stack.apply(*frames, axis=0)
        if self.batch_first:
            y = y.transpose(0, 1).contiguous()
        return y, (Stack.apply(*hs, axis=0), Stack.apply(*cs, axis=0))
