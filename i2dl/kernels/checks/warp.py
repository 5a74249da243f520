"""The affine warp's contract: x (N, C, H, W) float, theta (N, 2, 3) of x's dtype, fill a real number;
the backward's dy of x_shape."""
from __future__ import annotations

from .core import check_float_array, check_real, check_shape, check_x_shape


def check_affine_warp2d_forward(x, theta, fill):
    fn = "affine_warp2d_forward"
    check_float_array(fn, "x", x, ndim=4)
    check_float_array(fn, "theta", theta, ndim=3, like=x)
    N, C, H, W = (int(s) for s in x.shape)
    check_shape(fn, "theta", theta, (N, 2, 3))
    check_real(fn, "fill", fill)
    return N, C, H, W


def check_affine_warp2d_backward(dy, theta, x_shape):
    fn = "affine_warp2d_backward"
    N, C, H, W = check_x_shape(fn, x_shape)
    check_float_array(fn, "dy", dy, ndim=4)
    check_shape(fn, "dy", dy, (N, C, H, W))
    check_float_array(fn, "theta", theta, ndim=3, like=dy, like_name="dy")
    check_shape(fn, "theta", theta, (N, 2, 3))
    return N, C, H, W
