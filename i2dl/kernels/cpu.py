"""The ``cpu`` backend: C++ kernels (OpenMP, GEMM through OpenBLAS) in ``i2dl._C``.

Same names and signatures as :mod:`i2dl.kernels.reference` (the specification). Every kernel is
check -> allocate -> call: the shared contract (:mod:`i2dl.kernels.checks`) validates the
arguments and gives the shapes, the outputs are allocated here, and ``_C`` (which checks the
arrays it is handed again before it touches a pointer) computes with the GIL released.
"""
from __future__ import annotations

import functools
import math
import sys as _sys

import numpy as np

from .. import _C
from . import checks as _checks
from . import compose as _compose
from . import reference as _reference
from .checks import (check_avg_pool2d_backward, check_avg_pool2d_forward, check_conv2d_backward, check_conv2d_forward,
                     check_cross_entropy_backward, check_cross_entropy_forward, check_global_avg_pool2d_backward,
                     check_global_avg_pool2d_forward, check_linear_backward, check_linear_forward,
                     check_max_pool2d_backward, check_max_pool2d_forward,
                     check_sgd_step_)

NAME = "cpu"


def conv2d_forward(x, w, b, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    g = check_conv2d_forward(x, w, b, stride, padding, dilation, groups)
    y = np.empty(g.out_shape, dtype=x.dtype)
    _C.conv2d_forward(x, w, b, y, (g.SH, g.SW), (g.PH, g.PW), (g.DH, g.DW), g.groups)
    return y


def conv2d_backward(dy, x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=True,
                    input_grad=True):
    g = check_conv2d_backward(dy, x, w, stride, padding, dilation, groups)
    dx = np.empty_like(x) if input_grad else None
    dw = np.empty_like(w)
    db = np.empty(g.O, dtype=x.dtype) if bias else None
    _C.conv2d_backward(dy, x, w, dx, dw, db, (g.SH, g.SW), (g.PH, g.PW), (g.DH, g.DW), g.groups)
    return dx, dw, db


def conv_transpose2d_forward(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """conv2d's input gradient with x as its dy (the adjoint), started from the bias."""
    g = _checks.check_conv_transpose2d_forward(x, w, b, stride, padding, output_padding, groups, dilation)
    if _compose.needs_taps(x, w, g):
        return _compose.conv_transpose2d_taps(x, w, b, g)
    y = np.empty((g.N, g.C, g.H, g.W), dtype=x.dtype)
    # the bias is where dx starts from (the pass that zeroes it; a NumPy add after took 1.3 ms on the
    # U-Net up-convolution's (16, 64, 64, 64))
    _C.conv2d_input_grad(_compose.pad_to(x, (g.OH, g.OW)), w, y, (g.SH, g.SW), (g.PH, g.PW), (g.DH, g.DW), g.groups,
                         b)
    return y


def conv_transpose2d_backward(dy, x, w, stride=1, padding=0, output_padding=0, groups=1, dilation=1, bias=True,
                              input_grad=True):
    """conv2d(dy, w) and conv2d's weight gradient (i2dl.kernels.compose): the convolution's fast paths."""
    return _compose.conv_transpose2d_backward(_sys.modules[__name__], dy, x, w, stride, padding, output_padding,
                                              groups, dilation, bias, input_grad)


def max_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    g = check_max_pool2d_forward(x, kernel, stride, padding, dilation, ceil_mode)
    y = np.empty(g.out_shape, dtype=x.dtype)
    idx = np.empty(g.out_shape, dtype=np.int64)
    _C.max_pool2d_forward(x, y, idx, (g.KH, g.KW), (g.SH, g.SW), (g.PH, g.PW), dilation=(g.DH, g.DW),
                          ceil_mode=g.ceil_mode)
    return y, idx


def max_pool2d_backward(dy, idx, x_shape):
    dx = np.empty(check_max_pool2d_backward(dy, idx, x_shape, index_range=False), dtype=dy.dtype)
    _C.max_pool2d_backward(dy, idx, dx)  # checks idx's range as it reads it
    return dx


def adaptive_max_pool2d_backward(dy, idx, x_shape):
    """max_pool2d_backward's scatter (the range of idx checked in the contract, under this name)."""
    dx = np.empty(_checks.check_adaptive_max_pool2d_backward(dy, idx, x_shape), dtype=dy.dtype)
    _C.max_pool2d_backward(dy, idx, dx)
    return dx


def avg_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0), ceil_mode=False, count_include_pad=True,
                       divisor_override=None):
    g = check_avg_pool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    y = np.empty(g.out_shape, dtype=x.dtype)
    _C.avg_pool2d_forward(x, y, (g.KH, g.KW), (g.SH, g.SW), (g.PH, g.PW), ceil_mode=g.ceil_mode,
                          count_include_pad=g.count_include_pad, divisor=g.divisor)
    return y


