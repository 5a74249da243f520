"""The softmax cross-entropy contract: logits z (N, C >= 1), int64 labels (N,) in [0, C), dloss (N,)."""
from __future__ import annotations

from .core import check_float_array, check_index_array, check_shape


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


def check_cross_entropy_forward(z, labels, label_range=True):
    """``label_range=False``: the kernel checks the range as it reads the labels (the C++ one does)."""
    check_cross_entropy_arguments("cross_entropy_forward", z, labels)
    if label_range:
        check_label_range("cross_entropy_forward", labels, z.shape[1])


def check_cross_entropy_backward(dloss, z, labels, label_range=True):
    check_cross_entropy_arguments("cross_entropy_backward", z, labels, dloss)
    if label_range:
        check_label_range("cross_entropy_backward", labels, z.shape[1])
