"""The linear contract: x (..., in), w (out, in), b (out,) or None."""
from __future__ import annotations

from .core import check_float_array, check_shape


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


def check_linear_forward(x, w, b):
    """-> (leading shape, in_features, out_features); y is ``lead + (out,)``."""
    return linear_shapes("linear_forward", x, w, b)


def check_linear_backward(dy, x, w):
    fn = "linear_backward"
    lead, k, n = linear_shapes(fn, x, w, None)
    check_float_array(fn, "dy", dy, like=x)
    check_shape(fn, "dy", dy, lead + (n,))
    return lead, k, n
