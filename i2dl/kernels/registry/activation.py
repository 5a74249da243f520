"""The ReLU row."""
from __future__ import annotations

import numpy as np

from .core import BadInput, KernelSpec, Sample, _rn


def _relu_samples(rng):
    shapes = [(7,), (3, 5), (2, 3, 4, 5), (64, 6, 24, 24), (1,), (0, 3)]
    return [Sample({"x": _rn(rng, *s)}, {}, f"x{s}") for s in shapes]


RELU = KernelSpec(
    name="relu", forward="relu_forward", backward="relu_backward",
    samples=_relu_samples, call_forward=lambda k, a, p: (k.relu_forward(a["x"]), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "y": saved_y(a)},
    call_backward=lambda k, a, p: {"x": k.relu_backward(a["dy"], a["y"])},
    ranks={}, backward_anchor="y",
    bad_inputs=lambda: [BadInput("dy of another shape", "backward",
                                 lambda a, p: ({**a, "dy": a["dy"][..., :1] * 1}, p), ValueError, r"'dy' must have shape")])


def saved_y(a):
    """ReLU's backward takes its output; computed here from the input with the reference."""
    x = a["x"]
    if isinstance(x, np.ndarray):
        return np.ascontiguousarray(np.maximum(x, 0))
    return (x > 0) * x
