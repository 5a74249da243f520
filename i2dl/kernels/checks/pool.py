"""The pooling contracts: max, average and global average pooling."""
from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from .core import (Launch, as_pair, check_bool, check_float_array, check_index_array, check_int, check_padded_fits,
                   check_shape, check_x_shape, launches)


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
    DH: int = 1
    DW: int = 1
    ceil_mode: bool = False
    count_include_pad: bool = True
    divisor: int = 0  # avg pooling's divisor_override (0: none)

    @property
    def out_shape(self):
        return (self.N, self.C, self.OH, self.OW)


def pool_output_size(I, E, S, P, ceil_mode):
    """Outputs along one axis of I inputs, window E (dilated), stride S, padding P (PyTorch's rule):
    floor or ceil of (I + 2P - E) / S, plus one; in ceil mode the last window must start inside the
    input or its left padding, so that it holds an input element."""
    o = (I + 2 * P - E + (S - 1 if ceil_mode else 0)) // S + 1
    if ceil_mode and (o - 1) * S >= I + P:
        o -= 1
    return o


def pool2d_geometry(fn, x_shape, kernel, stride, padding, dilation=1, ceil_mode=False, count_include_pad=True,
                    divisor_override=None) -> Pool2dGeometry:
    """Validates pooling arguments (PyTorch's): padding at most half the (dilated) kernel, floor or
    ceil mode. ``stride=None`` means stride = kernel."""
    N, C, H, W = x_shape
    KH, KW = as_pair(fn, "kernel", kernel, 1)
    SH, SW = as_pair(fn, "stride", kernel if stride is None else stride, 1)
    PH, PW = as_pair(fn, "padding", padding, 0)
    DH, DW = as_pair(fn, "dilation", dilation, 1)
    ceil_mode = check_bool(fn, "ceil_mode", ceil_mode)
    count_include_pad = check_bool(fn, "count_include_pad", count_include_pad)
    divisor = 0 if divisor_override is None else check_int(fn, "divisor_override", divisor_override, 1)
    if divisor > 2 ** 62:
        raise ValueError(f"{fn}: argument 'divisor_override' must be at most 2**62, got {divisor_override}")
    check_padded_fits(fn, N, C, H, W, PH, PW)
    EH, EW = DH * (KH - 1) + 1, DW * (KW - 1) + 1
    SH, SW = min(SH, H + 2 * PH), min(SW, W + 2 * PW)  # one window along an axis the stride passes (as conv2d)
    if PH > EH // 2 or PW > EW // 2:
        raise ValueError(f"{fn}: argument 'padding' must be at most half the kernel, got padding ({PH}, {PW}) "
                         f"for kernel ({KH}, {KW})" + (f" and dilation ({DH}, {DW})" if (DH, DW) != (1, 1) else ""))
    if H + 2 * PH < EH or W + 2 * PW < EW:
        raise ValueError(f"{fn}: the output would be empty: the input {tuple(x_shape)} padded by ({PH}, {PW}) is "
                         f"smaller than argument 'kernel' ({KH}, {KW})"
                         + (f" dilated by ({DH}, {DW})" if (DH, DW) != (1, 1) else ""))
    return Pool2dGeometry(N, C, H, W, KH, KW, SH, SW, PH, PW, pool_output_size(H, EH, SH, PH, ceil_mode),
                          pool_output_size(W, EW, SW, PW, ceil_mode), DH, DW, ceil_mode, count_include_pad, divisor)


def check_max_pool2d_forward(x, kernel, stride, padding, dilation=1, ceil_mode=False) -> Pool2dGeometry:
    fn = "max_pool2d_forward"
    check_float_array(fn, "x", x, 4)
    return pool2d_geometry(fn, x.shape, kernel, stride, padding, dilation, ceil_mode)


def _x_shape_of(fn, dy, x_shape) -> Tuple[int, int, int, int]:
    N, C, H, W = check_x_shape(fn, x_shape)
    if (N, C) != tuple(dy.shape[:2]):
        raise ValueError(f"{fn}: argument 'x_shape' {(N, C, H, W)} must have the batch and channels of 'dy' "
                         f"{tuple(dy.shape)}")
    return N, C, H, W


def check_max_pool2d_backward(dy, idx, x_shape, index_range=True) -> Tuple[int, int, int, int]:
    """dy and idx (int64, dy's shape, each entry in [0, H*W)) -> the input shape.
    ``index_range=False``: the kernel checks the range as it reads idx (the C++ one does)."""
    return _check_scatter("max_pool2d_backward", dy, idx, x_shape, index_range)