def avg_pool2d_backward(dy, x_shape, kernel=(2, 2), stride=None, padding=(0, 0), ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    g = check_avg_pool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override)
    dx = np.empty((g.N, g.C, g.H, g.W), dtype=dy.dtype)
    _C.avg_pool2d_backward(dy, dx, (g.KH, g.KW), (g.SH, g.SW), (g.PH, g.PW), ceil_mode=g.ceil_mode,
                           count_include_pad=g.count_include_pad, divisor=g.divisor)
    return dx


def global_avg_pool2d_forward(x):
    y = np.empty(check_global_avg_pool2d_forward(x), dtype=x.dtype)
    _C.global_avg_pool2d_forward(x, y)
    return y


def global_avg_pool2d_backward(dy, x_shape):
    dx = np.empty(check_global_avg_pool2d_backward(dy, x_shape), dtype=dy.dtype)
    _C.global_avg_pool2d_backward(dy, dx)
    return dx


def linear_forward(x, w, b=None):
    lead, k, n = check_linear_forward(x, w, b)
    y = np.empty(lead + (n,), dtype=x.dtype)
    m = math.prod(lead)  # not reshape(-1, k): -1 cannot be inferred when k is 0
    _C.linear_forward(x.reshape(m, k), w, b, y.reshape(m, n))
    return y


def linear_backward(dy, x, w, bias=True, input_grad=True):
    lead, k, n = check_linear_backward(dy, x, w)
    dx = np.empty_like(x) if input_grad else None
    dw = np.empty_like(w)
    db = np.empty(n, dtype=x.dtype) if bias else None
    m = math.prod(lead)
    _C.linear_backward(dy.reshape(m, n), x.reshape(m, k), w, None if dx is None else dx.reshape(m, k), dw, db)
    return dx, dw, db


def cross_entropy_forward(z, labels):
    check_cross_entropy_forward(z, labels, label_range=False)  # the binding checks the range as it reads
    loss = np.empty(z.shape[0], dtype=z.dtype)
    _C.cross_entropy_forward(z, labels, loss)
    return loss


def cross_entropy_backward(dloss, z, labels):
    check_cross_entropy_backward(dloss, z, labels, label_range=False)
    dz = np.empty_like(z)
    _C.cross_entropy_backward(dloss, z, labels, dz)
    return dz


def sgd_step_(param, grad, velocity, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
              first_step=False):
    check_sgd_step_(param, grad, velocity, lr, momentum, dampening, nesterov, weight_decay, first_step, arrays=False)
    _C.sgd_step_(param, grad, velocity if momentum != 0 else None,
                 _sgd_config(float(lr), float(momentum), float(dampening), bool(nesterov), float(weight_decay),
                             bool(first_step)))


def _lists_checked_by_binding(call, contract):
    """Runs ``call()``, a multi-tensor binding, which checks every array of its lists against the
    whole contract (dtype, contiguity, shape, writability, lengths) while it collects the pointers:
    checking 1200 arrays again in Python cost as much as Adam's step on 300 tensors of 4k. On a
    TypeError or ValueError the contract runs to raise its own message (every backend's); the
    binding's is raised should the contract find nothing."""
    try:
        call()
    except (TypeError, ValueError):
        contract()
        raise


def adam_multi_step_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs=None, step=1, lr=1e-3, beta1=0.9,
                     beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
                     decoupled_weight_decay=False):
    args = (params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay, amsgrad,
            maximize, decoupled_weight_decay)
    scalars = _checks.check_adam_multi_step_(*args, lists=False)
    _lists_checked_by_binding(
        lambda: _C.adam_multi_step_(params=params, grads=grads, exp_avgs=exp_avgs, exp_avg_sqs=exp_avg_sqs,
                                    max_exp_avg_sqs=max_exp_avg_sqs if scalars["amsgrad"] else None, **scalars),
        lambda: _checks.check_adam_multi_step_(*args))


def sgd_multi_step_(params, grads, momentum_buffers=None, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                    weight_decay=0.0, first_step=False):
    args = (params, grads, momentum_buffers, lr, momentum, dampening, nesterov, weight_decay, first_step)
    scalars = _checks.check_sgd_multi_step_(*args, lists=False)
    _lists_checked_by_binding(
        lambda: _C.sgd_multi_step_(params=params, grads=grads,
                                   momentum_buffers=momentum_buffers if scalars["momentum"] != 0 else None, **scalars),
        lambda: _checks.check_sgd_multi_step_(*args))


