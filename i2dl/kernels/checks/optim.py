"""The contracts of the in-place optimizer steps."""
from __future__ import annotations

import numpy as np

from .core import Launch, check_bool, check_float_array, check_int, check_real, check_shape, launches


_REALS = (float, int)


def check_sgd_step_(param, grad, velocity, lr, momentum, dampening, nesterov, weight_decay, first_step, arrays=True):
    """The scalars (real numbers and bools, as PyTorch's functional SGD takes them; their ranges are
    the optimizer's), then the arrays: param writable, grad and velocity of its dtype and shape.
    ``arrays=False``: the kernel checks the arrays as it takes their pointers (the C++ binding does,
    in this order and with these messages)."""
    fn = "sgd_step_"
    if not (type(lr) in _REALS and type(momentum) in _REALS and type(dampening) in _REALS
            and type(weight_decay) in _REALS and type(nesterov) is bool and type(first_step) is bool):
        for name, value in (("lr", lr), ("momentum", momentum), ("dampening", dampening), ("weight_decay", weight_decay)):
            check_real(fn, name, value)
        check_bool(fn, "nesterov", nesterov)
        check_bool(fn, "first_step", first_step)
    if not arrays:
        return
    check_float_array(fn, "param", param)
    if not getattr(param.flags, "writeable", True):  # CuPy arrays are always writable
        raise ValueError(f"{fn}: output argument 'param' must be writable, got a read-only array")
    check_float_array(fn, "grad", grad, like=param, like_name="param")
    check_shape(fn, "grad", grad, param.shape)
    if momentum != 0:
        if velocity is None:
            raise ValueError(f"{fn}: argument 'velocity' is required when momentum != 0")
        check_float_array(fn, "velocity", velocity, like=param, like_name="param")
        check_shape(fn, "velocity", velocity, param.shape)
        if not getattr(velocity.flags, "writeable", True):
            raise ValueError(f"{fn}: output argument 'velocity' must be writable, got a read-only array")


def _param_and_grad(fn, param, grad):
    """A writable float param and a grad of its dtype and shape (every step's first two arrays)."""
    check_float_array(fn, "param", param)
    if not getattr(param.flags, "writeable", True):
        raise ValueError(f"{fn}: output argument 'param' must be writable, got a read-only array")
    check_float_array(fn, "grad", grad, like=param, like_name="param")
    check_shape(fn, "grad", grad, param.shape)


def _state(fn, name, a, param, required=True):
    if a is None:
        if required:
            raise ValueError(f"{fn}: argument '{name}' is required")
        return
    check_float_array(fn, name, a, like=param, like_name="param")
    check_shape(fn, name, a, param.shape)
    if not getattr(a.flags, "writeable", True):
        raise ValueError(f"{fn}: output argument '{name}' must be writable, got a read-only array")


@launches
def check_adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, step=1, lr=1e-3, beta1=0.9, beta2=0.999,
                     eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False, decoupled_weight_decay=False):
    """Adam's (and AdamW's) arrays, all of param's dtype and shape, and its scalars; see the reference."""
    fn = "adam_step_"
    sizes = check_adam_step_scalars(fn, step, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize,
                                    decoupled_weight_decay)
    amsgrad = sizes["amsgrad"]
    _param_and_grad(fn, param, grad)
    _state(fn, "exp_avg", exp_avg, param)
    _state(fn, "exp_avg_sq", exp_avg_sq, param)
    if amsgrad:
        _state(fn, "max_exp_avg_sq", max_exp_avg_sq, param)
    return Launch({"param": param, "grad": grad, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq,
                   "max_exp_avg_sq": max_exp_avg_sq if amsgrad else None}, {}, {"n": int(param.size), **sizes}, ())


def check_tensor_lists(fn, lists, writable=(), elements=True):
    """Lists of arrays for a multi-tensor kernel: ``lists`` is ((name, list or None), ...), the first
    the tensors (params); every used list has the first's length, element i of each is a
    C-contiguous float array of lists[0][0]'s dtype and lists[0][i]'s shape, writable where
    ``writable`` names its list. Errors name the list and the index (``grads[3]``).
    ``elements=False`` checks the lists but not their arrays (the cpu binding checks those as it
    takes their pointers, against the same rules)."""
    lists = [(name, value) for name, value in lists if value is not None]
    for name, value in lists:
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{fn}: argument '{name}' must be a list of arrays, got {type(value).__name__}")
    first_name, first = lists[0]
    n = len(first)
    for name, value in lists[1:]:
        if len(value) != n:
            raise ValueError(f"{fn}: argument '{name}' must have {n} arrays (one per parameter), got {len(value)}")
    if not n or not elements:
        return
    p0 = first[0]
    check_float_array(fn, f"{first_name}[0]", p0)
    for i in range(n):
        p = first[i]
        # the common case without building a name (300 small tensors: the names cost as much as the step)
        fast = type(p) is np.ndarray and p.dtype == p0.dtype and p.flags.c_contiguous
        for name, value in lists:
            a = value[i]
            fast = (fast and type(a) is np.ndarray and a.dtype == p.dtype and a.shape == p.shape
                    and a.flags.c_contiguous and (name not in writable or a.flags.writeable))
        if fast:
            continue
        pn = f"{first_name}[{i}]"
        check_float_array(fn, pn, p, like=p0, like_name=f"{first_name}[0]")
        if first_name in writable and not getattr(p.flags, "writeable", True):
            raise ValueError(f"{fn}: output argument '{pn}' must be writable, got a read-only array")
        for name, value in lists[1:]:
            a, an = value[i], f"{name}[{i}]"
            check_float_array(fn, an, a, like=p, like_name=pn)
            check_shape(fn, an, a, p.shape)
            if name in writable and not getattr(a.flags, "writeable", True):  # CuPy arrays are always writable
                raise ValueError(f"{fn}: output argument '{an}' must be writable, got a read-only array")


