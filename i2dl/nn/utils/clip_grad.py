"""Gradient clipping (lecture §XI.2: exploding gradients are cut at a threshold), with PyTorch's
names and semantics: ``clip_grad_norm_`` scales every gradient by one factor so that their joint
norm is at most ``max_norm``; ``clip_grad_value_`` clamps each entry. Both are multi-tensor: one
kernel call per (backend, dtype) for the norm and one for the update, however many tensors
(``i2dl.kernels.reference.total_norm``, ``mul_multi_``, ``clamp_multi_``)."""
from __future__ import annotations

import math

import numpy as np

from ... import kernels
from ...kernels.checks import check_real
from ...ops import xp_of
from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _by_backend(arrays):
    """[(backend, C-contiguous arrays, strided arrays)] per (array type, dtype): the calls one
    multi-tensor kernel can take (it takes C-contiguous arrays; a strided one, which only a
    hand-set ``.grad`` can be, is handled apart)."""
    groups = {}
    for a in arrays:
        key = (type(a), a.dtype)
        if key not in groups:
            groups[key] = (kernels.for_array(a), [], [])
        groups[key][1 if a.flags.c_contiguous else 2].append(a)
    return list(groups.values())


def _total_norm(fn, arrays, p, error_if_nonfinite):
    parts = [backend.total_norm(contiguous + [a.copy() for a in strided], p)
             for backend, contiguous, strided in _by_backend(arrays)]
    if len(parts) == 1:
        total = parts[0]
    elif any(math.isnan(v) for v in parts):
        total = math.nan
    else:
        total = max(parts) if math.isinf(p) else math.fsum(v ** p for v in parts) ** (1.0 / p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"{fn}: the total norm of order {p} of the gradients is non-finite ({total}), "
                           f"so it cannot be clipped; pass error_if_nonfinite=False to scale by it anyway")
    return Tensor(np.asarray(total, dtype=arrays[0].dtype))


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """||(t_1, ..., t_k)||_p: the norm of all arrays (or Tensors) as one vector (p = ``norm_type``,
    ``inf`` for the largest |entry|), accumulated in float64, as a 0-D Tensor of the first's dtype.
    ``foreach`` is accepted for PyTorch's signature (the norm is one multi-tensor call either way).

    >>> nn.utils.get_total_norm([np.array([3.0]), np.array([4.0])]).item()
    5.0"""
    fn = "get_total_norm"
    p = check_real(fn, "norm_type", norm_type)
    if isinstance(tensors, Tensor) or hasattr(tensors, "shape"):
        tensors = [tensors]
    arrays = [t.data if isinstance(t, Tensor) else t for t in tensors]
    if not arrays:
        return Tensor(np.zeros((), dtype=np.float32))
    return _total_norm(fn, arrays, p, error_if_nonfinite)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Every gradient scaled by min(1, max_norm / (total_norm + 1e-6)), in place (PyTorch's second
    half of ``clip_grad_norm_``; ``total_norm`` from ``get_total_norm``)."""
    max_norm = check_real("clip_grads_with_norm_", "max_norm", max_norm)
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or not math.isfinite(total):
        for backend, contiguous, strided in _by_backend(_grads(parameters)):
            backend.mul_multi_(contiguous, coef)
            for a in strided:
                a *= a.dtype.type(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """total = ||(g_1, ..., g_k)||_p over all gradients as one vector (p = ``norm_type``, ``inf`` for the
    largest |entry|); every g_i <- g_i * min(1, max_norm / (total + 1e-6)), in place. Returns total
    (a 0-D Tensor).

    >>> w = nn.Parameter(i2dl.tensor([3.0, 4.0])); w.grad = np.array([3.0, 4.0], dtype=np.float32)
    >>> nn.utils.clip_grad_norm_([w], 1.0).item(), [round(v, 4) for v in w.grad.tolist()]
    (5.0, [0.6, 0.8])"""
    fn = "clip_grad_norm_"
    max_norm = check_real(fn, "max_norm", max_norm)
    norm_type = check_real(fn, "norm_type", norm_type)
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    total = _total_norm(fn, grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Every gradient entry clamped to [-clip_value, clip_value], in place.

    >>> w = nn.Parameter(i2dl.tensor([1.0])); w.grad = np.array([-3.0], dtype=np.float32)
    >>> nn.utils.clip_grad_value_([w], 0.5); w.grad.tolist()
    [-0.5]"""
    clip_value = check_real("clip_grad_value_", "clip_value", clip_value, minimum=0)
    for backend, contiguous, strided in _by_backend(_grads(parameters)):
        backend.clamp_multi_(contiguous, -clip_value, clip_value)
        for a in strided:
            xp_of(a).clip(a, -clip_value, clip_value, out=a)
