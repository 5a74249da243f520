"""The recurrent contract: the LSTM, GRU and RNN, one step and whole sequences.

x (T, N, I) for a sequence, (N, I) for one step; states (N, H); w_ih (G*H, I), w_hh (G*H, H),
b_ih and b_hh (G*H,) both given or both None; G = 4 (LSTM), 3 (GRU), 1 (RNN). The hidden size H
is read off w_hh, the input size I off x. Saved state: the LSTM's gates (T, N, 4H) and cell
states (T, N, H), the GRU's gates (T, N, 4H). Every array has x's dtype; nothing is converted.
"""
from __future__ import annotations

from .core import Launch, check_bool, check_float_array, check_shape, launches

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_SAVED_WIDTH = {"lstm": 4, "gru": 4, "rnn": 1}


def _optional(fn, name, a, x, shape):
    if a is not None:
        check_float_array(fn, name, a, len(shape), like=x)
        check_shape(fn, name, a, shape)


def _required(fn, name, a, x, shape):
    check_float_array(fn, name, a, len(shape), like=x)
    check_shape(fn, name, a, shape)


def _weights(fn, kind, x, w_ih, w_hh, b_ih, b_hh, sequence):
    """x, the weights and biases of ``kind`` -> (T, N, I, H); T = 1 for one step."""
    check_float_array(fn, "x", x, 3 if sequence else 2)
    T, N, I = (int(v) for v in ((x.shape[0],) if sequence else (1,)) + tuple(x.shape[-2:]))
    G = _GATES[kind]
    check_float_array(fn, "w_hh", w_hh, 2, like=x)
    H = int(w_hh.shape[1])
    if H < 1 or tuple(w_hh.shape) != (G * H, H):
        raise ValueError(f"{fn}: argument 'w_hh' must have shape ({G} * hidden_size, hidden_size) with hidden_size "
                         f">= 1, got {tuple(w_hh.shape)}")
    check_float_array(fn, "w_ih", w_ih, 2, like=x)
    if tuple(w_ih.shape) != (G * H, I):
        raise ValueError(f"{fn}: argument 'w_ih' must have shape ({G * H}, {I}) ({G} * hidden_size {H} of 'w_hh', "
                         f"input_size the last dim of 'x'), got {tuple(w_ih.shape)}")
    if (b_ih is None) != (b_hh is None):
        raise ValueError(f"{fn}: arguments 'b_ih' and 'b_hh' must both be arrays or both be None, got "
                         f"{'None' if b_ih is None else 'an array'} and {'None' if b_hh is None else 'an array'}")
    _optional(fn, "b_ih", b_ih, x, (G * H,))
    _optional(fn, "b_hh", b_hh, x, (G * H,))
    return T, N, I, H


def _nonlinearity(fn, nonlinearity):
    if nonlinearity not in ("tanh", "relu") or not isinstance(nonlinearity, str):
        raise ValueError(f"{fn}: argument 'nonlinearity' must be 'tanh' or 'relu', got {nonlinearity!r}")
    return nonlinearity == "relu"


def _forward(fn, kind, x, states, w_ih, w_hh, b_ih, b_hh, reverse, sequence):
    """The forward checks shared by the three kinds -> (T, N, I, H, reverse)."""
    T, N, I, H = _weights(fn, kind, x, w_ih, w_hh, b_ih, b_hh, sequence)
    for name, a in states.items():
        _optional(fn, name, a, x, (N, H))
    return T, N, I, H, check_bool(fn, "reverse", reverse)


