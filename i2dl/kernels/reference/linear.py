"""Fully connected layer: y = x w^T + b, w (out, in) as in PyTorch; x (..., in) -> y (..., out).

Backward with dL/dy = dy (rows = all leading positions flattened):
dx = dy w,  dw = dy^T x,  db = sum over rows of dy.
"""
from __future__ import annotations

import numpy as np

from ..checks import check_linear_backward, check_linear_forward


def linear_forward(x, w, b=None):
    check_linear_forward(x, w, b)
    y = x @ w.T
    if b is not None:
        y = y + b
    return np.ascontiguousarray(y)


def linear_backward(dy, x, w, bias=True, input_grad=True):
    """Returns (dx, dw, db); db is None when ``bias`` is False, dx None when ``input_grad`` is False."""
    lead, k, n = check_linear_backward(dy, x, w)
    dy2, x2 = dy.reshape(-1, n), x.reshape(-1, k)
    dx = np.ascontiguousarray((dy2 @ w).reshape(x.shape)) if input_grad else None
    dw = dy2.T @ x2
    db = dy2.sum(axis=0) if bias else None
    return dx, np.ascontiguousarray(dw), db
