"""Numerical gradient checking: central differences in float64 against autograd."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .autograd import no_grad
from .tensor import Tensor


@dataclass
class GradcheckResult:
    ok: bool
    worst_error: float      # max over checked entries of |analytic - numeric| / max(1, |numeric|)
    where: str              # "input i, index (...)" of the worst entry
    checked: int

    def __bool__(self):
        return self.ok


class GradcheckError(AssertionError):
    pass


def central_difference(f, array, flat_index, eps=1e-6) -> float:
    """(f(a + eps e_j) - f(a - eps e_j)) / 2 eps for entry j of ``array`` (changed in place and
    restored); ``f`` reads the array and returns a float."""
    flat = array.reshape(-1)
    old = flat[flat_index]
    flat[flat_index] = old + eps
    up = f()
    flat[flat_index] = old - eps
    down = f()
    flat[flat_index] = old
    return (up - down) / (2 * eps)


def gradcheck(fn, inputs, eps=1e-6, tol=1e-5, max_entries=None, raise_exception=True, seed=0) -> GradcheckResult:
    """Compares autograd's gradient of ``sum(fn(*inputs) * r)`` (r random, fixed) with central
    differences (f(x + eps) - f(x - eps)) / 2 eps for every input tensor with requires_grad.
    Inputs should be float64. ``max_entries`` checks a random subset of each input's entries."""
    inputs = [t if isinstance(t, Tensor) else Tensor(t) for t in inputs]
    for i, t in enumerate(inputs):
        if t.requires_grad and t.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} must be float64 for central differences, got {t.dtype}")
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    r = rng.standard_normal(out.shape)
    for t in inputs:
        t.grad = None
    (out * Tensor(r, dtype=out.dtype)).sum().backward()

    def f():
        with no_grad():
            return float((fn(*inputs).numpy() * r).sum())

    worst, where, checked = 0.0, "", 0
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            continue
        analytic = np.zeros(t.shape) if t.grad is None else np.asarray(t.grad)
        flat = t.data.reshape(-1)
        picks = range(flat.size) if max_entries is None or flat.size <= max_entries else \
            rng.choice(flat.size, size=max_entries, replace=False)
        for j in picks:
            numeric = central_difference(f, t.data, j, eps)
            a = analytic.reshape(-1)[j]
            err = abs(a - numeric) / max(1.0, abs(numeric))
            checked += 1
            if not err <= worst:
                worst = err
                where = f"input {i}, index {np.unravel_index(j, t.shape)}: analytic {a:.8g}, numeric {numeric:.8g}"
    result = GradcheckResult(worst <= tol, float(worst), where, checked)
    if raise_exception and not result.ok:
        raise GradcheckError(f"gradcheck failed: worst relative error {worst:.3e} > {tol:.1e} at {where}")
    return result
