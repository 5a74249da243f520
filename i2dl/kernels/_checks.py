"""Argument checks shared by every backend, so that all three reject bad input with the same
message: the kernel, the argument, what was expected and what was given.

Kernels never copy or convert their inputs: a wrong dtype is a ``TypeError``, a wrong rank or
shape or a non-contiguous array a ``ValueError``.
"""
from __future__ import annotations

import functools
from typing import NamedTuple, Optional, Sequence, Tuple

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _type_name(a) -> str:
    return f"{type(a).__module__}.{type(a).__name__}"


def check_float_array(fn: str, name: str, a, ndim: Optional[int] = None, like=None, like_name: str = "x"):
    """Checks that ``a`` is a float32/float64 array (NumPy or CuPy) of rank ``ndim``, C-contiguous,
    and, when ``like`` is given, of the same dtype and array type as ``like``."""
    # the common case, answered in a few attribute reads; anything else takes the path that explains
    if (type(a) is np.ndarray and a.flags.c_contiguous and (ndim is None or a.ndim == ndim)
            and (a.dtype in FLOAT_DTYPES if like is None else (type(like) is np.ndarray and a.dtype == like.dtype))):
        return a
    if not hasattr(a, "dtype") or not hasattr(a, "flags") or not hasattr(a, "ndim"):
        raise TypeError(f"{fn}: argument '{name}' must be an array, got {_type_name(a)}")
    if like is not None:
        if type(a) is not type(like):
            raise TypeError(f"{fn}: argument '{name}' must be a {_type_name(like)} like '{like_name}' "
                            f"(same device), got {_type_name(a)}")
        if a.dtype != like.dtype:
            raise TypeError(f"{fn}: argument '{name}' must have dtype {like.dtype} (the dtype of "
                            f"'{like_name}'), got {a.dtype}")
    elif np.dtype(a.dtype) not in FLOAT_DTYPES:
        raise TypeError(f"{fn}: argument '{name}' must have dtype float32 or float64, got {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{fn}: argument '{name}' must be {ndim}-D, got {a.ndim}-D with shape {tuple(a.shape)}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: argument '{name}' must be C-contiguous (use numpy.ascontiguousarray), "
                         f"got a strided view of shape {tuple(a.shape)}")
    return a


def check_index_array(fn: str, name: str, a, shape: Sequence[int], like=None):
    if not hasattr(a, "dtype") or not hasattr(a, "flags"):
        raise TypeError(f"{fn}: argument '{name}' must be an array, got {_type_name(a)}")
    if like is not None and type(a) is not type(like):
        raise TypeError(f"{fn}: argument '{name}' must be a {_type_name(like)} (same device), got {_type_name(a)}")
    if np.dtype(a.dtype) != np.dtype(np.int64):
        raise TypeError(f"{fn}: argument '{name}' must have dtype int64, got {a.dtype}")
    if tuple(a.shape) != tuple(shape):
        raise ValueError(f"{fn}: argument '{name}' must have shape {tuple(shape)}, got {tuple(a.shape)}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: argument '{name}' must be C-contiguous, got a strided view of shape {tuple(a.shape)}")
    return a


def check_shape(fn: str, name: str, a, shape: Sequence[int]):
    if tuple(a.shape) != tuple(shape):
        raise ValueError(f"{fn}: argument '{name}' must have shape {tuple(shape)}, got {tuple(a.shape)}")


def as_pair(fn: str, name: str, value, minimum: int) -> Tuple[int, int]:
    """An int or a pair of ints -> (height, width), each >= minimum."""
    if _is_int(value):
        pair = (int(value), int(value))
    else:
        try:
            items = tuple(value)
        except TypeError:
            items = ()
        ok = len(items) == 2 and all(_is_int(v) for v in items)
        if ok:
            pair = (int(items[0]), int(items[1]))
        else:
            raise TypeError(f"{fn}: argument '{name}' must be an int or a pair of ints, got {value!r}")
    if pair[0] < minimum or pair[1] < minimum:
        raise ValueError(f"{fn}: argument '{name}' must be >= {minimum}, got {value!r}")
    return pair


# The largest element count of a padded input, an output or a column matrix: the C++ kernels index
# with int64 and multiply sizes by small factors (the same bound as kMaxElements in csrc/bind/checks.h).
MAX_ELEMENTS = 2 ** 62


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def check_x_shape(fn: str, x_shape) -> Tuple[int, int, int, int]:
    try:
        items = tuple(x_shape)
    except TypeError:
        items = None
    if items is None or not all(_is_int(v) for v in items):
        raise TypeError(f"{fn}: argument 'x_shape' must be a tuple of 4 ints, got {x_shape!r}")
    shape = tuple(int(v) for v in items)
    if len(shape) != 4 or min(shape) < 0:
        raise ValueError(f"{fn}: argument 'x_shape' must be 4 non-negative ints (N, C, H, W), got {x_shape!r}")
    if int(np.prod([max(v, 1) for v in shape], dtype=object)) > MAX_ELEMENTS:
        raise ValueError(f"{fn}: argument 'x_shape' {shape} is too large: more than 2**62 elements")
    return shape


