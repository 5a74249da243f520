"""The upsampling contract (F.interpolate's 'nearest' and 'bilinear'): the output size, PyTorch's
coordinate rules, and the taps they give, computed once here for every backend.

Both modes are separable: each output row oh reads ``taps_h`` input rows ``h_index[oh]`` with weights
``h_weight[oh]`` (1 tap of weight 1 for nearest, 2 for bilinear), each output column likewise, and

    y[n, c, oh, ow] = sum_{a, b} (h_weight[oh, a] * w_weight[ow, b]) * x[n, c, h_index[oh, a], w_index[ow, b]].

PyTorch's rules, per axis with input size I and output size O:
* the scale: with ``align_corners`` (bilinear) (I - 1) / (O - 1) (0 for O = 1); else 1 / scale_factor
  when a scale_factor is given (and not recomputed), else I / O;
* nearest: source = min(floor(o * scale), I - 1);
* bilinear: source s = o * scale with align_corners, else max((o + 1/2) scale - 1/2, 0); taps
  i0 = floor(s), i1 = min(i0 + 1, I - 1), weights 1 - (s - i0) and s - i0.
The tables are computed in float64 whatever the dtype (so float32 and float64 take the same taps).
"""
from __future__ import annotations

import math

import numpy as np

from .core import Launch, _is_int, check_float_array, check_x_shape, launches

MODES = ("nearest", "bilinear")
_MAX_SIDE = 2 ** 31 - 1  # an output side beyond this is refused (its tap table alone would be 16 GiB)


def _mode(fn, mode, align_corners):
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"{fn}: argument 'mode' must be one of {MODES}, got {mode!r}")
    if align_corners is not None and not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"{fn}: argument 'align_corners' must be a bool or None, got {align_corners!r}")
    if mode == "nearest" and align_corners:
        raise ValueError(f"{fn}: argument 'align_corners' can only be set with mode 'bilinear', got True with "
                         f"mode 'nearest'")
    return bool(align_corners)


def _pair_of(fn, name, value, kind):
    items = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    if len(items) != 2 or not all(kind(v) for v in items):
        what = "an int or a pair of ints" if name == "size" else "a positive number or a pair of them"
        raise TypeError(f"{fn}: argument '{name}' must be {what}, got {value!r}")
    return items


def output_size(fn, H, W, size, scale_factor):
    """-> ((OH, OW), (scale for the coordinates of each axis, or None: I / O))."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{fn}: argument 'size' or argument 'scale_factor' must be given, exactly one of them, "
                         f"got size={size!r}, scale_factor={scale_factor!r}")
    if size is not None:
        OH, OW = _pair_of(fn, "size", size, _is_int)
        scales = (None, None)
    else:
        real = lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)  # noqa: E731
        sh, sw = _pair_of(fn, "scale_factor", scale_factor, real)
        if not (sh > 0 and sw > 0 and math.isfinite(sh) and math.isfinite(sw)):
            raise ValueError(f"{fn}: argument 'scale_factor' must be positive and finite, got {scale_factor!r}")
        OH, OW = math.floor(H * float(sh)), math.floor(W * float(sw))
        scales = (1.0 / float(sh), 1.0 / float(sw))
    OH, OW = int(OH), int(OW)
    if OH < 1 or OW < 1 or OH > _MAX_SIDE or OW > _MAX_SIDE:
        name = "size" if size is not None else "scale_factor"
        raise ValueError(f"{fn}: argument '{name}' must give an output of 1 to 2**31 - 1 per side, got ({OH}, {OW}) "
                         f"from size={size!r}, scale_factor={scale_factor!r} and an input of {H}x{W}")
    return (OH, OW), scales


def _taps(I, O, mode, align_corners, scale):
    """(index (O, taps) int64, weight (O, taps) float64) of one axis."""
    o = np.arange(O, dtype=np.float64)
    if mode == "nearest":
        s = (I / O) if scale is None else scale
        return np.minimum(np.floor(o * s), I - 1).astype(np.int64)[:, None], np.ones((O, 1))
    if align_corners:
        src = o * ((I - 1) / (O - 1) if O > 1 else 0.0)
    else:
        s = (I / O) if scale is None else scale
        src = np.maximum((o + 0.5) * s - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), I - 1)
    i1 = np.minimum(i0 + 1, I - 1)
    lam = src - i0
    return np.stack([i0, i1], axis=1), np.stack([1.0 - lam, lam], axis=1)


def _tables(fn, N, C, H, W, size, scale_factor, mode, align_corners, dtype):
    align = _mode(fn, mode, align_corners)
    (OH, OW), (sh, sw) = output_size(fn, H, W, size, scale_factor)
    if max(N, 1) * max(C, 1) * OH * OW > 2 ** 62:
        raise ValueError(f"{fn}: argument '{'size' if size is not None else 'scale_factor'}' gives an output "
                         f"({N}, {C}, {OH}, {OW}) of more than 2**62 elements")
    hi, hw = _taps(H, OH, mode, align, sh) if H else (np.zeros((OH, 1), np.int64), np.zeros((OH, 1)))
    wi, ww = _taps(W, OW, mode, align, sw) if W else (np.zeros((OW, 1), np.int64), np.zeros((OW, 1)))
    arrays = {"h_index": np.ascontiguousarray(hi), "h_weight": np.ascontiguousarray(hw, dtype=dtype),
              "w_index": np.ascontiguousarray(wi), "w_weight": np.ascontiguousarray(ww, dtype=dtype)}
    sizes = {"planes": N * C, "H": H, "W": W, "OH": OH, "OW": OW, "taps_h": hi.shape[1], "taps_w": wi.shape[1]}
    return arrays, sizes


def _on_device(tables, like):
    """The tables on x's device (CuPy arrays for the cuda backend)."""
    if isinstance(like, np.ndarray):
        return tables
    import cupy
    return {k: cupy.asarray(v) for k, v in tables.items()}


@launches
def check_upsample2d_forward(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    fn = "upsample2d_forward"
    check_float_array(fn, "x", x, 4)
    N, C, H, W = (int(v) for v in x.shape)
    if H == 0 or W == 0:
        raise ValueError(f"{fn}: argument 'x' must have non-empty planes, got shape {tuple(x.shape)}")
    tables, sizes = _tables(fn, N, C, H, W, size, scale_factor, mode, align_corners, x.dtype)
    return Launch({"x": x, **_on_device(tables, x)}, {"y": ((N, C, sizes["OH"], sizes["OW"]), x.dtype)}, sizes, ("y",))


@launches
def check_upsample2d_backward(dy, x_shape, size=None, scale_factor=None, mode="nearest", align_corners=None):
    fn = "upsample2d_backward"
    N, C, H, W = check_x_shape(fn, x_shape)
    if H == 0 or W == 0:
        raise ValueError(f"{fn}: argument 'x_shape' must have non-empty planes, got {tuple(x_shape)}")
    check_float_array(fn, "dy", dy, 4)
    tables, sizes = _tables(fn, N, C, H, W, size, scale_factor, mode, align_corners, dy.dtype)
    if tuple(dy.shape) != (N, C, sizes["OH"], sizes["OW"]):
        raise ValueError(f"{fn}: argument 'dy' must have shape {(N, C, sizes['OH'], sizes['OW'])}, got "
                         f"{tuple(dy.shape)}")
    return Launch({"dy": dy, **_on_device(tables, dy)}, {"dx": ((N, C, H, W), dy.dtype)}, sizes, ("dx",))
