"""The contracts of the in-place optimizer steps."""
from __future__ import annotations

from .core import check_bool, check_float_array, check_real, check_shape


def check_sgd_step_(param, grad, velocity, lr, momentum, dampening, nesterov, weight_decay, first_step):
    """The arrays (param writable; grad and velocity of its dtype and shape) and the scalars (real
    numbers and bools, as PyTorch's functional SGD takes them; their ranges are the optimizer's)."""
    fn = "sgd_step_"
    check_float_array(fn, "param", param)
    check_float_array(fn, "grad", grad, like=param, like_name="param")
    check_shape(fn, "grad", grad, param.shape)
    _reals = (float, int)
    if not (type(lr) in _reals and type(momentum) in _reals and type(dampening) in _reals
            and type(weight_decay) in _reals and type(nesterov) is bool and type(first_step) is bool):
        for name, value in (("lr", lr), ("momentum", momentum), ("dampening", dampening), ("weight_decay", weight_decay)):
            check_real(fn, name, value)
        check_bool(fn, "nesterov", nesterov)
        check_bool(fn, "first_step", first_step)
    if momentum != 0:
        if velocity is None:
            raise ValueError(f"{fn}: argument 'velocity' is required when momentum != 0")
        check_float_array(fn, "velocity", velocity, like=param, like_name="param")
        check_shape(fn, "velocity", velocity, param.shape)
    if not getattr(param.flags, "writeable", True):  # CuPy arrays are always writable
        raise ValueError(f"{fn}: argument 'param' must be writable, got a read-only array")
