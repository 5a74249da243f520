"""The checks every family's contract is made of: arrays (dtype, rank, layout, device), shapes,
integer pairs, sizes that must fit, scalars. Messages name the kernel, the argument, what was
expected and what was given.

Kernels never copy or convert their inputs: a wrong dtype is a ``TypeError``, a wrong rank or
shape or a non-contiguous array a ``ValueError``.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

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


class Launch:
    """What a check returns for a kernel whose cpu and cuda adapters are generated
    (:func:`i2dl.kernels.cpu._generated`, :func:`i2dl.kernels.cuda._generated`) instead of written:

    * ``arrays``: the arrays the kernel reads (or updates in place), by the binding's argument
      names; ``None`` for an absent optional one;
    * ``outputs``: the arrays the backend allocates, name -> (shape, dtype), or ``None`` for an
      output that is not wanted (the binding then receives None or a null pointer);
    * ``sizes``: the geometry and configuration, named ints, floats and bools; the bindings check
      every array against them before a pointer is taken;
    * ``returns``: the names the kernel returns, in order (one name: the array itself).

    Every name crosses pybind11 as a keyword, so no contract there depends on argument order.
    """
    __slots__ = ("arrays", "outputs", "sizes", "returns")

    def __init__(self, arrays, outputs, sizes, returns):
        self.arrays, self.outputs, self.sizes, self.returns = arrays, outputs, sizes, tuple(returns)

    def result(self, allocated):
        """The kernel's return value from the allocated outputs (and the in-place arrays)."""
        if not self.returns:  # an in-place kernel: its result is in its arrays
            return None
        found = [allocated[k] if k in allocated else self.arrays[k] for k in self.returns]
        return found[0] if len(found) == 1 else tuple(found)


def launches(check):
    """Marks ``check`` as returning a :class:`Launch`: the cpu and cuda backends then generate the
    kernel's adapter (check -> allocate -> call by keywords) unless they define it by hand."""
    check.launches = True
    return check