def check_adaptive_max_pool2d_backward(dy, idx, x_shape, index_range=True) -> Tuple[int, int, int, int]:
    """As max_pool2d_backward's: dy routed to the positions idx names."""
    return _check_scatter("adaptive_max_pool2d_backward", dy, idx, x_shape, index_range)


def _check_scatter(fn, dy, idx, x_shape, index_range):
    check_float_array(fn, "dy", dy, 4)
    check_index_array(fn, "idx", idx, dy.shape, like=dy)
    N, C, H, W = _x_shape_of(fn, dy, x_shape)
    if index_range and idx.size and (int(idx.min()) < 0 or int(idx.max()) >= H * W):
        raise ValueError(f"{fn}: argument 'idx' holds indices outside [0, H*W) = [0, {H * W}); "
                         f"pass the idx returned by {fn.replace('backward', 'forward')}")
    return N, C, H, W


def check_avg_pool2d_forward(x, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                             divisor_override=None) -> Pool2dGeometry:
    fn = "avg_pool2d_forward"
    check_float_array(fn, "x", x, 4)
    return pool2d_geometry(fn, x.shape, kernel, stride, padding, 1, ceil_mode, count_include_pad, divisor_override)


def check_avg_pool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                              divisor_override=None) -> Pool2dGeometry:
    fn = "avg_pool2d_backward"
    check_float_array(fn, "dy", dy, 4)
    g = pool2d_geometry(fn, check_x_shape(fn, x_shape), kernel, stride, padding, 1, ceil_mode, count_include_pad,
                        divisor_override)
    check_shape(fn, "dy", dy, g.out_shape)
    return g


def check_global_avg_pool2d_forward(x) -> Tuple[int, int, int, int]:
    """x (N, C, H, W) with H*W > 0 -> the output shape (N, C, 1, 1)."""
    fn = "global_avg_pool2d_forward"
    check_float_array(fn, "x", x, 4)
    if x.shape[2] * x.shape[3] == 0:
        raise ValueError(f"{fn}: argument 'x' must have H*W > 0, got shape {tuple(x.shape)}")
    return tuple(x.shape[:2]) + (1, 1)


def check_global_avg_pool2d_backward(dy, x_shape) -> Tuple[int, int, int, int]:
    fn = "global_avg_pool2d_backward"
    check_float_array(fn, "dy", dy, 4)
    N, C, H, W = check_x_shape(fn, x_shape)
    check_shape(fn, "dy", dy, (N, C, 1, 1))
    return N, C, H, W


# ------------------------------------------------------------------------------------------ adaptive

def adaptive_bins(I, O):
    """PyTorch's bins of an adaptive pool along one axis: output o pools [floor(o I / O), ceil((o + 1) I / O))
    -> (start (O,), end (O,)) int64."""
    o = np.arange(O, dtype=np.int64)
    return (o * I) // O, -((-(o + 1) * I) // O)


def _adaptive(fn, N, C, H, W, output_size, like):
    from .core import _is_int
    items = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(items) != 2 or not all(v is None or _is_int(v) for v in items):
        raise TypeError(f"{fn}: argument 'output_size' must be an int, None or a pair of them, got {output_size!r}")
    OH, OW = (H if items[0] is None else int(items[0])), (W if items[1] is None else int(items[1]))
    if OH < 1 or OW < 1 or OH > 2 ** 31 - 1 or OW > 2 ** 31 - 1:
        raise ValueError(f"{fn}: argument 'output_size' must give 1 to 2**31 - 1 outputs per side, got {output_size!r}")
    if H < 1 or W < 1:
        raise ValueError(f"{fn}: argument 'x' must have non-empty planes, got {(N, C, H, W)}")
    if max(N, 1) * max(C, 1) * OH * OW > 2 ** 62:
        raise ValueError(f"{fn}: argument 'output_size' gives an output ({N}, {C}, {OH}, {OW}) of more than 2**62 "
                         f"elements")
    hs, he = adaptive_bins(H, OH)
    ws, we = adaptive_bins(W, OW)
    bins = {"h_start": hs, "h_end": he, "w_start": ws, "w_end": we}
    if not isinstance(like, np.ndarray):
        import cupy
        bins = {k: cupy.asarray(v) for k, v in bins.items()}
    return bins, {"planes": N * C, "H": H, "W": W, "OH": OH, "OW": OW}


