"""Benchmark rows for the recurrent layers: LSTM, GRU and LSTMCell forward+backward through
``i2dl.nn`` (the shapes of the recurrent goals), and the digits LSTM's training step, each against
PyTorch's layer with the same weights in the same run. The cpu result (output and every gradient)
is checked against the reference backend before anything is timed."""
from __future__ import annotations

import copy

import numpy as np

from .. import functional as F
from .. import kernels, models, nn, optim
from ..kernels.registry import rel_error
from ..tensor import Tensor
from .kernel_cases import Case

_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1, "LSTMCell": 4, "GRUCell": 3}


def _copy_weights(torch, ours, theirs):
    state = ours.state_dict()
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.from_numpy(np.asarray(state[name], dtype=np.float32)))


def _layer_case(kind, T, N, I, H):
    cell = kind.endswith("Cell")
    shape = (N, I) if cell else (T, N, I)

    layers = {}  # by dtype: the float32 layer and its float64 twin (the reference's validation run)

    def make():
        rng = np.random.default_rng(0)
        layers[np.float32] = getattr(nn, kind)(I, H)
        layers[np.float64] = copy.deepcopy(layers[np.float32]).double()
        y_shape = (N, H) if cell else (T, N, H)
        return {"x": rng.standard_normal(shape, dtype=np.float32), "dy": rng.standard_normal(y_shape, dtype=np.float32)}

    def run(k, a):
        layer = layers[a["x"].dtype.type]
        with kernels.use_backend(k.NAME):
            x = Tensor(a["x"], requires_grad=True)
            layer.zero_grad()
            out = layer(x)
            y = out[0] if isinstance(out, tuple) else out
            y.backward(Tensor(a["dy"]))
        return (y.numpy(), x.grad) + tuple(p.grad for p in layer.parameters())

    def torch_inputs(torch, a):
        layer = getattr(torch.nn, kind)(I, H)
        _copy_weights(torch, layers[np.float32], layer)
        return {"x": torch.from_numpy(a["x"]).requires_grad_(), "dy": torch.from_numpy(a["dy"]), "layer": layer}

    def torch_run(torch, t):
        t["x"].grad = None
        t["layer"].zero_grad()
        out = t["layer"](t["x"])
        (out[0] if isinstance(out, tuple) else out).backward(t["dy"])

    steps = 1 if cell else T
    # the GEMMs' flops, forward and twice that backward; without an initial state the first step has no
    # recurrent product (and a cell called without hx none at all)
    flops = 3 * 2.0 * N * _GATES[kind] * H * (steps * I + (steps - 1) * H)
    label = f"batch {N}, {I} -> {H}" + ("" if cell else f", {T} steps")
    return Case(f"{kind} fwd+bwd", label, make, run, torch_run, flops=flops, tol=1e-4, torch_inputs=torch_inputs)


def _digits_lstm_step():
    """One training step of ``i2dl train --model lstm``: the 8x8 digits read row by row, batch 64, Adam
    and clipping at norm 1, against its PyTorch twin (nn.LSTM(8, 64, batch_first=True) + nn.Linear)."""

    def make():
        rng = np.random.default_rng(0)
        model = models.RowSequenceClassifier(rows=8, cols=8, hidden_size=64)
        return {"x": rng.standard_normal((64, 1, 8, 8), dtype=np.float32), "y": rng.integers(0, 10, 64),
                "model": model, "opt": optim.Adam(model.parameters(), lr=5e-3)}

    def run(k, a):
        with kernels.use_backend(k.NAME):
            model, opt = a["model"], a["opt"]
            loss = F.cross_entropy(model(Tensor(a["x"])), a["y"])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            return (np.asarray(loss.item()),)

    def twin(torch):
        class Twin(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn, self.head = torch.nn.LSTM(8, 64, batch_first=True), torch.nn.Linear(64, 10)

            def forward(self, x):
                return self.head(self.rnn(x.reshape(x.shape[0], 8, 8))[0][:, -1])
        return Twin()

    def torch_inputs(torch, a):
        tm = twin(torch)
        _copy_weights(torch, a["model"], tm)
        return {"x": torch.from_numpy(a["x"]), "y": torch.from_numpy(a["y"]), "model": tm,
                "opt": torch.optim.Adam(tm.parameters(), lr=5e-3)}

    def torch_run(torch, t):
        loss = torch.nn.functional.cross_entropy(t["model"](t["x"]), t["y"])
        t["opt"].zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(t["model"].parameters(), 1.0)
        t["opt"].step()

    def validate(a, t, torch):
        model = a["model"]
        model.zero_grad()
        loss = F.cross_entropy(model(Tensor(a["x"])), a["y"])
        loss.backward()
        grads = [p.grad.copy() for p in model.parameters()]
        model.zero_grad()
        if torch is None:
            return 0.0
        tm = t["model"]
        tm.zero_grad()
        tl = torch.nn.functional.cross_entropy(tm(t["x"]), t["y"])
        tl.backward()
        err = max([abs(loss.item() - tl.item()) / abs(tl.item())]
                  + [rel_error(g, p.grad.numpy()) for g, p in zip(grads, tm.parameters())])
        tm.zero_grad()
        if not err <= 1e-3:
            raise AssertionError(f"bench digits LSTM step: i2dl differs from torch by {err:.2e}")
        return err

    return Case("train step digits LSTM", "batch 64, 8 rows of 8, H 64, Adam", make, run, torch_run,
                validate_with_reference=False, reference_timed=True, torch_inputs=torch_inputs,
                validate_step=validate)


def recurrent_cases():
    return [_layer_case("LSTM", 50, 64, 128, 256), _layer_case("GRU", 50, 64, 128, 256),
            _layer_case("LSTMCell", 1, 64, 128, 256), _digits_lstm_step()]
