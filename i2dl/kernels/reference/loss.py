"""Softmax cross-entropy on logits with integer labels, the classifier loss of the lecture.

For logits z (N, C) and labels y (N,) with 0 <= y_i < C::

    loss_i = -log softmax(z_i)_{y_i} = log sum_c e^{z_ic - m_i} + m_i - z_{i,y_i},   m_i = max_c z_ic
    dz_ic  = dloss_i * (softmax(z_i)_c - [c == y_i])

Subtracting the row maximum keeps every exponent <= 0, so logits of +-1e4 stay finite. The
backward recomputes the softmax from z (one pass over N x C) instead of keeping it from the
forward. N may be 0; C must be at least 1.
"""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_index_array, check_shape


def check_cross_entropy_arguments(fn, z, labels, dloss=None):
    check_float_array(fn, "z", z, 2)
    if z.shape[1] < 1:
        raise ValueError(f"{fn}: argument 'z' must have at least one class (C >= 1), got shape {tuple(z.shape)}")
    check_index_array(fn, "labels", labels, (z.shape[0],), like=z)
    if dloss is not None:
        check_float_array(fn, "dloss", dloss, 1, like=z, like_name="z")
        check_shape(fn, "dloss", dloss, (z.shape[0],))


def check_label_range(fn, labels, classes):
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError(f"{fn}: argument 'labels' holds labels outside [0, {classes}): "
                         f"min {int(labels.min())}, max {int(labels.max())}")


def cross_entropy_forward(z, labels):
    """loss (N,) = log sum_c exp(z_ic) - z_{i, labels_i}, in the dtype of z."""
    fn = "cross_entropy_forward"
    check_cross_entropy_arguments(fn, z, labels)
    check_label_range(fn, labels, z.shape[1])
    m = z.max(axis=1, keepdims=True) if z.size else np.zeros((z.shape[0], 1), z.dtype)
    log_sum = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
    return (log_sum - z[np.arange(z.shape[0]), labels]).astype(z.dtype)


def cross_entropy_backward(dloss, z, labels):
    """dz (N, C) = dloss_i * (softmax(z_i) - onehot(labels_i))."""
    fn = "cross_entropy_backward"
    check_cross_entropy_arguments(fn, z, labels, dloss)
    check_label_range(fn, labels, z.shape[1])
    m = z.max(axis=1, keepdims=True) if z.size else np.zeros((z.shape[0], 1), z.dtype)
    e = np.exp(z - m)
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(z.shape[0]), labels] -= 1
    return (dloss[:, None] * p).astype(z.dtype)
