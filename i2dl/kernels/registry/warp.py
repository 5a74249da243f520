"""The affine-warp row: rotations with zoom and shift, the identity, whole-pixel shifts (taps of
weight 0 next to the image), far outside (all fill), a non-square image, one channel, an empty batch."""
from __future__ import annotations

import numpy as np

from .core import BadInput, KernelSpec, Sample, _rn


def _theta(rng, N, H, W, degrees=20.0, shift=1.5, zoom=(0.8, 1.2)):
    a = np.deg2rad(rng.uniform(-degrees, degrees, N))
    z = rng.uniform(*zoom, N)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    ty, tx = rng.uniform(-shift, shift, N), rng.uniform(-shift, shift, N)
    c, s = np.cos(a) / z, np.sin(a) / z
    # (s_y, s_x) = R⁻¹ ((i, j) - centre - shift) + centre, as transforms.RandomAffine builds it
    return np.stack([np.stack([c, -s, cy - c * (cy + ty) + s * (cx + tx)], 1),
                     np.stack([s, c, cx - s * (cy + ty) - c * (cx + tx)], 1)], 1)


def _samples(rng):
    def s(shape, theta, desc, fill=0.0, checkable=True):
        return Sample({"x": _rn(rng, *shape), "theta": theta}, {"fill": fill}, desc, numerically_checkable=checkable)
    ident = np.tile(np.array([[1.0, 0, 0], [0, 1.0, 0]]), (2, 1, 1))
    shift = np.tile(np.array([[1.0, 0, 1.0], [0, 1.0, -2.0]]), (2, 1, 1))
    far = np.tile(np.array([[1.0, 0, 100.0], [0, 1.0, 0]]), (1, 1, 1))
    return [
        s((3, 2, 7, 7), _theta(rng, 3, 7, 7), "rotate, zoom and shift"),
        s((2, 3, 5, 9), _theta(rng, 2, 5, 9), "non-square, fill 0.5", fill=0.5),
        s((2, 1, 6, 6), ident, "identity"),
        s((2, 2, 5, 6), shift, "whole-pixel shift", fill=-1.0),
        s((1, 2, 4, 4), far, "far outside: all fill", fill=2.0),
        s((0, 2, 4, 4), np.zeros((0, 2, 3)), "empty batch"),
    ]


def _forward(k, a, p):
    return k.affine_warp2d_forward(a["x"], a["theta"], **p), None


def _backward(k, a, p):
    return {"x": k.affine_warp2d_backward(a["dy"], a["theta"], a["x_shape"])}


AFFINE_WARP2D = KernelSpec(
    name="affine_warp2d", forward="affine_warp2d_forward", backward="affine_warp2d_backward", samples=_samples,
    call_forward=_forward,
    backward_inputs=lambda a, saved, dy: {"dy": dy, "theta": a["theta"], "x_shape": tuple(a["x"].shape)},
    call_backward=_backward, ranks={"x": 4, "theta": 3, "dy": 4}, backward_anchor="dy", batched=("x", "theta"),
    bad_inputs=lambda: [
        BadInput("theta of another batch", "forward", lambda a, p: ({**a, "theta": np.ascontiguousarray(a["theta"][:1])}, p),
                 ValueError, r"argument 'theta' must have shape"),
        BadInput("fill not a number", "forward", lambda a, p: (a, {**p, "fill": "white"}), TypeError,
                 r"argument 'fill' must be a real number, got 'white'"),
        BadInput("dy of another shape", "backward", lambda a, p: ({**a, "dy": np.ascontiguousarray(a["dy"][:, :1])}, p),
                 ValueError, r"argument 'dy' must have shape"),
    ])
