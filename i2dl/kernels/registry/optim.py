"""The in-place rows: optimizer steps."""
from __future__ import annotations

from .core import InplaceSpec, Sample, _rn


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
    call=lambda k, a, p: k.sgd_step_(a["param"], a["grad"], a["velocity"], **p), updated=("param", "velocity"))

