"""Gradient clipping (lecture §XI.2: exploding gradients are cut at a threshold), with PyTorch's
names and semantics: ``clip_grad_norm_`` scales every gradient by one factor so that their joint
norm is at most ``max_norm``; ``clip_grad_value_`` clamps each entry."""
from __future__ import annotations

import math

import numpy as np

from ...kernels.checks import check_real
from ...ops import xp_of
from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """total = ||(g_1, ..., g_k)||_p over all gradients as one vector (p = ``norm_type``, ``inf`` for the
    largest |entry|); every g_i <- g_i * min(1, max_norm / (total + 1e-6)), in place. Returns total
    (a 0-D Tensor). ``foreach`` is accepted for PyTorch's signature: the norms are one BLAS
    reduction per gradient either way.

    >>> w = nn.Parameter(i2dl.tensor([3.0, 4.0])); w.grad = np.array([3.0, 4.0], dtype=np.float32)
    >>> nn.utils.clip_grad_norm_([w], 1.0).item(), [round(v, 4) for v in w.grad.tolist()]
    (5.0, [0.6, 0.8])"""
    fn = "clip_grad_norm_"
    max_norm = check_real(fn, "max_norm", max_norm)
    norm_type = check_real(fn, "norm_type", norm_type)
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    xp = xp_of(grads[0])
    if math.isinf(norm_type):
        total = max(float(xp.abs(g).max()) if g.size else 0.0 for g in grads)
    elif norm_type == 2.0:
        # g.ravel() @ g.ravel() is one BLAS dot in the gradient's dtype: the sum of squares, in float64 across tensors
        total = math.sqrt(sum(float(g.reshape(-1) @ g.reshape(-1)) for g in grads))
    else:
        total = sum(float((xp.abs(g.astype(np.float64)) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"{fn}: the total norm of order {norm_type} of the gradients is non-finite ({total}), "
                           f"so it cannot be clipped; pass error_if_nonfinite=False to scale by it anyway")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or not math.isfinite(total):
        for g in grads:
            g *= g.dtype.type(coef)
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Every gradient entry clamped to [-clip_value, clip_value], in place.

    >>> w = nn.Parameter(i2dl.tensor([1.0])); w.grad = np.array([-3.0], dtype=np.float32)
    >>> nn.utils.clip_grad_value_([w], 0.5); w.grad.tolist()
    [-0.5]"""
    clip_value = check_real("clip_grad_value_", "clip_value", clip_value, minimum=0)
    for g in _grads(parameters):
        xp_of(g).clip(g, -clip_value, clip_value, out=g)