def _required(fn, name, value, needed, when):
    if not needed:
        return None
    if value is None:
        raise ValueError(f"{fn}: argument '{name}' is required {when}")
    return value


def check_adam_multi_step_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs=None, step=1, lr=1e-3, beta1=0.9,
                           beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
                           decoupled_weight_decay=False, lists=True):
    """The multi-tensor Adam: lists of one length, element i of every list of params[i]'s dtype and
    shape (all params of one dtype and device), and Adam's scalars, as the binding takes them."""
    fn = "adam_multi_step_"
    scalars = check_adam_step_scalars(fn, step, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize,
                                      decoupled_weight_decay)
    check_tensor_lists(fn, [("params", params), ("grads", grads), ("exp_avgs", exp_avgs),
                            ("exp_avg_sqs", exp_avg_sqs),
                            ("max_exp_avg_sqs", _required(fn, "max_exp_avg_sqs", max_exp_avg_sqs, scalars["amsgrad"],
                                                          "with amsgrad"))],
                       writable=("params", "exp_avgs", "exp_avg_sqs", "max_exp_avg_sqs"), elements=lists)
    return scalars


def check_sgd_multi_step_(params, grads, momentum_buffers=None, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                          weight_decay=0.0, first_step=False, lists=True):
    """The multi-tensor SGD: params, grads and (with momentum) momentum_buffers, and SGD's scalars."""
    fn = "sgd_multi_step_"
    scalars = dict(lr=check_real(fn, "lr", lr), momentum=check_real(fn, "momentum", momentum),
                   dampening=check_real(fn, "dampening", dampening), nesterov=check_bool(fn, "nesterov", nesterov),
                   weight_decay=check_real(fn, "weight_decay", weight_decay),
                   first_step=check_bool(fn, "first_step", first_step))
    buffers = _required(fn, "momentum_buffers", momentum_buffers, scalars["momentum"] != 0, "when momentum != 0")
    check_tensor_lists(fn, [("params", params), ("grads", grads), ("momentum_buffers", buffers)],
                       writable=("params", "momentum_buffers"), elements=lists)
    return scalars


def check_rmsprop_multi_step_(params, grads, square_avgs, grad_avgs=None, momentum_buffers=None, lr=1e-2, alpha=0.99,
                              eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False, lists=True):
    """The multi-tensor RMSprop: grad_avgs with centered, momentum_buffers with momentum > 0."""
    fn = "rmsprop_multi_step_"
    scalars = _rmsprop_scalars(fn, lr, alpha, eps, weight_decay, momentum, centered, maximize)
    check_tensor_lists(fn, [("params", params), ("grads", grads), ("square_avgs", square_avgs),
                            ("grad_avgs", _required(fn, "grad_avgs", grad_avgs, scalars["centered"], "when centered")),
                            ("momentum_buffers", _required(fn, "momentum_buffers", momentum_buffers,
                                                           scalars["momentum"] > 0, "when momentum > 0"))],
                       writable=("params", "square_avgs", "grad_avgs", "momentum_buffers"), elements=lists)
    return scalars


def check_adagrad_multi_step_(params, grads, state_sums, step=1, lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10,
                              maximize=False, lists=True):
    """The multi-tensor Adagrad (state_sums: PyTorch's ``sum`` of each parameter)."""
    fn = "adagrad_multi_step_"
    scalars = _adagrad_scalars(fn, step, lr, lr_decay, weight_decay, eps, maximize)
    check_tensor_lists(fn, [("params", params), ("grads", grads), ("state_sums", state_sums)],
                       writable=("params", "state_sums"), elements=lists)
    return scalars


def check_total_norm(tensors, norm_type=2.0):
    """A list of float arrays of one dtype (any shapes) and a norm order p > 0 (``inf``: max |x|)."""
    fn = "total_norm"
    p = check_real(fn, "norm_type", norm_type)
    if not p > 0:
        raise ValueError(f"{fn}: argument 'norm_type' must be > 0 (or inf), got {norm_type!r}")
    _check_spans(fn, tensors, writable=False)
    return p


