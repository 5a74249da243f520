"""The conv2d contract: geometry and output shape from the arguments, checked once for every backend."""
from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from .core import as_pair, check_float_array, check_padded_fits, check_shape


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


def _conv_arrays(fn, x, w, b, groups):
    """x and w 4-D float arrays of one dtype, b 1-D or None, groups an int (conv2d's and its transpose's)."""
    check_float_array(fn, "x", x, 4)
    check_float_array(fn, "w", w, 4, like=x)
    if b is not None:
        check_float_array(fn, "b", b, 1, like=x)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise TypeError(f"{fn}: argument 'groups' must be an int, got {groups!r}")


def _check_groups(fn, groups, C):
    if groups < 1:
        raise ValueError(f"{fn}: argument 'groups' must be >= 1, got {groups}")
    if C % groups:
        raise ValueError(f"{fn}: argument 'groups' ({groups}) must divide the input channels of 'x' ({C})")


def conv2d_geometry(fn, x, w, b, stride, padding, dilation, groups) -> Conv2dGeometry:
    """Validates conv2d arguments; output size floor((N + 2P - D(F-1) - 1)/S) + 1 per spatial dim."""
    _conv_arrays(fn, x, w, b, groups)
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
    _check_groups(fn, groups, C)
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


def check_conv2d_forward(x, w, b, stride, padding, dilation, groups) -> Conv2dGeometry:
    """x (N, C, H, W), w (O, C/groups, KH, KW), b (O,) or None -> the geometry; y is ``g.out_shape``."""
    return conv2d_geometry("conv2d_forward", x, w, b, stride, padding, dilation, groups)


def check_conv2d_backward(dy, x, w, stride, padding, dilation, groups) -> Conv2dGeometry:
    """As the forward, and dy of the output's shape and x's dtype."""
    fn = "conv2d_backward"
    g = conv2d_geometry(fn, x, w, None, stride, padding, dilation, groups)
    check_float_array(fn, "dy", dy, 4, like=x)
    check_shape(fn, "dy", dy, g.out_shape)
    return g


# ------------------------------------------------------------------------------------------ transposed

def conv_transpose2d_geometry(fn, x, w, b, stride, padding, output_padding, groups, dilation) -> Conv2dGeometry:
    """x (N, Cin, H, W), w (Cin, Cout/groups, KH, KW), b (Cout,) or None. The transposed convolution is
    the adjoint of the conv2d that maps its output (N, Cout, OH', OW') back to x's shape, with
    OH' = (H - 1) S - 2P + D (KH - 1) + output_padding + 1: the geometry returned is that conv2d's
    (its input the transposed output, its output x, grown by floor(output_padding / S) zero rows
    where the output padding reaches that far: :func:`i2dl.kernels.compose.pad_to` and ``crop_to``)."""
    _conv_arrays(fn, x, w, b, groups)
    SH, SW = as_pair(fn, "stride", stride, 1)
    PH, PW = as_pair(fn, "padding", padding, 0)
    OPH, OPW = as_pair(fn, "output_padding", output_padding, 0)
    DH, DW = as_pair(fn, "dilation", dilation, 1)
    N, Cin, H, W = (int(v) for v in x.shape)
    wc, Cog, KH, KW = (int(v) for v in w.shape)
    _check_groups(fn, groups, Cin)
    if wc != Cin or Cog < 1 or KH < 1 or KW < 1:
        raise ValueError(f"{fn}: argument 'w' must have shape (in_channels = {Cin}, out_channels/groups, KH, KW) with "
                         f"a non-empty kernel, got {tuple(w.shape)}")
    for name, op, s, d in (("height", OPH, SH, DH), ("width", OPW, SW, DW)):
        if not (op < s or op < d):
            raise ValueError(f"{fn}: argument 'output_padding' ({OPH}, {OPW}) must be smaller than either stride "
                             f"({SH}, {SW}) or dilation ({DH}, {DW}) along the {name}")
    OH = (H - 1) * SH - 2 * PH + DH * (KH - 1) + OPH + 1
    OW = (W - 1) * SW - 2 * PW + DW * (KW - 1) + OPW + 1
    if OH < 1 or OW < 1:
        raise ValueError(f"{fn}: the output would be empty: argument 'x' {tuple(x.shape)} with stride ({SH}, {SW}), "
                         f"padding ({PH}, {PW}), dilation ({DH}, {DW}) and the {KH}x{KW} kernel of 'w' gives "
                         f"{OH}x{OW}")
    if b is not None:
        check_shape(fn, "b", b, (Cog * groups,))
    g = _conv2d_geometry_checked(fn, _Shaped((N, Cog * groups, OH, OW)), _Shaped((Cin, Cog, KH, KW)), None,
                                 (SH, SW), (PH, PW), (DH, DW), groups)
    # An output_padding of a stride or more (allowed below the dilation) adds rows that the conv from the
    # output reaches as floor(output_padding / stride) more rows of x: x is then zero-padded to them.
    assert (g.OH, g.OW) == (H + OPH // SH, W + OPW // SW), (g, x.shape)
    return g


def check_conv_transpose2d_forward(x, w, b, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """-> the geometry of the adjoint conv2d; y has shape (g.N, g.C, g.H, g.W)."""
    return conv_transpose2d_geometry("conv_transpose2d_forward", x, w, b, stride, padding, output_padding, groups,
                                     dilation)


def check_conv_transpose2d_backward(dy, x, w, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    fn = "conv_transpose2d_backward"
    g = conv_transpose2d_geometry(fn, x, w, None, stride, padding, output_padding, groups, dilation)
    check_float_array(fn, "dy", dy, 4, like=x)
    check_shape(fn, "dy", dy, (g.N, g.C, g.H, g.W))
    return g
