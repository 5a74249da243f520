"""The softmax cross-entropy row."""
from __future__ import annotations

import numpy as np

from .core import BadInput, KernelSpec, Sample, _rn


def _ce_samples(rng):
    def s(n, c, scale=1.0, desc=""):
        return Sample({"z": _rn(rng, n, c) * scale, "labels": rng.integers(0, c, n).astype(np.int64)}, {},
                      desc or f"z{(n, c)}", numerically_checkable=scale < 100)
    return [s(4, 3), s(64, 10, desc="LeNet's classifier, batch 64"), s(1, 1, desc="one class: loss 0"),
            s(3, 1000, desc="1000 classes"), s(6, 5, scale=1e4, desc="logits of +-1e4 (finite, exact gradient)"),
            s(0, 4, desc="empty batch")]


def _ce_bad():
    def labels(value):
        def m(a, p):
            return {**a, "labels": value(a["labels"])}, p
        return m
    return [BadInput(f"labels {what}", stage, labels(f), err, pattern) for stage in ("forward", "backward")
            for what, f, err, pattern in [
                ("out of range", lambda l: l + 1000, ValueError, r"'labels' holds labels outside"),
                ("negative", lambda l: l - 1000, ValueError, r"'labels' holds labels outside"),
                ("not int64", lambda l: l.astype(np.int32), TypeError, r"'labels' must have dtype int64"),
                ("of the wrong length", lambda l: l[:1], ValueError, r"'labels' must have shape")]]


CROSS_ENTROPY = KernelSpec(
    name="cross_entropy", forward="cross_entropy_forward", backward="cross_entropy_backward",
    samples=_ce_samples, call_forward=lambda k, a, p: (k.cross_entropy_forward(a["z"], a["labels"]), None),
    backward_inputs=lambda a, saved, dy: {"dloss": dy, "z": a["z"], "labels": a["labels"]},
    call_backward=lambda k, a, p: {"z": k.cross_entropy_backward(a["dloss"], a["z"], a["labels"])},
    ranks={"z": 2, "dloss": 1}, bad_inputs=_ce_bad, backward_anchor="z", batched=("z", "labels"))
