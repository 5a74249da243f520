"""The contracts of the in-place optimizer steps."""
from __future__ import annotations

from .core import check_bool, check_float_array, check_real, check_shape


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
