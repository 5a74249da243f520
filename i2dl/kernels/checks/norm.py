"""The normalization contract: batch, group (and so instance) and layer norm.

Every kernel sees x as (N, C, S): N the batch, C the channels, S = the product of the remaining
(spatial) dims, which may be empty (x of shape (N, C)). Layer norm sees x as (M, D): M rows (the
leading dims), D = prod(normalized_shape). Statistics, weights and running statistics have the
dtype of x; nothing is converted.
"""
from __future__ import annotations

import math

import numpy as np

from .core import Launch, check_bool, check_float_array, check_int, check_real, check_shape, launches

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _fit(x, arrays, shape):
    """The common case in a few attribute reads: every given array a C-contiguous NumPy array of
    x's dtype and of ``shape`` (None where absent). Anything else takes the checks that explain."""
    for a in arrays:
        if a is not None and not (type(a) is np.ndarray and a.dtype == x.dtype and a.shape == shape
                                  and a.flags.c_contiguous):
            return False
    return True


def _fast_x(x):
    return type(x) is np.ndarray and x.dtype in _FLOATS and x.flags.c_contiguous and x.ndim >= 2


def _optional(fn, name, a, x, shape):
    if a is not None:
        check_float_array(fn, name, a, len(shape), like=x)
        check_shape(fn, name, a, shape)
    return a


def _writable(fn, name, a):
    if a is not None and not getattr(a.flags, "writeable", True):  # CuPy arrays are always writable
        raise ValueError(f"{fn}: output argument '{name}' must be writable, got a read-only array")


def _ncs(fn, x, minimum_ndim=2):
    check_float_array(fn, "x", x)
    if x.ndim < minimum_ndim:
        raise ValueError(f"{fn}: argument 'x' must be at least {minimum_ndim}-D (N, C, *), got {x.ndim}-D "
                         f"with shape {tuple(x.shape)}")
    return int(x.shape[0]), int(x.shape[1]), math.prod(int(v) for v in x.shape[2:])


def _running(fn, x, C, running_mean, running_var, momentum):
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{fn}: arguments 'running_mean' and 'running_var' must both be arrays or both be None, got "
                         f"{'None' if running_mean is None else 'an array'} and "
                         f"{'None' if running_var is None else 'an array'}")
    _optional(fn, "running_mean", running_mean, x, (C,))
    _optional(fn, "running_var", running_var, x, (C,))
    _writable(fn, "running_mean", running_mean)
    _writable(fn, "running_var", running_var)
    return check_real(fn, "momentum", momentum)


# ------------------------------------------------------------------------------------------ batch norm

