"""The in-place rows: optimizer steps."""
from __future__ import annotations

from .core import BadInput, InplaceSpec, Sample, _rn


def _sgd_samples(rng):
    out = []
    shape = (300, 257)  # large enough for the threaded path, odd for the vector tails
    for momentum, dampening, nesterov, wd, first in [(0.0, 0.0, False, 0.0, False), (0.0, 0.0, False, 1e-2, False),
                                                     (0.9, 0.0, False, 0.0, True), (0.9, 0.0, False, 0.0, False),
                                                     (0.9, 0.1, False, 1e-2, False), (0.9, 0.0, True, 1e-2, False),
                                                     (0.9, 0.0, True, 0.0, True)]:
        arrays = {"param": _rn(rng, *shape), "grad": _rn(rng, *shape), "velocity": _rn(rng, *shape)}
        params = dict(lr=0.1, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=wd,
                      first_step=first)
        out.append(Sample(arrays, params, f"{params}"))
    out.append(Sample({"param": _rn(rng, 7), "grad": _rn(rng, 7), "velocity": _rn(rng, 7)},
                      dict(lr=0.5, momentum=0.5), "7 elements"))
    return out


SGD_STEP = InplaceSpec(
    name="sgd_step_", kernel="sgd_step_", samples=_sgd_samples,
    call=lambda k, a, p: k.sgd_step_(a["param"], a["grad"], a["velocity"], **p), updated=("param", "velocity"),
    full_sample=2,  # momentum 0.9: the velocity is read
    bad_inputs=lambda: [
        BadInput("momentum without a velocity", "call", lambda a, p: ({**a, "velocity": None}, {**p, "momentum": 0.9}),
                 ValueError, r"'velocity' is required when momentum != 0"),
        BadInput("lr a string", "call", lambda a, p: (a, {**p, "lr": "0.1"}), TypeError, r"'lr' must be a real number"),
        BadInput("nesterov not a bool", "call", lambda a, p: (a, {**p, "nesterov": 1}), TypeError,
                 r"'nesterov' must be a bool")])

