"""The ReLU contract: any shape, float32/float64, C-contiguous."""
from __future__ import annotations

from .core import check_float_array, check_shape


def check_relu_forward(x):
    check_float_array("relu_forward", "x", x)


def check_relu_backward(dy, y):
    fn = "relu_backward"
    check_float_array(fn, "y", y)
    check_float_array(fn, "dy", dy, like=y, like_name="y")
    check_shape(fn, "dy", dy, y.shape)
