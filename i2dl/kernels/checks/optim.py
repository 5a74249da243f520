"""The contracts of the in-place optimizer steps."""
from __future__ import annotations

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
    step = check_int(fn, "step", step, 1)
    lr = check_real(fn, "lr", lr, minimum=0)
    eps = check_real(fn, "eps", eps, minimum=0)
    weight_decay = check_real(fn, "weight_decay", weight_decay, minimum=0)
    for name, value in (("beta1", beta1), ("beta2", beta2)):
        v = check_real(fn, name, value, minimum=0)
        if not v < 1:
            raise ValueError(f"{fn}: argument '{name}' must be in [0, 1), got {value!r}")
    amsgrad, maximize = check_bool(fn, "amsgrad", amsgrad), check_bool(fn, "maximize", maximize)
    decoupled = check_bool(fn, "decoupled_weight_decay", decoupled_weight_decay)
    check_float_array(fn, "param", param)
    if not getattr(param.flags, "writeable", True):
        raise ValueError(f"{fn}: output argument 'param' must be writable, got a read-only array")
    check_float_array(fn, "grad", grad, like=param, like_name="param")
    check_shape(fn, "grad", grad, param.shape)
    _state(fn, "exp_avg", exp_avg, param)
    _state(fn, "exp_avg_sq", exp_avg_sq, param)
    if amsgrad:
        _state(fn, "max_exp_avg_sq", max_exp_avg_sq, param)
    return Launch({"param": param, "grad": grad, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq,
                   "max_exp_avg_sq": max_exp_avg_sq if amsgrad else None}, {},
                  {"n": int(param.size), "step": step, "lr": lr, "beta1": float(beta1), "beta2": float(beta2),
                   "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad, "maximize": maximize,
                   "decoupled_weight_decay": decoupled}, ())
