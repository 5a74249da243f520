"""Max-norm constraints (lecture §VIII, with dropout: Srivastava et al., 2014, §5.1): after each
step, every unit's incoming weight vector w is projected back into the ball ‖w‖₂ ≤ c,
w ← w · min(1, c / ‖w‖₂). For a Linear weight (out, in) or a Conv2d weight (out, in, kh, kw) a
unit is one output row (dim 0), as ``torch.renorm(w, 2, 0, c)`` and Keras' ``max_norm`` take it."""
from __future__ import annotations

import math

from ...kernels.checks import check_real
from ...ops import xp_of
from ...tensor import Tensor


def max_norm_(parameters, max_value, dim=0, eps=1e-7):
    """Renormalises, in place, each slice along ``dim`` of every parameter with 2 or more dimensions
    (weights; biases and norm scales are left alone) whose 2-norm exceeds ``max_value``. Returns the
    number of slices it scaled."""
    fn = "max_norm_"
    check_real(fn, "max_value", max_value)
    if not (math.isfinite(max_value) and max_value > 0):
        raise ValueError(f"{fn}: argument 'max_value' must be a finite number > 0, got {max_value}")
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    scaled = 0
    for p in parameters:
        w = p.data
        if w.ndim < 2:
            continue
        d = dim % w.ndim
        xp = xp_of(w)
        axes = tuple(a for a in range(w.ndim) if a != d)
        norms = xp.sqrt((w.astype(xp.float64) ** 2).sum(axis=axes, keepdims=True))
        factor = xp.minimum(1.0, max_value / (norms + eps))
        over = factor < 1.0
        if bool(over.any()):
            w *= factor.astype(w.dtype)
            scaled += int(over.sum())
    return scaled
