"""The upsampling row: nearest and bilinear (align_corners both ways), by size and by scale_factor,
up and down, non-square."""
from __future__ import annotations

from .core import BadInput, KernelSpec, Sample, _rn


def _samples(rng):
    def s(shape, desc, **params):
        params.setdefault("mode", "nearest")
        return Sample({"x": _rn(rng, *shape)}, {"size": None, "scale_factor": None, "align_corners": None, **params},
                      desc)
    return [
        s((2, 3, 4, 5), "nearest x2 by scale_factor", scale_factor=2.0),
        s((2, 3, 4, 5), "nearest to (7, 9)", size=(7, 9)),
        s((1, 2, 6, 6), "nearest down to (4, 3)", size=(4, 3)),
        s((2, 3, 4, 5), "bilinear x2", mode="bilinear", scale_factor=2.0),
        s((2, 3, 4, 5), "bilinear x2, align_corners", mode="bilinear", scale_factor=2.0, align_corners=True),
        s((2, 2, 5, 3), "bilinear to (8, 7)", mode="bilinear", size=(8, 7), align_corners=False),
        s((1, 2, 7, 6), "bilinear down to (3, 4), align_corners", mode="bilinear", size=(3, 4), align_corners=True),
        s((2, 1, 1, 4), "bilinear from one row, to one column", mode="bilinear", size=(3, 1)),
        s((2, 2, 3, 4), "bilinear x(1.5, 2.5)", mode="bilinear", scale_factor=(1.5, 2.5)),
        s((0, 3, 4, 4), "empty batch", mode="bilinear", scale_factor=2.0),
    ]


def _forward(k, a, p):
    return k.upsample2d_forward(a["x"], **p), None


def _backward(k, a, p):
    return {"x": k.upsample2d_backward(a["dy"], a["x_shape"], **p)}


def _set(**kv):
    def m(a, p):
        return a, {**p, **kv}
    return m


UPSAMPLE2D = KernelSpec(
    name="upsample2d", forward="upsample2d_forward", backward="upsample2d_backward", samples=_samples,
    call_forward=_forward, backward_inputs=lambda a, saved, dy: {"dy": dy, "x_shape": tuple(a["x"].shape)},
    call_backward=_backward, ranks={"x": 4, "dy": 4}, backward_anchor="dy",
    bad_inputs=lambda: [
        BadInput("both size and scale_factor", "forward", _set(size=(4, 4), scale_factor=2.0), ValueError,
                 r"argument 'size' or argument 'scale_factor' must be given, exactly one"),
        BadInput("an unknown mode", "forward", _set(mode="bicubic"), ValueError,
                 r"argument 'mode' must be one of \('nearest', 'bilinear'\), got 'bicubic'"),
        BadInput("align_corners with nearest", "forward", _set(mode="nearest", align_corners=True), ValueError,
                 r"argument 'align_corners' can only be set with mode 'bilinear'"),
        BadInput("a negative scale_factor", "forward", _set(size=None, scale_factor=-2.0), ValueError,
                 r"argument 'scale_factor' must be positive and finite"),
        BadInput("size 0", "forward", _set(size=(0, 3), scale_factor=None), ValueError,
                 r"argument 'size' must give an output of 1 to 2\*\*31 - 1 per side"),
        BadInput("dy of another shape", "backward", lambda a, p: ({**a, "dy": a["dy"][:, :, 1:].copy()}, p),
                 ValueError, r"argument 'dy' must have shape"),
    ])