def check_padded_fits(fn: str, N: int, C: int, H: int, W: int, PH: int, PW: int) -> None:
    """N * C * (H + 2 PH) * (W + 2 PW) <= 2**62 (an empty batch counts as one image, so that a huge
    padding is refused whatever the batch)."""
    if max(N, 1) * max(C, 1) * (H + 2 * PH) * (W + 2 * PW) > MAX_ELEMENTS:
        raise ValueError(f"{fn}: argument 'padding' ({PH}, {PW}) is too large: the padded input would hold more "
                         f"than 2**62 elements")


def check_real(fn: str, name: str, value, minimum=None) -> float:
    """A real number (int or float, not bool, str or an array), at least ``minimum`` when given."""
    if (type(value) is float or type(value) is int) and minimum is None:  # the common case, in two reads
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{fn}: argument '{name}' must be a real number, got {value!r}")
    if minimum is not None and not value >= minimum:
        raise ValueError(f"{fn}: argument '{name}' must be >= {minimum}, got {value!r}")
    return float(value)


def check_int(fn: str, name: str, value, minimum: int) -> int:
    """An int (not a bool or a float), at least ``minimum``."""
    if not _is_int(value):
        raise TypeError(f"{fn}: argument '{name}' must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{fn}: argument '{name}' must be >= {minimum}, got {value!r}")
    return int(value)


def check_bool(fn: str, name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}: argument '{name}' must be a bool, got {value!r}")
    return bool(value)


class Conv2dGeometry(NamedTuple):
    N: int
    C: int
    H: int
    W: int
    O: int
    KH: int
    KW: int
    SH: int
    SW: int
    PH: int
    PW: int
    DH: int
    DW: int
    groups: int
    OH: int
    OW: int

    @property
    def out_shape(self):
        return (self.N, self.O, self.OH, self.OW)


def conv2d_geometry(fn, x, w, b, stride, padding, dilation, groups) -> Conv2dGeometry:
    """Validates conv2d arguments; output size floor((N + 2P - D(F-1) - 1)/S) + 1 per spatial dim."""
    check_float_array(fn, "x", x, 4)
    check_float_array(fn, "w", w, 4, like=x)
    if b is not None:
        check_float_array(fn, "b", b, 1, like=x)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"{fn}: argument 'groups' must be an int, got {groups!r}")
    try:  # the shape rules depend on shapes and parameters only: remembered per combination
        return _conv2d_shapes(fn, tuple(x.shape), tuple(w.shape), None if b is None else tuple(b.shape),
                              _hashable(stride), _hashable(padding), _hashable(dilation), groups)
    except TypeError as e:
        if "unhashable" not in str(e):
            raise
    return _conv2d_geometry_checked(fn, x, w, b, stride, padding, dilation, groups)


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


class _Shaped:
    """Stands in for an array in the shape checks (shape and ndim only)."""
    __slots__ = ("shape", "ndim")

    def __init__(self, shape):
        self.shape, self.ndim = shape, len(shape)


@functools.lru_cache(maxsize=512)
def _conv2d_shapes(fn, x_shape, w_shape, b_shape, stride, padding, dilation, groups) -> Conv2dGeometry:
    return _conv2d_geometry_checked(fn, _Shaped(x_shape), _Shaped(w_shape),
                                    None if b_shape is None else _Shaped(b_shape), stride, padding, dilation, groups)


