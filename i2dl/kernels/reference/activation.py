"""ReLU, the activation of nearly every network in the lecture:

    y = max(x, 0)            dL/dx = dL/dy * [y > 0]

Any shape; NaN propagates through the forward (as in PyTorch). The backward takes y, not x:
y > 0 exactly where x > 0, and y is what the layer keeps anyway.
"""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_shape


def relu_forward(x):
    check_float_array("relu_forward", "x", x)
    return np.where(np.isnan(x), x, np.maximum(x, 0)).astype(x.dtype)


def relu_backward(dy, y):
    fn = "relu_backward"
    check_float_array(fn, "y", y)
    check_float_array(fn, "dy", dy, like=y, like_name="y")
    check_shape(fn, "dy", dy, y.shape)
    return np.where(y > 0, dy, 0).astype(dy.dtype)
