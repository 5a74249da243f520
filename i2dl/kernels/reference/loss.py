"""Softmax cross-entropy on logits with integer labels, the classifier loss of the lecture.

For logits z (N, C) and labels y (N,) with 0 <= y_i < C::

    loss_i = -log softmax(z_i)_{y_i} = (m_i - z_{i,y_i}) + log sum_c e^{z_ic - m_i},   m_i = max_c z_ic
    dz_ic  = dloss_i * (softmax(z_i)_c - [c == y_i])

Subtracting the row maximum keeps every exponent <= 0, so logits of +-1e4 stay finite; the two
large terms m_i - z_{i,y_i} cancel before log k is added (tied maxima at 1e30 keep their log 2),
and the sum of exponentials is accumulated in float64 (a float32 sum stops growing at 2^24). The
backward recomputes the softmax from z (one pass over N x C) instead of keeping it from the
forward. N may be 0; C must be at least 1.
"""
from __future__ import annotations

import numpy as np

from ..checks import check_cross_entropy_backward, check_cross_entropy_forward


def cross_entropy_forward(z, labels):
    """loss (N,) = log sum_c exp(z_ic) - z_{i, labels_i}, in the dtype of z."""
    check_cross_entropy_forward(z, labels)
    m = z.max(axis=1, keepdims=True) if z.size else np.zeros((z.shape[0], 1), z.dtype)
    log_sum = np.log(np.exp(z - m).sum(axis=1, dtype=np.float64))
    return ((m[:, 0] - z[np.arange(z.shape[0]), labels]) + log_sum).astype(z.dtype)


def cross_entropy_backward(dloss, z, labels):
    """dz (N, C) = dloss_i * (softmax(z_i) - onehot(labels_i))."""
    check_cross_entropy_backward(dloss, z, labels)
    m = z.max(axis=1, keepdims=True) if z.size else np.zeros((z.shape[0], 1), z.dtype)
    e = np.exp(z - m)
    p = (e / e.sum(axis=1, keepdims=True, dtype=np.float64)).astype(z.dtype)
    p[np.arange(z.shape[0]), labels] -= 1
    return (dloss[:, None] * p).astype(z.dtype)