@launches
def check_adaptive_avg_pool2d_forward(x, output_size):
    """x (N, C, H, W) -> y (N, C, OH, OW), each output the mean of its bin (PyTorch's adaptive bins)."""
    fn = "adaptive_avg_pool2d_forward"
    check_float_array(fn, "x", x, 4)
    N, C, H, W = (int(v) for v in x.shape)
    bins, sizes = _adaptive(fn, N, C, H, W, output_size, x)
    return Launch({"x": x, **bins}, {"y": ((N, C, sizes["OH"], sizes["OW"]), x.dtype)}, sizes, ("y",))


@launches
def check_adaptive_avg_pool2d_backward(dy, x_shape):
    """dy (N, C, OH, OW), the input's shape -> dx: each output's gradient spread evenly over its bin."""
    fn = "adaptive_avg_pool2d_backward"
    N, C, H, W = check_x_shape(fn, x_shape)
    check_float_array(fn, "dy", dy, 4)
    if int(dy.shape[0]) != N or int(dy.shape[1]) != C:
        raise ValueError(f"{fn}: argument 'dy' must have the batch and channels of 'x_shape' {tuple(x_shape)}, got "
                         f"{tuple(dy.shape)}")
    bins, sizes = _adaptive(fn, N, C, H, W, (int(dy.shape[2]), int(dy.shape[3])), dy)
    return Launch({"dy": dy, **bins}, {"dx": ((N, C, H, W), dy.dtype)}, sizes, ("dx",))


@launches
def check_adaptive_max_pool2d_forward(x, output_size):
    """x (N, C, H, W) -> y (N, C, OH, OW), each output its bin's first maximum, and idx (int64) its
    position h*W + w in the plane (the backward is max_pool2d_backward's scatter)."""
    fn = "adaptive_max_pool2d_forward"
    check_float_array(fn, "x", x, 4)
    N, C, H, W = (int(v) for v in x.shape)
    bins, sizes = _adaptive(fn, N, C, H, W, output_size, x)
    shape = (N, C, sizes["OH"], sizes["OW"])
    return Launch({"x": x, **bins}, {"y": (shape, x.dtype), "idx": (shape, np.int64)}, sizes, ("y", "idx"))


# ------------------------------------------------------------------------------------------ unpooling

def _idx_in_range(fn, idx, bound, what):
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= bound):
        raise ValueError(f"{fn}: argument 'idx' holds positions outside [0, {bound}) ({what}); pass the indices "
                         f"of max_pool2d on an input of that size")


@launches
def check_max_unpool2d_forward(x, idx, output_size):
    """x (N, C, H, W) and idx (int64, x's shape, each in [0, OH*OW)) -> y (N, C, OH, OW):
    y.flat[idx] = x per plane, zeros elsewhere."""
    fn = "max_unpool2d_forward"
    check_float_array(fn, "x", x, 4)
    check_index_array(fn, "idx", idx, x.shape, like=x)
    OH, OW = as_pair(fn, "output_size", output_size, 1)
    N, C, H, W = (int(v) for v in x.shape)
    if OH > 2 ** 31 - 1 or OW > 2 ** 31 - 1 or max(N, 1) * max(C, 1) * OH * OW > 2 ** 62:
        raise ValueError(f"{fn}: argument 'output_size' must give at most 2**31 - 1 outputs per side and 2**62 "
                         f"in all, got {output_size!r}")
    _idx_in_range(fn, idx, OH * OW, f"the output plane {OH} x {OW}")
    return Launch({"x": x, "idx": idx}, {"y": ((N, C, OH, OW), x.dtype)},
                  {"planes": N * C, "in_plane": H * W, "out_plane": OH * OW}, ("y",))


@launches
def check_max_unpool2d_backward(dy, idx):
    """dy (N, C, OH, OW) and idx (int64, (N, C, H, W), each in [0, OH*OW)) -> dx = dy.flat[idx] per plane."""
    fn = "max_unpool2d_backward"
    check_float_array(fn, "dy", dy, 4)
    if not hasattr(idx, "shape") or len(idx.shape) != 4 or tuple(idx.shape[:2]) != tuple(dy.shape[:2]):
        raise ValueError(f"{fn}: argument 'idx' must be 4-D with the batch and channels of 'dy' {tuple(dy.shape)}, "
                         f"got shape {tuple(getattr(idx, 'shape', ()))}")
    check_index_array(fn, "idx", idx, idx.shape, like=dy)
    N, C, OH, OW = (int(v) for v in dy.shape)
    _idx_in_range(fn, idx, OH * OW, f"the plane of 'dy', {OH} x {OW}")
    return Launch({"dy": dy, "idx": idx}, {"dx": (tuple(int(v) for v in idx.shape), dy.dtype)},
                  {"planes": N * C, "in_plane": int(idx.shape[2]) * int(idx.shape[3]), "out_plane": OH * OW}, ("dx",))
