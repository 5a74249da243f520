"""The linear row."""
from __future__ import annotations

import numpy as np

from .core import BadInput, KernelSpec, Sample, _rn


def _linear_samples(rng):
    def s(lead, k, n, bias=True, desc=""):
        return Sample({"x": _rn(rng, *lead, k), "w": _rn(rng, n, k) / np.sqrt(k), "b": _rn(rng, n) if bias else None},
                      {}, desc or f"x{lead + (k,)} -> {n}")
    return [s((4,), 7, 3), s((1,), 1, 1, desc="one row, one feature"), s((5,), 16, 9, bias=False, desc="no bias"),
            s((2, 3), 5, 4, desc="leading batch dims"), s((64,), 784, 256, desc="MLP layer"), s((3,), 8, 2)]


def _linear_backward(k, a, p):
    dx, dw, db = k.linear_backward(a["dy"], a["x"], a["w"], bias=a["has_bias"])
    grads = {"x": dx, "w": dw}
    if a["has_bias"]:
        grads["b"] = db
    return grads


LINEAR = KernelSpec(
    name="linear", forward="linear_forward", backward="linear_backward",
    samples=_linear_samples, call_forward=lambda k, a, p: (k.linear_forward(a["x"], a["w"], a["b"]), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x": a["x"], "w": a["w"], "has_bias": a["b"] is not None},
    call_backward=_linear_backward, ranks={"w": 2, "b": 1},
    bad_inputs=lambda: [
        BadInput("in_features mismatch", "forward",
                 lambda a, p: ({**a, "w": np.zeros((3, a["x"].shape[-1] + 2), a["x"].dtype)}, p), ValueError, r"'w' must have in_features"),
        BadInput("bias of wrong length", "forward",
                 lambda a, p: ({**a, "b": np.zeros(a["w"].shape[0] + 1, a["x"].dtype)}, p), ValueError, r"'b' must have shape"),
    ])
