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


def check_adam_multi_step_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs=None, step=1, lr=1e-3, beta1=0.9,
                           beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
                           decoupled_weight_decay=False):
    """The multi-tensor Adam: lists of one length, element i of every list of params[i]'s dtype and
    shape (all params of one dtype and device), and Adam's scalars. Errors name the list and index."""
    fn = "adam_multi_step_"
    lists = [("params", params), ("grads", grads), ("exp_avgs", exp_avgs), ("exp_avg_sqs", exp_avg_sqs)]
    if amsgrad:
        lists.append(("max_exp_avg_sqs", max_exp_avg_sqs))
    for name, value in lists:
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{fn}: argument '{name}' must be a list of arrays, got {type(value).__name__}")
    n = len(params)
    for name, value in lists[1:]:
        if len(value) != n:
            raise ValueError(f"{fn}: argument '{name}' must have {n} arrays (one per parameter), got {len(value)}")
    if n:
        p0 = params[0]
        check_float_array(fn, "params[0]", p0)
    for i in range(n):
        p = params[i]
        fast = type(p) is np.ndarray and p.dtype == p0.dtype and p.flags.c_contiguous and p.flags.writeable
        for name, value in lists[1:]:
            a = value[i]
            fast = (fast and type(a) is np.ndarray and a.dtype == p.dtype and a.shape == p.shape and a.flags.c_contiguous
                    and (name == "grads" or a.flags.writeable))
        if fast:
            continue
        check_float_array(fn, f"params[{i}]", p, like=p0, like_name="params[0]")
        if not getattr(p.flags, "writeable", True):
            raise ValueError(f"{fn}: output argument 'params[{i}]' must be writable, got a read-only array")
        check_float_array(fn, f"grads[{i}]", grads[i], like=p, like_name=f"params[{i}]")
        check_shape(fn, f"grads[{i}]", grads[i], p.shape)
        for name, value in lists[2:]:
            _state(fn, f"{name}[{i}]", value[i], p)
    return check_adam_step_scalars(fn, step, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize,
                                   decoupled_weight_decay)


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
    lr, eps = check_real(fn, "lr", lr, minimum=0), check_real(fn, "eps", eps, minimum=0)
    weight_decay = check_real(fn, "weight_decay", weight_decay, minimum=0)
    momentum, alpha = check_real(fn, "momentum", momentum, minimum=0), check_real(fn, "alpha", alpha, minimum=0)
    centered, maximize = check_bool(fn, "centered", centered), check_bool(fn, "maximize", maximize)
    _param_and_grad(fn, param, grad)
    _state(fn, "square_avg", square_avg, param)
    if centered:
        _state(fn, "grad_avg", grad_avg, param)
    if momentum > 0:
        _state(fn, "momentum_buffer", momentum_buffer, param)
    return Launch({"param": param, "grad": grad, "square_avg": square_avg, "grad_avg": grad_avg if centered else None,
                   "momentum_buffer": momentum_buffer if momentum > 0 else None}, {},
                  {"n": int(param.size), "lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                   "momentum": momentum, "centered": centered, "maximize": maximize}, ())


@launches
def check_adagrad_step_(param, grad, state_sum, step=1, lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10,
                        maximize=False):
    """Adagrad's arrays (``sum``, PyTorch's state name, as state_sum) and scalars."""
    fn = "adagrad_step_"
    step = check_int(fn, "step", step, 1)
    lr, eps = check_real(fn, "lr", lr, minimum=0), check_real(fn, "eps", eps, minimum=0)
    lr_decay = check_real(fn, "lr_decay", lr_decay, minimum=0)
    weight_decay = check_real(fn, "weight_decay", weight_decay, minimum=0)
    maximize = check_bool(fn, "maximize", maximize)
    _param_and_grad(fn, param, grad)
    _state(fn, "state_sum", state_sum, param)
    return Launch({"param": param, "grad": grad, "state_sum": state_sum}, {},
                  {"n": int(param.size), "step": step, "lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                   "eps": eps, "maximize": maximize}, ())
