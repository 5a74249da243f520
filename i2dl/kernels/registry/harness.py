"""The cross-check harness shared by the tests and ``i2dl check``: run a row's kernels on a backend
and on the float64 reference from the same dtype-rounded inputs, and measure the difference."""
from __future__ import annotations

from typing import Dict

import numpy as np

from .core import InplaceSpec, KernelSpec, Sample


def rel_error(got, want) -> float:
    """||got - want|| / ||want|| (absolute norm when want is all zeros)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return float("inf")
    denom = np.linalg.norm(want)
    diff = np.linalg.norm(got - want)
    return float(diff / denom) if denom > 0 else float(diff)


def cast_inputs(inputs: dict, dtype, to_device=None) -> dict:
    """Casts float arrays to ``dtype`` (and moves them with ``to_device``); other values pass."""
    out = {}
    for key, v in inputs.items():
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            v = np.ascontiguousarray(v, dtype=dtype)
        if isinstance(v, np.ndarray) and to_device is not None:
            v = to_device(v)
        out[key] = v
    return out


def _cast_saved(saved, dtype, to_device=None):
    """A forward's saved state (None, an array or a tuple of arrays) with its float arrays cast to
    ``dtype`` (and moved with ``to_device``); integer arrays (argmax indices) keep their dtype."""
    if isinstance(saved, tuple):
        return tuple(_cast_saved(s, dtype, to_device) for s in saved)
    if saved is None:
        return None
    if saved.dtype.kind == "f":
        saved = saved.astype(dtype, order="C")
    return to_device(saved) if to_device is not None else saved


def to_numpy(a):
    if a is None or isinstance(a, np.ndarray):
        return a
    return a.get()  # CuPy


def cross_check(spec: KernelSpec, backend, sample: Sample, dtype, rng, to_device=None) -> Dict[str, float]:
    """Runs forward and backward on ``backend`` and on the float64 reference with the same
    (dtype-rounded) inputs; backward gets the reference's saved state and the same dy.
    Returns the relative error of every output, by name ("y", "saved", "dx", ...)."""
    from .. import get
    ref = get("reference")
    rounded = cast_inputs(sample.inputs, dtype)               # the values the backend sees
    want_inputs = cast_inputs(rounded, np.float64)
    y_ref, saved_ref = spec.call_forward(ref, want_inputs, sample.params)
    inputs = cast_inputs(rounded, dtype, to_device)
    y, saved = spec.call_forward(backend, inputs, sample.params)
    errors = {"y": rel_error(to_numpy(y), y_ref)}
    if np.dtype(to_numpy(y).dtype) != np.dtype(dtype):
        errors["y"] = float("inf")
    if spec.saved_is_exact and saved_ref is not None:
        errors["saved"] = 0.0 if np.array_equal(to_numpy(saved), saved_ref) else float("inf")
    if spec.compare_saved:
        for i, (got, want) in enumerate(zip(saved, saved_ref)):
            errors[f"saved[{i}]"] = rel_error(to_numpy(got), want)
    for name in spec.updated:
        if name in inputs:
            errors[name] = rel_error(to_numpy(inputs[name]), want_inputs[name])
    dy = rng.standard_normal(y_ref.shape)
    dy_rounded = dy.astype(dtype).astype(np.float64)
    # the saved state as the backend's dtype holds it, so that both backwards start from the same values
    saved_rounded = _cast_saved(saved_ref, dtype)
    g_ref = spec.call_backward(ref, spec.backward_inputs(want_inputs, _cast_saved(saved_rounded, np.float64),
                                                         dy_rounded), sample.params)
    saved_in = _cast_saved(saved_rounded, dtype, to_device)
    bw = spec.backward_inputs(inputs, saved_in, np.ascontiguousarray(dy_rounded, dtype=dtype) if to_device is None
                              else to_device(np.ascontiguousarray(dy_rounded, dtype=dtype)))
    grads = spec.call_backward(backend, bw, sample.params)
    for name, g in g_ref.items():
        got = to_numpy(grads.get(name))
        errors["d" + name] = rel_error(got, g) if got is not None and np.dtype(got.dtype) == np.dtype(dtype) else float("inf")
    return errors


def cross_check_inplace(spec: InplaceSpec, backend, sample: Sample, dtype, to_device=None) -> Dict[str, float]:
    """Runs an in-place kernel on ``backend`` (in ``dtype``) and on the float64 reference from the
    same rounded values; returns the relative error of every updated array."""
    from .. import get
    rounded = {k: np.array(v, dtype=dtype) for k, v in sample.inputs.items()}      # fresh copies: both
    want = {k: v.astype(np.float64) for k, v in rounded.items()}                  # calls write in place
    got = {k: (to_device(v) if to_device else v.copy()) for k, v in rounded.items()}
    result_want = spec.call(get("reference"), want, sample.params)
    result_got = spec.call(backend, got, sample.params)
    errors = {"result": rel_error(result_got, result_want)} if spec.returns else {}
    for name in spec.updated:
        g = to_numpy(got[name])
        errors[name] = rel_error(g, want[name]) if np.dtype(g.dtype) == np.dtype(dtype) else float("inf")
    return errors