def check_mul_multi_(tensors, factor):
    fn = "mul_multi_"
    factor = check_real(fn, "factor", factor)
    _check_spans(fn, tensors, writable=True)
    return factor


def check_clamp_multi_(tensors, min, max):
    fn = "clamp_multi_"
    lo, hi = check_real(fn, "min", min), check_real(fn, "max", max)
    for name, v in (("min", lo), ("max", hi)):
        if v != v:
            raise ValueError(f"{fn}: argument '{name}' must be a number, got nan")
    if lo > hi:
        raise ValueError(f"{fn}: argument 'min' must be <= max ({max!r}), got {min!r}")
    _check_spans(fn, tensors, writable=True)
    return lo, hi


def _check_spans(fn, tensors, writable):
    """One list of float arrays of tensors[0]'s dtype and any shapes, C-contiguous (writable)."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}: argument 'tensors' must be a list of arrays, got {type(tensors).__name__}")
    for i, a in enumerate(tensors):
        if i and type(a) is np.ndarray and a.dtype == tensors[0].dtype and a.flags.c_contiguous and (
                not writable or a.flags.writeable):
            continue
        name = f"tensors[{i}]"
        check_float_array(fn, name, a, like=tensors[0] if i else None, like_name="tensors[0]")
        if writable and not getattr(a.flags, "writeable", True):
            raise ValueError(f"{fn}: output argument '{name}' must be writable, got a read-only array")


def check_adam_step_scalars(fn, step, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled):
    """Adam's scalars, checked and as the binding takes them (by keyword)."""
    step = check_int(fn, "step", step, 1)
    lr = check_real(fn, "lr", lr, minimum=0)
    eps = check_real(fn, "eps", eps, minimum=0)
    weight_decay = check_real(fn, "weight_decay", weight_decay, minimum=0)
    betas = []
    for name, value in (("beta1", beta1), ("beta2", beta2)):
        v = check_real(fn, name, value, minimum=0)
        if not v < 1:
            raise ValueError(f"{fn}: argument '{name}' must be in [0, 1), got {value!r}")
        betas.append(v)
    return dict(step=step, lr=lr, beta1=betas[0], beta2=betas[1], eps=eps, weight_decay=weight_decay,
                amsgrad=check_bool(fn, "amsgrad", amsgrad), maximize=check_bool(fn, "maximize", maximize),
                decoupled_weight_decay=check_bool(fn, "decoupled_weight_decay", decoupled))


@launches
def check_rmsprop_step_(param, grad, square_avg, grad_avg=None, momentum_buffer=None, lr=1e-2, alpha=0.99, eps=1e-8,
                        weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    """RMSprop's arrays (grad_avg with centered, momentum_buffer with momentum > 0) and scalars."""
    fn = "rmsprop_step_"
    scalars = _rmsprop_scalars(fn, lr, alpha, eps, weight_decay, momentum, centered, maximize)
    centered, momentum = scalars["centered"], scalars["momentum"]
    _param_and_grad(fn, param, grad)
    _state(fn, "square_avg", square_avg, param)
    if centered:
        _state(fn, "grad_avg", grad_avg, param)
    if momentum > 0:
        _state(fn, "momentum_buffer", momentum_buffer, param)
    return Launch({"param": param, "grad": grad, "square_avg": square_avg, "grad_avg": grad_avg if centered else None,
                   "momentum_buffer": momentum_buffer if momentum > 0 else None}, {},
                  {"n": int(param.size), **scalars}, ())


def _rmsprop_scalars(fn, lr, alpha, eps, weight_decay, momentum, centered, maximize):
    return dict(lr=check_real(fn, "lr", lr, minimum=0), alpha=check_real(fn, "alpha", alpha, minimum=0),
                eps=check_real(fn, "eps", eps, minimum=0),
                weight_decay=check_real(fn, "weight_decay", weight_decay, minimum=0),
                momentum=check_real(fn, "momentum", momentum, minimum=0), centered=check_bool(fn, "centered", centered),
                maximize=check_bool(fn, "maximize", maximize))


@launches
def check_adagrad_step_(param, grad, state_sum, step=1, lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10,
                        maximize=False):
    """Adagrad's arrays (``sum``, PyTorch's state name, as state_sum) and scalars."""
    fn = "adagrad_step_"
    scalars = _adagrad_scalars(fn, step, lr, lr_decay, weight_decay, eps, maximize)
    _param_and_grad(fn, param, grad)
    _state(fn, "state_sum", state_sum, param)
    return Launch({"param": param, "grad": grad, "state_sum": state_sum}, {}, {"n": int(param.size), **scalars}, ())


def _adagrad_scalars(fn, step, lr, lr_decay, weight_decay, eps, maximize):
    return dict(step=check_int(fn, "step", step, 1), lr=check_real(fn, "lr", lr, minimum=0),
                lr_decay=check_real(fn, "lr_decay", lr_decay, minimum=0),
                weight_decay=check_real(fn, "weight_decay", weight_decay, minimum=0),
                eps=check_real(fn, "eps", eps, minimum=0), maximize=check_bool(fn, "maximize", maximize))