@launches
def check_batch_norm_forward(x, running_mean=None, running_var=None, weight=None, bias=None, training=True,
                             momentum=0.1, eps=1e-5):
    fn = "batch_norm_forward"
    if (_fast_x(x) and type(training) is bool and type(momentum) is float and type(eps) is float and eps >= 0
            and (running_mean is None) == (running_var is None)
            and _fit(x, (running_mean, running_var, weight, bias), (int(x.shape[1]),))
            and (running_mean is None or (running_mean.flags.writeable and running_var.flags.writeable))):
        N, C, S = int(x.shape[0]), int(x.shape[1]), math.prod(x.shape[2:])
    else:
        N, C, S = _ncs(fn, x)
        training = check_bool(fn, "training", training)
        momentum = _running(fn, x, C, running_mean, running_var, momentum)
        eps = check_real(fn, "eps", eps, minimum=0)
        _optional(fn, "weight", weight, x, (C,))
        _optional(fn, "bias", bias, x, (C,))
    if training and N * S == 1:
        raise ValueError(f"{fn}: expected more than 1 value per channel when training, got x of shape {tuple(x.shape)}")
    if not training and running_mean is None:
        raise ValueError(f"{fn}: arguments 'running_mean' and 'running_var' are required when training is False")
    return Launch({"x": x, "running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias},
                  {"y": (x.shape, x.dtype), "mean": ((C,), x.dtype), "invstd": ((C,), x.dtype)},
                  {"N": N, "C": C, "S": S, "training": training, "momentum": momentum, "eps": eps},
                  ("y", "mean", "invstd"))


@launches
def check_batch_norm_backward(dy, x, mean, invstd, weight=None, training=True):
    fn = "batch_norm_backward"
    if (_fast_x(x) and type(training) is bool and _fit(x, (dy,), x.shape)
            and _fit(x, (mean, invstd, weight), (int(x.shape[1]),)) and mean is not None and invstd is not None):
        N, C, S = int(x.shape[0]), int(x.shape[1]), math.prod(x.shape[2:])
    else:
        N, C, S = _ncs(fn, x)
        check_float_array(fn, "dy", dy, like=x)
        check_shape(fn, "dy", dy, x.shape)
        for name, a in (("mean", mean), ("invstd", invstd)):
            check_float_array(fn, name, a, 1, like=x)
            check_shape(fn, name, a, (C,))
        _optional(fn, "weight", weight, x, (C,))
        training = check_bool(fn, "training", training)
    return Launch({"dy": dy, "x": x, "mean": mean, "invstd": invstd, "weight": weight},
                  {"dx": (x.shape, x.dtype), "dweight": ((C,), x.dtype), "dbias": ((C,), x.dtype)},
                  {"N": N, "C": C, "S": S, "training": training}, ("dx", "dweight", "dbias"))


# ------------------------------------------------------------------------------------------ group norm

def _groups(fn, C, num_groups):
    G = check_int(fn, "num_groups", num_groups, 1)
    if C % G:
        raise ValueError(f"{fn}: argument 'num_groups' must divide the {C} channels of 'x', got {G}")
    return G


@launches
def check_group_norm_forward(x, num_groups, weight=None, bias=None, eps=1e-5, running_mean=None, running_var=None,
                             momentum=0.1):
    fn = "group_norm_forward"
    N, C, S = _ncs(fn, x)
    G = _groups(fn, C, num_groups)
    eps = check_real(fn, "eps", eps, minimum=0)
    _optional(fn, "weight", weight, x, (C,))
    _optional(fn, "bias", bias, x, (C,))
    momentum = _running(fn, x, G, running_mean, running_var, momentum)
    if running_mean is not None and (C // G) * S == 1:
        raise ValueError(f"{fn}: expected more than 1 value per group when tracking running statistics, "
                         f"got x of shape {tuple(x.shape)} with {G} groups")
    return Launch({"x": x, "weight": weight, "bias": bias, "running_mean": running_mean, "running_var": running_var},
                  {"y": (x.shape, x.dtype), "mean": ((N, G), x.dtype), "invstd": ((N, G), x.dtype)},
                  {"N": N, "C": C, "S": S, "G": G, "eps": eps, "momentum": momentum}, ("y", "mean", "invstd"))


@launches
def check_group_norm_backward(dy, x, mean, invstd, num_groups, weight=None):
    fn = "group_norm_backward"
    N, C, S = _ncs(fn, x)
    G = _groups(fn, C, num_groups)
    check_float_array(fn, "dy", dy, like=x)
    check_shape(fn, "dy", dy, x.shape)
    for name, a in (("mean", mean), ("invstd", invstd)):
        check_float_array(fn, name, a, 2, like=x)
        check_shape(fn, name, a, (N, G))
    _optional(fn, "weight", weight, x, (C,))
    return Launch({"dy": dy, "x": x, "mean": mean, "invstd": invstd, "weight": weight},
                  {"dx": (x.shape, x.dtype), "dweight": ((C,), x.dtype), "dbias": ((C,), x.dtype)},
                  {"N": N, "C": C, "S": S, "G": G}, ("dx", "dweight", "dbias"))


# ------------------------------------------------------------------------------------------ layer norm

def _normalized(fn, x, normalized_shape):
    """-> (leading shape, normalized shape, M, D)."""
    check_float_array(fn, "x", x)
    if isinstance(normalized_shape, int) and not isinstance(normalized_shape, bool):
        normalized_shape = (normalized_shape,)
    try:
        shape = tuple(normalized_shape)
    except TypeError:
        shape = None
    if shape is None or not all(isinstance(v, int) and not isinstance(v, bool) for v in shape):
        raise TypeError(f"{fn}: argument 'normalized_shape' must be an int or a tuple of ints, got {normalized_shape!r}")
    k = len(shape)
    if k == 0 or k > x.ndim or tuple(x.shape[x.ndim - k:]) != shape:
        raise ValueError(f"{fn}: argument 'normalized_shape' must be the trailing dims of 'x' {tuple(x.shape)}, "
                         f"got {shape}")
    lead = tuple(int(v) for v in x.shape[:x.ndim - k])
    return lead, shape, math.prod(lead), math.prod(shape)


@launches
def check_layer_norm_forward(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    fn = "layer_norm_forward"
    lead, shape, M, D = _normalized(fn, x, normalized_shape)
    eps = check_real(fn, "eps", eps, minimum=0)
    _optional(fn, "weight", weight, x, shape)
    _optional(fn, "bias", bias, x, shape)
    return Launch({"x": x, "weight": weight, "bias": bias},
                  {"y": (x.shape, x.dtype), "mean": (lead, x.dtype), "invstd": (lead, x.dtype)},
                  {"M": M, "D": D, "eps": eps}, ("y", "mean", "invstd"))


@launches
def check_layer_norm_backward(dy, x, mean, invstd, normalized_shape, weight=None):
    fn = "layer_norm_backward"
    lead, shape, M, D = _normalized(fn, x, normalized_shape)
    check_float_array(fn, "dy", dy, like=x)
    check_shape(fn, "dy", dy, x.shape)
    for name, a in (("mean", mean), ("invstd", invstd)):
        check_float_array(fn, name, a, len(lead), like=x)
        check_shape(fn, name, a, lead)
    _optional(fn, "weight", weight, x, shape)
    return Launch({"dy": dy, "x": x, "mean": mean, "invstd": invstd, "weight": weight},
                  {"dx": (x.shape, x.dtype), "dweight": (shape, x.dtype), "dbias": (shape, x.dtype)},
                  {"M": M, "D": D}, ("dx", "dweight", "dbias"))