def rmsprop_multi_step_(params, grads, square_avgs, grad_avgs=None, momentum_buffers=None, lr=1e-2, alpha=0.99,
                        eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    args = (params, grads, square_avgs, grad_avgs, momentum_buffers, lr, alpha, eps, weight_decay, momentum, centered,
            maximize)
    scalars = _checks.check_rmsprop_multi_step_(*args, lists=False)
    _lists_checked_by_binding(
        lambda: _C.rmsprop_multi_step_(params=params, grads=grads, square_avgs=square_avgs,
                                       grad_avgs=grad_avgs if scalars["centered"] else None,
                                       momentum_buffers=momentum_buffers if scalars["momentum"] > 0 else None,
                                       **scalars),
        lambda: _checks.check_rmsprop_multi_step_(*args))


def adagrad_multi_step_(params, grads, state_sums, step=1, lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10,
                        maximize=False):
    args = (params, grads, state_sums, step, lr, lr_decay, weight_decay, eps, maximize)
    scalars = _checks.check_adagrad_multi_step_(*args, lists=False)
    _lists_checked_by_binding(lambda: _C.adagrad_multi_step_(params=params, grads=grads, state_sums=state_sums,
                                                             **scalars),
                              lambda: _checks.check_adagrad_multi_step_(*args))


def total_norm(tensors, norm_type=2.0):
    p = _checks.check_total_norm(tensors, norm_type)
    return _C.total_norm(tensors=list(tensors), norm_type=p)


def mul_multi_(tensors, factor):
    _C.mul_multi_(tensors=list(tensors), factor=_checks.check_mul_multi_(tensors, factor))


def clamp_multi_(tensors, min, max):
    lo, hi = _checks.check_clamp_multi_(tensors, min, max)
    _C.clamp_multi_(tensors=list(tensors), min=lo, max=hi)


@functools.lru_cache(maxsize=64)
def _sgd_config(lr, momentum, dampening, nesterov, weight_decay, first_step):
    """The bound config, built once per combination (an optimizer steps every parameter of a group
    with the same one; building it costs as much as the check of a small parameter)."""
    return _C.SgdConfig(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                        weight_decay=weight_decay, first_step=first_step)


def conv_lstm_cell_forward(x, h, c, weight, bias=None, padding=(0, 0)):
    """The ConvLSTM step from this backend's conv2d and fused LSTM pass (i2dl.kernels.compose)."""
    return _compose.conv_lstm_cell_forward(_sys.modules[__name__], x, h, c, weight, bias, padding)


def conv_lstm_cell_backward(dh1, dc1, x, h, c, weight, c1, gates, padding=(0, 0), bias=True, input_grad=True):
    return _compose.conv_lstm_cell_backward(_sys.modules[__name__], dh1, dc1, x, h, c, weight, c1, gates, padding,
                                            bias, input_grad)


def _generated(name):
    """The adapter of a kernel whose check returns a :class:`~i2dl.kernels.checks.core.Launch`:
    check, allocate the outputs it names, call ``_C.<name>`` with every argument by keyword."""
    check, kernel = getattr(_checks, "check_" + name), getattr(_C, name)

    def adapter(*args, **kwargs):
        launch = check(*args, **kwargs)
        out = {k: None if spec is None else np.empty(spec[0], dtype=spec[1]) for k, spec in launch.outputs.items()}
        kernel(**launch.arrays, **out, **launch.sizes)
        return launch.result(out)

    return functools.wraps(getattr(_reference, name))(adapter)


globals().update({name[len("check_"):]: _generated(name[len("check_"):]) for name, f in vars(_checks).items()
                  if name.startswith("check_") and getattr(f, "launches", False) is True
                  and name[len("check_"):] not in globals()})


def topk_forward(x, k, largest=False):
    N, _ = _checks.check_topk_forward(x, k, largest)
    values, indices = np.empty((N, k), dtype=x.dtype), np.empty((N, k), dtype=np.int64)
    _C.topk_forward(x, k, bool(largest), values, indices)
    return values, indices


def topk_backward(dvalues, indices, n):
    N, _ = _checks.check_topk_backward(dvalues, indices, n)
    dx = np.empty((N, n), dtype=dvalues.dtype)
    _C.topk_backward(dvalues, indices, dx)
    return dx


def affine_warp2d_forward(x, theta, fill=0.0):
    _checks.check_affine_warp2d_forward(x, theta, fill)
    y = np.empty_like(x)
    _C.affine_warp2d_forward(x, theta, float(fill), y)
    return y


def affine_warp2d_backward(dy, theta, x_shape):
    _checks.check_affine_warp2d_backward(dy, theta, x_shape)
    dx = np.empty_like(dy)
    _C.affine_warp2d_backward(dy, theta, dx)
    return dx