def _backward(fn, kind, x, w_ih, w_hh, grads, states, saved, reverse, bias, input_grad, sequence):
    """The backward checks: the output gradients ``grads`` (name -> required?), the initial states,
    the saved arrays (name -> width in units of H) -> (T, N, I, H, reverse, bias, input_grad)."""
    T, N, I, H = _weights(fn, kind, x, w_ih, w_hh, None, None, sequence)
    lead = (T, N) if sequence else (N,)
    for name, (a, required) in grads.items():
        shape = lead + (H,) if name in ("dy", "dh1") else (N, H)
        (_required if required else _optional)(fn, name, a, x, shape)
    for name, a in states.items():
        _optional(fn, name, a, x, (N, H))
    for name, (a, width) in saved.items():
        _required(fn, name, a, x, lead + (width * H,))
    return (T, N, I, H, check_bool(fn, "reverse", reverse), check_bool(fn, "bias", bias),
            check_bool(fn, "input_grad", input_grad))


def _weight_outputs(kind, x, I, H, bias):
    G, dt = _GATES[kind], x.dtype
    return {"dw_ih": ((G * H, I), dt), "dw_hh": ((G * H, H), dt),
            "db_ih": ((G * H,), dt) if bias else None, "db_hh": ((G * H,), dt) if bias else None}


# ------------------------------------------------------------------------------------------ LSTM

