"""The selection row (topk): smallest and largest, k = 1 and k = n, one row, an empty batch, ties."""
from __future__ import annotations

import numpy as np

from .core import BadInput, KernelSpec, Sample, _rn


def _samples(rng):
    def s(shape, k, largest, desc):
        return Sample({"x": _rn(rng, *shape)}, {"k": k, "largest": largest}, desc)
    return [
        s((6, 40), 5, False, "5 smallest of 40"),
        s((6, 40), 5, True, "5 largest of 40"),
        s((3, 100), 70, False, "k above the insertion limit"),
        s((4, 9), 9, True, "k = n"),
        s((1, 7), 1, False, "one row, k = 1"),
        s((0, 5), 2, False, "empty batch"),
        Sample({"x": np.tile(np.array([[1.0, 0.0, 1.0, 0.0, 2.0]]), (2, 1))}, {"k": 3, "largest": False},
               "ties keep row order", numerically_checkable=False),
    ]


def _forward(k, a, p):
    values, indices = k.topk_forward(a["x"], **p)
    return values, indices


def _backward(k, a, p):
    return {"x": k.topk_backward(a["dvalues"], a["indices"], a["n"])}


def _set(**kv):
    def m(a, p):
        return a, {**p, **kv}
    return m


TOPK = KernelSpec(
    name="topk", forward="topk_forward", backward="topk_backward", samples=_samples, call_forward=_forward,
    backward_inputs=lambda a, saved, dy: {"dvalues": dy, "indices": saved, "n": int(a["x"].shape[1])},
    call_backward=_backward, ranks={"x": 2, "dvalues": 2}, backward_anchor="dvalues", saved_is_exact=True,
    bad_inputs=lambda: [
        BadInput("k larger than the row", "forward", lambda a, p: (a, {**p, "k": int(a["x"].shape[1]) + 1}), ValueError,
                 r"argument 'k' must be in \[1, \d+\]"),
        BadInput("k = 0", "forward", _set(k=0), ValueError, r"argument 'k' must be >= 1, got 0"),
        BadInput("largest not a bool", "forward", _set(largest=1), TypeError, r"argument 'largest' must be a bool, got 1"),
        BadInput("an index outside the row", "backward",
                 lambda a, p: ({**a, "indices": np.full_like(a["indices"], a["n"])}, p), ValueError,
                 r"argument 'indices' holds positions outside \[0, \d+\)"),
        BadInput("int32 indices", "backward", lambda a, p: ({**a, "indices": a["indices"].astype(np.int32)}, p),
                 TypeError, r"argument 'indices' must have dtype int64, got int32"),
    ])