def _conv2d_geometry_checked(fn, x, w, b, stride, padding, dilation, groups) -> Conv2dGeometry:
    """The shape and parameter rules of conv2d (arrays already checked for dtype and layout)."""
    SH, SW = as_pair(fn, "stride", stride, 1)
    PH, PW = as_pair(fn, "padding", padding, 0)
    DH, DW = as_pair(fn, "dilation", dilation, 1)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"{fn}: argument 'groups' must be an int, got {groups!r}")
    N, C, H, W = (int(v) for v in x.shape)
    O, Cg, KH, KW = (int(v) for v in w.shape)
    if groups < 1:
        raise ValueError(f"{fn}: argument 'groups' must be >= 1, got {groups}")
    if C % groups:
        raise ValueError(f"{fn}: argument 'groups' ({groups}) must divide the input channels of 'x' ({C})")
    if O % groups:
        raise ValueError(f"{fn}: argument 'groups' ({groups}) must divide the output channels of 'w' ({O})")
    if Cg != C // groups:
        raise ValueError(f"{fn}: argument 'w' must have C_in/groups = {C // groups} input channels (dim 1), "
                         f"got shape {tuple(w.shape)}")
    if KH < 1 or KW < 1 or O < 1:
        raise ValueError(f"{fn}: argument 'w' must have at least one output channel and a non-empty kernel, "
                         f"got shape {tuple(w.shape)}")
    if b is not None:
        check_shape(fn, "b", b, (O,))
    check_padded_fits(fn, N, C, H, W, PH, PW)
    eff_h, eff_w = DH * (KH - 1) + 1, DW * (KW - 1) + 1
    if H + 2 * PH < eff_h or W + 2 * PW < eff_w:
        raise ValueError(f"{fn}: the output would be empty: argument 'x' {tuple(x.shape)} padded by ({PH}, {PW}) is "
                         f"smaller than the dilated kernel ({eff_h}, {eff_w}) of argument 'w'")
    # A stride beyond the padded input leaves one output along that axis, which never moves: it is
    # taken as the padded extent, so no kernel sizes a buffer or an offset by a stride like 2**63 - 1.
    SH, SW = min(SH, H + 2 * PH), min(SW, W + 2 * PW)
    DH, DW = (1 if KH == 1 else DH), (1 if KW == 1 else DW)  # a one-tap axis has no dilation to speak of
    OH = (H + 2 * PH - eff_h) // SH + 1
    OW = (W + 2 * PW - eff_w) // SW + 1
    return Conv2dGeometry(N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, int(groups), OH, OW)


class Pool2dGeometry(NamedTuple):
    N: int
    C: int
    H: int
    W: int
    KH: int
    KW: int
    SH: int
    SW: int
    PH: int
    PW: int
    OH: int
    OW: int

    @property
    def out_shape(self):
        return (self.N, self.C, self.OH, self.OW)


def pool2d_geometry(fn, x_shape, kernel, stride, padding) -> Pool2dGeometry:
    """Validates pooling arguments; floor mode, padding at most half the kernel (as in PyTorch).
    ``stride=None`` means stride = kernel."""
    N, C, H, W = x_shape
    KH, KW = as_pair(fn, "kernel", kernel, 1)
    SH, SW = as_pair(fn, "stride", kernel if stride is None else stride, 1)
    PH, PW = as_pair(fn, "padding", padding, 0)
    check_padded_fits(fn, N, C, H, W, PH, PW)
    SH, SW = min(SH, H + 2 * PH), min(SW, W + 2 * PW)  # one window along an axis the stride passes (as conv2d)
    if 2 * PH > KH or 2 * PW > KW:
        raise ValueError(f"{fn}: argument 'padding' must be at most half the kernel, got padding ({PH}, {PW}) "
                         f"for kernel ({KH}, {KW})")
    if H + 2 * PH < KH or W + 2 * PW < KW:
        raise ValueError(f"{fn}: the output would be empty: the input {tuple(x_shape)} padded by ({PH}, {PW}) is "
                         f"smaller than argument 'kernel' ({KH}, {KW})")
    return Pool2dGeometry(N, C, H, W, KH, KW, SH, SW, PH, PW, (H + 2 * PH - KH) // SH + 1, (W + 2 * PW - KW) // SW + 1)


def linear_shapes(fn, x, w, b):
    """x (..., in), w (out, in), b (out,) or None -> (leading shape, in, out)."""
    check_float_array(fn, "x", x)
    if x.ndim < 1:
        raise ValueError(f"{fn}: argument 'x' must be at least 1-D, got a 0-D array")
    check_float_array(fn, "w", w, 2, like=x)
    if int(w.shape[1]) != int(x.shape[-1]):
        raise ValueError(f"{fn}: argument 'w' must have in_features = {x.shape[-1]} columns (the last dim of 'x'), "
                         f"got shape {tuple(w.shape)}")
    if b is not None:
        check_float_array(fn, "b", b, 1, like=x)
        check_shape(fn, "b", b, (w.shape[0],))
    return tuple(x.shape[:-1]), int(x.shape[-1]), int(w.shape[0])


def check_cross_entropy_arguments(fn, z, labels, dloss=None):
    check_float_array(fn, "z", z, 2)
    if z.shape[1] < 1:
        raise ValueError(f"{fn}: argument 'z' must have at least one class (C >= 1), got shape {tuple(z.shape)}")
    check_index_array(fn, "labels", labels, (z.shape[0],), like=z)
    if dloss is not None:
        check_float_array(fn, "dloss", dloss, 1, like=z, like_name="z")
        check_shape(fn, "dloss", dloss, (z.shape[0],))


def check_label_range(fn, labels, classes):
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError(f"{fn}: argument 'labels' holds labels outside [0, {classes}): "
                         f"min {int(labels.min())}, max {int(labels.max())}")


def check_sgd_arguments(fn, param, grad, velocity, lr, momentum, dampening, nesterov, weight_decay, first_step):
    """The arrays (param writable; grad and velocity of its dtype and shape) and the scalars (real
    numbers and bools, as PyTorch's functional SGD takes them; their ranges are the optimizer's)."""
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
