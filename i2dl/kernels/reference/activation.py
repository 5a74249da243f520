"""ReLU, the activation of nearly every network in the lecture:

    y = max(x, 0)            dL/dx = dL/dy * [y > 0]

Any shape; NaN propagates through the forward (as in PyTorch). The backward takes y, not x:
y > 0 exactly where x > 0, and y is what the layer keeps anyway.
"""
from __future__ import annotations

import numpy as np

from ..checks import check_relu_backward, check_relu_forward


def relu_forward(x):
    check_relu_forward(x)
    return np.where(np.isnan(x), x, np.maximum(x, 0)).astype(x.dtype)


def relu_backward(dy, y):
    check_relu_backward(dy, y)
    return np.where(y > 0, dy, 0).astype(dy.dtype)
