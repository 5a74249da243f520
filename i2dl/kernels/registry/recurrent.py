"""The recurrent rows: the LSTM, GRU and RNN over sequences and one step at a time.

A call returns several arrays (y, h_n, c_n); the rows hand the test families their concatenation,
flattened, as the one output ``y``, and split the families' dy back into dy, dh_n and dc_n, so
that every output and every gradient path is cross-checked, differentiated numerically and mutated.
"""
from __future__ import annotations

import numpy as np

from ..compose import xp_of
from .core import BadInput, KernelSpec, Sample, _rn

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def _flat(*arrays):
    """The outputs of one call as one vector."""
    return xp_of(arrays[0]).concatenate([a.reshape(-1) for a in arrays])


def _split(v, *shapes):
    """``v`` cut into contiguous arrays of ``shapes``."""
    xp, out, at = xp_of(v), [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        out.append(xp.ascontiguousarray(v[at:at + n].reshape(shape)))
        at += n
    return out


def _set(**kv):
    def m(a, p):
        return a, {**p, **kv}
    return m


def _samples(kind, sequence):
    """Inputs by shape: (T, N, I, H) for a sequence, T ignored for one step; with or without bias and
    initial states; reversed; relu for the RNN."""
    G = _GATES[kind]
    states = ("h0", "c0") if sequence else ("h", "c")
    if kind != "lstm":
        states = states[:1]

    def samples(rng):
        def s(T, N, I, H, desc, bias=True, initial=True, reverse=False, relu=False, scale=0.5):
            x = _rn(rng, *((T, N, I) if sequence else (N, I)))
            inputs = {"x": x}
            for name in states:
                inputs[name] = _rn(rng, N, H) if initial else None
            inputs["w_ih"], inputs["w_hh"] = _rn(rng, G * H, I) * scale, _rn(rng, G * H, H) * scale
            inputs["b_ih"], inputs["b_hh"] = (_rn(rng, G * H), _rn(rng, G * H)) if bias else (None, None)
            params = {}
            if sequence:
                params["reverse"] = reverse
            if kind == "rnn":
                params["nonlinearity"] = "relu" if relu else "tanh"
            return Sample(inputs, params, desc)

        rows = [s(5, 3, 4, 6, "T 5, N 3, I 4 -> H 6"),
                s(1, 1, 3, 1, "T = 1, N = 1, H = 1"),
                s(3, 2, 7, 5, "I != H, no bias", bias=False),
                s(4, 3, 5, 6, "no initial state", initial=False),
                s(4, 8, 5, 64, "H 64, N 8: the steps split over threads by units"),
                s(3, 4, 6, 20, "H 20: a unit slice and a tail"),
                s(3, 11, 5, 72, "N 11, H 72: whole and partial tiles of the packed step GEMM")]
        if sequence:
            rows += [s(5, 2, 3, 6, "reverse", reverse=True), s(4, 0, 3, 5, "N = 0"),
                     s(4, 3, 5, 40, "reverse, no initial state, H 40", initial=False, reverse=True)]
        if kind == "rnn":
            rows += [s(4, 3, 5, 6, "relu", relu=True), s(4, 3, 5, 6, "relu, no initial state", initial=False, relu=True)]
        return rows
    return samples


def _bias(a):
    return a["b_ih"] is not None


def _spec(kind, sequence):
    """The row of ``kind`` ('lstm', 'gru', 'rnn') over a sequence or one step."""
    name = f"{kind}{'' if sequence else '_cell'}"
    h, c = ("h0", "c0") if sequence else ("h", "c")
    lstm = kind == "lstm"
    def state_shape(a):
        x, w_hh = a["x"], a["w_hh"]
        return (x.shape[-2], w_hh.shape[1])

    def call_forward(k, a, p):
        weights = (a["w_ih"], a["w_hh"], a["b_ih"], a["b_hh"])
        if lstm:
            args = (a["x"], a[h], a[c]) + weights
        else:
            args = (a["x"], a[h]) + weights
        out = getattr(k, f"{name}_forward")(*args, **p)
        if sequence:
            if lstm:
                y, h_n, c_n, gates, cs = out
                return _flat(y, h_n, c_n), (y, gates, cs)
            if kind == "gru":
                y, h_n, gates = out
                return _flat(y, h_n), (y, gates)
            y, h_n = out
            return _flat(y, h_n), (y,)
        if lstm:
            h1, c1, gates = out
            return _flat(h1, c1), (c1, gates)
        if kind == "gru":
            h1, gates = out
            return h1.reshape(-1), (gates,)
        return out.reshape(-1), (out,)

    def backward_inputs(a, saved, dy):
        S = state_shape(a)
        arrays = {k: a[k] for k in ("x", h, "w_ih", "w_hh") + ((c,) if lstm else ())}
        arrays["has_bias"] = _bias(a)
        if sequence:
            Y = (a["x"].shape[0],) + S
            parts = _split(dy, Y, S, S) if lstm else _split(dy, Y, S)
            arrays.update({"dy": parts[0], "dh_n": parts[1], "y": saved[0]})
            if lstm:
                arrays.update({"dc_n": parts[2], "gates": saved[1], "cs": saved[2]})
            elif kind == "gru":
                arrays["gates"] = saved[1]
        elif lstm:
            dh1, dc1 = _split(dy, S, S)
            arrays.update({"dh1": dh1, "dc1": dc1, "c1": saved[0], "gates": saved[1]})
        else:
            arrays["dh1"] = _split(dy, S)[0]
            arrays["gates" if kind == "gru" else "h1"] = saved[0]
        return arrays

    def call_backward(k, a, p):
        bias = a["has_bias"]
        fn = getattr(k, f"{name}_backward")
        common = (a["x"], a[h]) + ((a[c],) if lstm else ()) + (a["w_ih"], a["w_hh"])
        extra_p = {"nonlinearity": p["nonlinearity"]} if kind == "rnn" else {}
        if sequence:
            heads = (a["dy"], a["dh_n"]) + ((a["dc_n"],) if lstm else ())
            saved = (a["y"],) + ((a["gates"],) if kind != "rnn" else ()) + ((a["cs"],) if lstm else ())
            out = fn(*heads, *common, *saved, **extra_p, reverse=p["reverse"], bias=bias)
        else:
            heads = (a["dh1"],) + ((a["dc1"],) if lstm else ())
            saved = (a["c1"], a["gates"]) if lstm else ((a["gates"],) if kind == "gru" else (a["h1"],))
            out = fn(*heads, *common, *saved, **extra_p, bias=bias)
        if lstm:
            dx, dh, dc, dw_ih, dw_hh, db_ih, db_hh = out
        else:
            (dx, dh, dw_ih, dw_hh, db_ih, db_hh), dc = out, None
        grads = {"x": dx, "w_ih": dw_ih, "w_hh": dw_hh}
        if a[h] is not None:
            grads[h] = dh
        if lstm and a[c] is not None:
            grads[c] = dc
        if bias:
            grads.update({"b_ih": db_ih, "b_hh": db_hh})
        return grads

    G = _GATES[kind]
    ranks = {"x": 3 if sequence else 2, "w_ih": 2, "w_hh": 2, "b_ih": 1, "b_hh": 1, h: 2, c: 2}
    if sequence:
        ranks.update({"dy": 3, "dh_n": 2, "dc_n": 2, "y": 3, "gates": 3, "cs": 3})
    else:
        ranks.update({"dh1": 2, "dc1": 2, "c1": 2, "gates": 2, "h1": 2})

    def bad():
        rows = [
            BadInput("hidden sizes of w_ih and w_hh differ", "forward",
                     lambda a, p: ({**a, "w_ih": np.zeros((a["w_ih"].shape[0] + G, a["x"].shape[-1]))}, p),
                     ValueError, r"argument 'w_ih' must have shape"),
            BadInput("w_hh not (G * H, H)", "forward",
                     lambda a, p: ({**a, "w_hh": np.zeros((a["w_hh"].shape[0], a["w_hh"].shape[1] + 1))}, p),
                     ValueError, r"argument 'w_hh' must have shape \(%d \* hidden_size, hidden_size\)" % G),
            BadInput("input size of w_ih differs from x's", "forward",
                     lambda a, p: ({**a, "w_ih": np.zeros((a["w_ih"].shape[0], a["x"].shape[-1] + 1))}, p),
                     ValueError, r"argument 'w_ih' must have shape .* input_size the last dim of 'x'"),
            BadInput(f"{h} of the wrong batch", "forward",
                     lambda a, p: ({**a, h: np.zeros((a["x"].shape[-2] + 1, a["w_hh"].shape[1]))}, p),
                     ValueError, rf"argument '{h}' must have shape"),
            BadInput("b_ih without b_hh", "forward", lambda a, p: ({**a, "b_hh": None}, p), ValueError,
                     r"arguments 'b_ih' and 'b_hh' must both be arrays or both be None"),
        ]
        if sequence:
            rows.append(BadInput("reverse not a bool", "forward", _set(reverse=1), TypeError,
                                 r"argument 'reverse' must be a bool"))
            rows.append(BadInput("x 2-D", "forward", lambda a, p: ({**a, "x": a["x"][0].copy()}, p), ValueError,
                                 r"argument 'x' must be 3-D"))
        if kind == "rnn":
            rows.append(BadInput("nonlinearity unknown", "forward", _set(nonlinearity="sigmoid"), ValueError,
                                 r"argument 'nonlinearity' must be 'tanh' or 'relu', got 'sigmoid'"))
        if lstm and sequence:
            rows.append(BadInput("cs of the wrong length", "backward",
                                 lambda a, p: ({**a, "cs": a["cs"][:-1].copy()}, p), ValueError,
                                 r"argument 'cs' must have shape"))
        return rows

    return KernelSpec(
        name=name, forward=f"{name}_forward", backward=f"{name}_backward", samples=_samples(kind, sequence),
        call_forward=call_forward, backward_inputs=backward_inputs, call_backward=call_backward, ranks=ranks,
        bad_inputs=bad, compare_saved=True, batched=("x",) if sequence else ("x", h, c) if lstm else ("x", h))


LSTM = _spec("lstm", True)
GRU = _spec("gru", True)
RNN = _spec("rnn", True)
LSTM_CELL = _spec("lstm", False)
GRU_CELL = _spec("gru", False)
RNN_CELL = _spec("rnn", False)


# ------------------------------------------------------------------------------------------ ConvLSTM

def _gates_samples(rng):
    def s(shape, desc, prev=True, scale=1.0):
        C = shape[1] // 4
        return Sample({"gates": _rn(rng, *shape) * scale, "c": _rn(rng, shape[0], C, *shape[2:]) if prev else None},
                      {}, desc)
    return [s((2, 12, 3, 4), "ConvLSTM gates, 3 channels on 3x4"), s((3, 8), "LSTM layout (N, 4H)"),
            s((1, 4, 5, 5), "one channel, no previous cell state", prev=False),
            s((2, 8, 70, 70), "over a chunk of units per image"), s((0, 8, 2, 2), "empty batch")]


def _gates_backward(k, a, p):
    dg, dc = k.lstm_gates_backward(a["dh1"], a["dc1"], a["c"], a["c1"], a["act"])
    return {"gates": dg, **({"c": dc} if a["c"] is not None else {})}


LSTM_GATES = KernelSpec(
    name="lstm_gates", forward="lstm_gates_forward", backward="lstm_gates_backward", samples=_gates_samples,
    call_forward=lambda k, a, p: (lambda h1, c1, act: (_flat(h1, c1), (c1, act)))(*k.lstm_gates_forward(a["gates"],
                                                                                                          a["c"])),
    backward_inputs=lambda a, saved, dy: dict(zip(("dh1", "dc1"), _split(dy, saved[0].shape, saved[0].shape)),
                                              c=a["c"], c1=saved[0], act=saved[1]),
    call_backward=_gates_backward, ranks={}, backward_anchor="act", compare_saved=True, batched=("gates", "c"),
    bad_inputs=lambda: [
        BadInput("gates not a multiple of 4 channels", "forward",
                 lambda a, p: ({**a, "gates": a["gates"][:, 1:].copy()}, p), ValueError,
                 r"argument 'gates' must be \(N, 4 \* hidden, \*spatial\)"),
        BadInput("c of another size", "forward", lambda a, p: ({**a, "c": a["c"][:, :1].copy()}, p), ValueError,
                 r"argument 'c' must have shape"),
    ])


def _conv_lstm_samples(rng):
    def s(N, Cin, Hc, H, W, k, desc, bias=True, initial=True, c_only=False):
        inputs = {"x": _rn(rng, N, Cin, H, W), "h": _rn(rng, N, Hc, H, W) if initial and not c_only else None,
                  "c": _rn(rng, N, Hc, H, W) if initial else None,
                  "weight": _rn(rng, 4 * Hc, Cin + Hc, k, k) / np.sqrt((Cin + Hc) * k * k),
                  "bias": _rn(rng, 4 * Hc) if bias else None}
        return Sample(inputs, {"padding": (k // 2, k // 2)}, desc)
    return [s(2, 3, 4, 5, 6, 3, "3x3 gates, 3 -> 4 channels on 5x6"), s(1, 1, 1, 4, 4, 1, "1x1 kernel, one channel"),
            s(2, 2, 3, 4, 4, 3, "no bias", bias=False), s(2, 2, 3, 4, 5, 3, "no initial state", initial=False),
            s(2, 2, 3, 4, 4, 5, "5x5 kernel, c without h", c_only=True)]


def _conv_lstm_forward(k, a, p):
    h1, c1, gates = k.conv_lstm_cell_forward(a["x"], a["h"], a["c"], a["weight"], a["bias"], **p)
    return _flat(h1, c1), (c1, gates)


def _conv_lstm_backward(k, a, p):
    dx, dh, dc, dw, db = k.conv_lstm_cell_backward(a["dh1"], a["dc1"], a["x"], a["h"], a["c"], a["weight"], a["c1"],
                                                   a["gates"], p["padding"], bias=a["has_bias"])
    grads = {"x": dx, "weight": dw}
    grads.update({name: g for name, g in (("h", dh), ("c", dc)) if a[name] is not None})
    if a["has_bias"]:
        grads["bias"] = db
    return grads


CONV_LSTM_CELL = KernelSpec(
    name="conv_lstm_cell", forward="conv_lstm_cell_forward", backward="conv_lstm_cell_backward",
    samples=_conv_lstm_samples, call_forward=_conv_lstm_forward,
    backward_inputs=lambda a, saved, dy: dict(zip(("dh1", "dc1"), _split(dy, saved[0].shape, saved[0].shape)),
                                              x=a["x"], h=a["h"], c=a["c"], weight=a["weight"], c1=saved[0],
                                              gates=saved[1], has_bias=a["bias"] is not None),
    call_backward=_conv_lstm_backward, ranks={"x": 4, "weight": 4, "h": 4, "c": 4, "bias": 1, "c1": 4, "gates": 4},
    compare_saved=True, batched=("x", "h", "c"),
    bad_inputs=lambda: [
        BadInput("even kernel", "forward",
                 lambda a, p: ({**a, "weight": np.zeros(a["weight"].shape[:2] + (2, 2))}, {"padding": (1, 1)}),
                 ValueError, r"argument 'padding' must be \(\(KH - 1\) / 2, \(KW - 1\) / 2\)"),
        BadInput("weight over x's channels alone", "forward",
                 lambda a, p: ({**a, "weight": a["weight"][:, :a["x"].shape[1]].copy()}, p), ValueError,
                 r"argument 'weight' must have in_channels \+ hidden_channels"),
        BadInput("h of another size", "forward", lambda a, p: ({**a, "h": a["x"].copy()}, p), ValueError,
                 r"argument 'h' must have shape"),
    ])
