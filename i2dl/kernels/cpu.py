"""The ``cpu`` backend: C++ kernels (OpenMP, GEMM through OpenBLAS) in ``i2dl._C``.

Same names and signatures as :mod:`i2dl.kernels.reference` (the specification). This module
validates with the shared checks, allocates the outputs and hands them to ``_C``, which checks
them again before it touches a pointer and releases the GIL while it computes.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _C
from ._checks import check_cross_entropy_arguments, check_sgd_arguments, check_float_array, check_index_array, check_shape, check_x_shape, conv2d_geometry, linear_shapes, pool2d_geometry

NAME = "cpu"


def conv2d_forward(x, w, b, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    g = conv2d_geometry("conv2d_forward", x, w, b, stride, padding, dilation, groups)
    y = np.empty(g.out_shape, dtype=x.dtype)
    _C.conv2d_forward(x, w, b, y, (g.SH, g.SW), (g.PH, g.PW), (g.DH, g.DW), g.groups)
    return y


def conv2d_backward(dy, x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=True,
                    input_grad=True):
    fn = "conv2d_backward"
    g = conv2d_geometry(fn, x, w, None, stride, padding, dilation, groups)
    check_float_array(fn, "dy", dy, 4, like=x)
    check_shape(fn, "dy", dy, g.out_shape)
    dx = np.empty_like(x) if input_grad else None
    dw = np.empty_like(w)
    db = np.empty(g.O, dtype=x.dtype) if bias else None
    _C.conv2d_backward(dy, x, w, dx, dw, db, (g.SH, g.SW), (g.PH, g.PW), (g.DH, g.DW), g.groups)
    return dx, dw, db


def max_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0)):
    fn = "max_pool2d_forward"
    check_float_array(fn, "x", x, 4)
    g = pool2d_geometry(fn, x.shape, kernel, stride, padding)
    y = np.empty(g.out_shape, dtype=x.dtype)
    idx = np.empty(g.out_shape, dtype=np.int64)
    _C.max_pool2d_forward(x, y, idx, (g.KH, g.KW), (g.SH, g.SW), (g.PH, g.PW))
    return y, idx


def max_pool2d_backward(dy, idx, x_shape):
    fn = "max_pool2d_backward"
    check_float_array(fn, "dy", dy, 4)
    check_index_array(fn, "idx", idx, dy.shape)
    dx = np.empty(check_x_shape(fn, x_shape), dtype=dy.dtype)
    _C.max_pool2d_backward(dy, idx, dx)
    return dx


def avg_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0)):
    fn = "avg_pool2d_forward"
    check_float_array(fn, "x", x, 4)
    g = pool2d_geometry(fn, x.shape, kernel, stride, padding)
    y = np.empty(g.out_shape, dtype=x.dtype)
    _C.avg_pool2d_forward(x, y, (g.KH, g.KW), (g.SH, g.SW), (g.PH, g.PW))
    return y


def avg_pool2d_backward(dy, x_shape, kernel=(2, 2), stride=None, padding=(0, 0)):
    fn = "avg_pool2d_backward"
    check_float_array(fn, "dy", dy, 4)
    g = pool2d_geometry(fn, check_x_shape(fn, x_shape), kernel, stride, padding)
    check_shape(fn, "dy", dy, g.out_shape)
    dx = np.empty((g.N, g.C, g.H, g.W), dtype=dy.dtype)
    _C.avg_pool2d_backward(dy, dx, (g.KH, g.KW), (g.SH, g.SW), (g.PH, g.PW))
    return dx


def global_avg_pool2d_forward(x):
    check_float_array("global_avg_pool2d_forward", "x", x, 4)
    y = np.empty(x.shape[:2] + (1, 1), dtype=x.dtype)
    _C.global_avg_pool2d_forward(x, y)
    return y


def global_avg_pool2d_backward(dy, x_shape):
    fn = "global_avg_pool2d_backward"
    check_float_array(fn, "dy", dy, 4)
    dx = np.empty(check_x_shape(fn, x_shape), dtype=dy.dtype)
    _C.global_avg_pool2d_backward(dy, dx)
    return dx


def linear_forward(x, w, b=None):
    lead, k, n = linear_shapes("linear_forward", x, w, b)
    y = np.empty(lead + (n,), dtype=x.dtype)
    m = math.prod(lead)  # not reshape(-1, k): -1 cannot be inferred when k is 0
    _C.linear_forward(x.reshape(m, k), w, b, y.reshape(m, n))
    return y


def linear_backward(dy, x, w, bias=True, input_grad=True):
    fn = "linear_backward"
    lead, k, n = linear_shapes(fn, x, w, None)
    check_float_array(fn, "dy", dy, like=x)
    check_shape(fn, "dy", dy, lead + (n,))
    dx = np.empty_like(x) if input_grad else None
    dw = np.empty_like(w)
    db = np.empty(n, dtype=x.dtype) if bias else None
    m = math.prod(lead)
    _C.linear_backward(dy.reshape(m, n), x.reshape(m, k), w, None if dx is None else dx.reshape(m, k), dw, db)
    return dx, dw, db


def relu_forward(x):
    check_float_array("relu_forward", "x", x)
    y = np.empty_like(x)
    _C.relu_forward(x, y)
    return y


def relu_backward(dy, y):
    fn = "relu_backward"
    check_float_array(fn, "y", y)
    check_float_array(fn, "dy", dy, like=y, like_name="y")
    check_shape(fn, "dy", dy, y.shape)
    dx = np.empty_like(y)
    _C.relu_backward(dy, y, dx)
    return dx


def cross_entropy_forward(z, labels):
    check_cross_entropy_arguments("cross_entropy_forward", z, labels)   # the label range: in the binding
    loss = np.empty(z.shape[0], dtype=z.dtype)
    _C.cross_entropy_forward(z, labels, loss)
    return loss


def cross_entropy_backward(dloss, z, labels):
    check_cross_entropy_arguments("cross_entropy_backward", z, labels, dloss)
    dz = np.empty_like(z)
    _C.cross_entropy_backward(dloss, z, labels, dz)
    return dz


def sgd_step_(param, grad, velocity, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
              first_step=False):
    check_sgd_arguments("sgd_step_", param, grad, velocity, lr, momentum, dampening, nesterov, weight_decay, first_step)
    _C.sgd_step_(param, grad, velocity if momentum != 0 else None, float(lr), float(momentum), float(dampening),
                 bool(nesterov), float(weight_decay), bool(first_step))