@launches
def check_lstm_forward(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    fn = "lstm_forward"
    T, N, I, H, reverse = _forward(fn, "lstm", x, {"h0": h0, "c0": c0}, w_ih, w_hh, b_ih, b_hh, reverse, True)
    dt = x.dtype
    return Launch({"x": x, "h0": h0, "c0": c0, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh},
                  {"y": ((T, N, H), dt), "h_n": ((N, H), dt), "c_n": ((N, H), dt), "gates": ((T, N, 4 * H), dt),
                   "cs": ((T, N, H), dt)},
                  {"T": T, "N": N, "I": I, "H": H, "reverse": reverse}, ("y", "h_n", "c_n", "gates", "cs"))


@launches
def check_lstm_backward(dy, dh_n, dc_n, x, h0, c0, w_ih, w_hh, y, gates, cs, reverse=False, bias=True,
                        input_grad=True):
    fn = "lstm_backward"
    T, N, I, H, reverse, bias, input_grad = _backward(
        fn, "lstm", x, w_ih, w_hh, {"dy": (dy, True), "dh_n": (dh_n, False), "dc_n": (dc_n, False)},
        {"h0": h0, "c0": c0}, {"y": (y, 1), "gates": (gates, 4), "cs": (cs, 1)}, reverse, bias, input_grad, True)
    dt = x.dtype
    return Launch({"dy": dy, "dh_n": dh_n, "dc_n": dc_n, "x": x, "h0": h0, "c0": c0, "w_ih": w_ih, "w_hh": w_hh,
                   "y": y, "gates": gates, "cs": cs},
                  {"dx": ((T, N, I), dt) if input_grad else None, "dh0": ((N, H), dt) if h0 is not None else None,
                   "dc0": ((N, H), dt) if c0 is not None else None, **_weight_outputs("lstm", x, I, H, bias)},
                  {"T": T, "N": N, "I": I, "H": H, "reverse": reverse},
                  ("dx", "dh0", "dc0", "dw_ih", "dw_hh", "db_ih", "db_hh"))


@launches
def check_lstm_cell_forward(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    fn = "lstm_cell_forward"
    _, N, I, H, _ = _forward(fn, "lstm", x, {"h": h, "c": c}, w_ih, w_hh, b_ih, b_hh, False, False)
    dt = x.dtype
    return Launch({"x": x, "h": h, "c": c, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh},
                  {"h1": ((N, H), dt), "c1": ((N, H), dt), "gates": ((N, 4 * H), dt)},
                  {"N": N, "I": I, "H": H}, ("h1", "c1", "gates"))


@launches
def check_lstm_cell_backward(dh1, dc1, x, h, c, w_ih, w_hh, c1, gates, bias=True, input_grad=True):
    fn = "lstm_cell_backward"
    _, N, I, H, _, bias, input_grad = _backward(
        fn, "lstm", x, w_ih, w_hh, {"dh1": (dh1, False), "dc1": (dc1, False)}, {"h": h, "c": c},
        {"c1": (c1, 1), "gates": (gates, 4)}, False, bias, input_grad, False)
    dt = x.dtype
    return Launch({"dh1": dh1, "dc1": dc1, "x": x, "h": h, "c": c, "w_ih": w_ih, "w_hh": w_hh, "c1": c1,
                   "gates": gates},
                  {"dx": ((N, I), dt) if input_grad else None, "dh": ((N, H), dt) if h is not None else None,
                   "dc": ((N, H), dt) if c is not None else None, **_weight_outputs("lstm", x, I, H, bias)},
                  {"N": N, "I": I, "H": H}, ("dx", "dh", "dc", "dw_ih", "dw_hh", "db_ih", "db_hh"))


# ------------------------------------------------------------------------------------------ GRU

@launches
def check_gru_forward(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    fn = "gru_forward"
    T, N, I, H, reverse = _forward(fn, "gru", x, {"h0": h0}, w_ih, w_hh, b_ih, b_hh, reverse, True)
    dt = x.dtype
    return Launch({"x": x, "h0": h0, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh},
                  {"y": ((T, N, H), dt), "h_n": ((N, H), dt), "gates": ((T, N, 4 * H), dt)},
                  {"T": T, "N": N, "I": I, "H": H, "reverse": reverse}, ("y", "h_n", "gates"))


@launches
def check_gru_backward(dy, dh_n, x, h0, w_ih, w_hh, y, gates, reverse=False, bias=True, input_grad=True):
    fn = "gru_backward"
    T, N, I, H, reverse, bias, input_grad = _backward(
        fn, "gru", x, w_ih, w_hh, {"dy": (dy, True), "dh_n": (dh_n, False)}, {"h0": h0},
        {"y": (y, 1), "gates": (gates, 4)}, reverse, bias, input_grad, True)
    dt = x.dtype
    return Launch({"dy": dy, "dh_n": dh_n, "x": x, "h0": h0, "w_ih": w_ih, "w_hh": w_hh, "y": y, "gates": gates},
                  {"dx": ((T, N, I), dt) if input_grad else None, "dh0": ((N, H), dt) if h0 is not None else None,
                   **_weight_outputs("gru", x, I, H, bias)},
                  {"T": T, "N": N, "I": I, "H": H, "reverse": reverse},
                  ("dx", "dh0", "dw_ih", "dw_hh", "db_ih", "db_hh"))


@launches
def check_gru_cell_forward(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    fn = "gru_cell_forward"
    _, N, I, H, _ = _forward(fn, "gru", x, {"h": h}, w_ih, w_hh, b_ih, b_hh, False, False)
    dt = x.dtype
    return Launch({"x": x, "h": h, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh},
                  {"h1": ((N, H), dt), "gates": ((N, 4 * H), dt)}, {"N": N, "I": I, "H": H}, ("h1", "gates"))


@launches
def check_gru_cell_backward(dh1, x, h, w_ih, w_hh, gates, bias=True, input_grad=True):
    fn = "gru_cell_backward"
    _, N, I, H, _, bias, input_grad = _backward(fn, "gru", x, w_ih, w_hh, {"dh1": (dh1, True)}, {"h": h},
                                                {"gates": (gates, 4)}, False, bias, input_grad, False)
    dt = x.dtype
    return Launch({"dh1": dh1, "x": x, "h": h, "w_ih": w_ih, "w_hh": w_hh, "gates": gates},
                  {"dx": ((N, I), dt) if input_grad else None, "dh": ((N, H), dt) if h is not None else None,
                   **_weight_outputs("gru", x, I, H, bias)},
                  {"N": N, "I": I, "H": H}, ("dx", "dh", "dw_ih", "dw_hh", "db_ih", "db_hh"))


# ------------------------------------------------------------------------------------------ RNN

@launches
def check_rnn_forward(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False):
    fn = "rnn_forward"
    T, N, I, H, reverse = _forward(fn, "rnn", x, {"h0": h0}, w_ih, w_hh, b_ih, b_hh, reverse, True)
    relu = _nonlinearity(fn, nonlinearity)
    dt = x.dtype
    return Launch({"x": x, "h0": h0, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh},
                  {"y": ((T, N, H), dt), "h_n": ((N, H), dt)},
                  {"T": T, "N": N, "I": I, "H": H, "relu": relu, "reverse": reverse}, ("y", "h_n"))


@launches
def check_rnn_backward(dy, dh_n, x, h0, w_ih, w_hh, y, nonlinearity="tanh", reverse=False, bias=True,
                       input_grad=True):
    fn = "rnn_backward"
    T, N, I, H, reverse, bias, input_grad = _backward(
        fn, "rnn", x, w_ih, w_hh, {"dy": (dy, True), "dh_n": (dh_n, False)}, {"h0": h0}, {"y": (y, 1)},
        reverse, bias, input_grad, True)
    relu = _nonlinearity(fn, nonlinearity)
    dt = x.dtype
    return Launch({"dy": dy, "dh_n": dh_n, "x": x, "h0": h0, "w_ih": w_ih, "w_hh": w_hh, "y": y},
                  {"dx": ((T, N, I), dt) if input_grad else None, "dh0": ((N, H), dt) if h0 is not None else None,
                   **_weight_outputs("rnn", x, I, H, bias)},
                  {"T": T, "N": N, "I": I, "H": H, "relu": relu, "reverse": reverse},
                  ("dx", "dh0", "dw_ih", "dw_hh", "db_ih", "db_hh"))


@launches
def check_rnn_cell_forward(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    fn = "rnn_cell_forward"
    _, N, I, H, _ = _forward(fn, "rnn", x, {"h": h}, w_ih, w_hh, b_ih, b_hh, False, False)
    relu = _nonlinearity(fn, nonlinearity)
    return Launch({"x": x, "h": h, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh},
                  {"h1": ((N, H), x.dtype)}, {"N": N, "I": I, "H": H, "relu": relu}, ("h1",))


@launches
def check_rnn_cell_backward(dh1, x, h, w_ih, w_hh, h1, nonlinearity="tanh", bias=True, input_grad=True):
    fn = "rnn_cell_backward"
    _, N, I, H, _, bias, input_grad = _backward(fn, "rnn", x, w_ih, w_hh, {"dh1": (dh1, True)}, {"h": h},
                                                {"h1": (h1, 1)}, False, bias, input_grad, False)
    relu = _nonlinearity(fn, nonlinearity)
    dt = x.dtype
    return Launch({"dh1": dh1, "x": x, "h": h, "w_ih": w_ih, "w_hh": w_hh, "h1": h1},
                  {"dx": ((N, I), dt) if input_grad else None, "dh": ((N, H), dt) if h is not None else None,
                   **_weight_outputs("rnn", x, I, H, bias)},
                  {"N": N, "I": I, "H": H, "relu": relu}, ("dx", "dh", "dw_ih", "dw_hh", "db_ih", "db_hh"))


# ------------------------------------------------------------------------------------------ ConvLSTM

def _gates_lead(fn, gates, name="gates"):
    """gates (N, 4 Hc, *spatial) -> (N, Hc, spatial, U = Hc * prod(spatial))."""
    check_float_array(fn, name, gates)
    if gates.ndim < 2 or int(gates.shape[1]) % 4:
        raise ValueError(f"{fn}: argument '{name}' must be (N, 4 * hidden, *spatial), got shape {tuple(gates.shape)}")
    N, Hc, sp = int(gates.shape[0]), int(gates.shape[1]) // 4, tuple(int(v) for v in gates.shape[2:])
    U = Hc
    for v in sp:
        U *= v
    return N, Hc, sp, U


@launches
def check_lstm_gates_forward(gates, c=None):
    """The LSTM's fused pass alone, on pre-activations laid out as (N, 4 Hc, *spatial): the gates of a
    ConvLSTM (a conv's output) or of an LSTM (spatial empty)."""
    fn = "lstm_gates_forward"
    N, Hc, sp, U = _gates_lead(fn, gates)
    state = (N, Hc) + sp
    _optional(fn, "c", c, gates, state)
    dt = gates.dtype
    return Launch({"gates": gates, "c": c}, {"h1": (state, dt), "c1": (state, dt), "act": (tuple(gates.shape), dt)},
                  {"N": N, "U": U}, ("h1", "c1", "act"))


@launches
def check_lstm_gates_backward(dh1, dc1, c, c1, act):
    fn = "lstm_gates_backward"
    N, Hc, sp, U = _gates_lead(fn, act, "act")
    state = (N, Hc) + sp
    for name, a in (("dh1", dh1), ("dc1", dc1), ("c", c)):
        _optional(fn, name, a, act, state)
    _required(fn, "c1", c1, act, state)
    dt = act.dtype
    return Launch({"dh1": dh1, "dc1": dc1, "c": c, "c1": c1, "act": act},
                  {"dgates": (tuple(act.shape), dt), "dc": (state, dt) if c is not None else None},
                  {"N": N, "U": U}, ("dgates", "dc"))


def conv_lstm_shapes(fn, x, h, c, weight, bias, padding):
    """x (N, Cin, H, W); h, c (N, Hc, H, W) or None; weight (4 Hc, Cin + Hc, KH, KW) with odd KH, KW and
    padding ((KH - 1) / 2, (KW - 1) / 2), so that the states keep x's size; bias (4 Hc,) or None.
    -> (Cin, Hc, padding pair)."""
    from .core import as_pair
    check_float_array(fn, "x", x, 4)
    check_float_array(fn, "weight", weight, 4, like=x)
    N, Cin, H, W = (int(v) for v in x.shape)
    if int(weight.shape[0]) % 4 or int(weight.shape[0]) == 0:
        raise ValueError(f"{fn}: argument 'weight' must have 4 * hidden_channels output channels, got shape "
                         f"{tuple(weight.shape)}")
    Hc = int(weight.shape[0]) // 4
    if int(weight.shape[1]) != Cin + Hc:
        raise ValueError(f"{fn}: argument 'weight' must have in_channels + hidden_channels = {Cin} + {Hc} input "
                         f"channels (the conv runs over [x, h]), got shape {tuple(weight.shape)}")
    ph, pw = as_pair(fn, "padding", padding, 0)
    kh, kw = int(weight.shape[2]), int(weight.shape[3])
    if kh != 2 * ph + 1 or kw != 2 * pw + 1:
        raise ValueError(f"{fn}: argument 'padding' must be ((KH - 1) / 2, (KW - 1) / 2) = "
                         f"({(kh - 1) / 2:g}, {(kw - 1) / 2:g}) for the {kh}x{kw} kernel (odd sizes), so that the "
                         f"states keep the input's size, got {padding!r}")
    for name, a in (("h", h), ("c", c)):
        _optional(fn, name, a, x, (N, Hc, H, W))
    _optional(fn, "bias", bias, x, (4 * Hc,))
    return Cin, Hc, (ph, pw)


def check_conv_lstm_cell_forward(x, h, c, weight, bias=None, padding=(0, 0)):
    return conv_lstm_shapes("conv_lstm_cell_forward", x, h, c, weight, bias, padding)


def check_conv_lstm_cell_backward(dh1, dc1, x, h, c, weight, c1, gates, padding=(0, 0), bias=True, input_grad=True):
    fn = "conv_lstm_cell_backward"
    Cin, Hc, pad = conv_lstm_shapes(fn, x, h, c, weight, None, padding)
    N, _, H, W = (int(v) for v in x.shape)
    for name, a in (("dh1", dh1), ("dc1", dc1)):
        _optional(fn, name, a, x, (N, Hc, H, W))
    _required(fn, "c1", c1, x, (N, Hc, H, W))
    _required(fn, "gates", gates, x, (N, 4 * Hc, H, W))
    return Cin, Hc, pad, check_bool(fn, "bias", bias), check_bool(fn, "input_grad", input_grad)
