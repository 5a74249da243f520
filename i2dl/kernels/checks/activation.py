"""The ReLU contract: any shape, float32/float64, C-contiguous; n = the element count."""
from __future__ import annotations

from .core import Launch, check_float_array, check_shape, launches


@launches
def check_relu_forward(x):
    check_float_array("relu_forward", "x", x)
    return Launch({"x": x}, {"y": (x.shape, x.dtype)}, {"n": x.size}, ("y",))


@launches
def check_relu_backward(dy, y):
    fn = "relu_backward"
    check_float_array(fn, "y", y)
    check_float_array(fn, "dy", dy, like=y, like_name="y")
    check_shape(fn, "dy", dy, y.shape)
    return Launch({"dy": dy, "y": y}, {"dx": (y.shape, y.dtype)}, {"n": y.size}, ("dx",))
