"""Data augmentation (§VIII.1 of the lecture), online and per batch: each transform takes a batch of
images x (N, C, H, W) as a NumPy array and returns a new one, drawing its randomness for all N images
at once (vectorised; no per-image Python loop) from the generator it is handed — the DataLoader
hands its own, seeded one, so a run is reproducible and its state checkpointed. Called without a
generator they draw from i2dl's global one (``i2dl.manual_seed``)."""
from __future__ import annotations

import numbers

import numpy as np

from .. import kernels
from ..random import generator


def _check_batch(name, x):
    if not isinstance(x, np.ndarray) or x.ndim != 4:
        raise ValueError(f"{name}: argument 'x' must be a NumPy batch (N, C, H, W), got "
                         f"{type(x).__name__} {getattr(x, 'shape', '')}")
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _pair(name, arg, v):
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(a, numbers.Integral) for a in v):
        return int(v[0]), int(v[1])
    raise ValueError(f"{name}: argument '{arg}' must be an int or a pair of ints, got {v!r}")


class Transform:
    """A batch transform: ``t(x, rng=None)``."""

    def __call__(self, x, rng=None):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Compose(Transform):
    """Applies ``transforms`` in order, with the same generator."""

    def __init__(self, transforms):
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is not callable: {t!r}")
        self.transforms = transforms

    def __call__(self, x, rng=None):
        for t in self.transforms:
            x = t(x, rng) if isinstance(t, Transform) else t(x)
        return x

    def __repr__(self):
        return "Compose([" + ", ".join(map(repr, self.transforms)) + "])"


class Normalize(Transform):
    """(x - mean) / std per channel (``mean`` and ``std`` scalars or one value per channel)."""

    def __init__(self, mean, std):
        self.mean, self.std = mean, std
        s = np.asarray(std, dtype=np.float64)
        if np.any(s <= 0) or not np.all(np.isfinite(s)):
            raise ValueError(f"Normalize: argument 'std' must be positive and finite, got {std!r}")

    def __call__(self, x, rng=None):
        x = _check_batch("Normalize", x)
        m, s = (np.asarray(v, dtype=x.dtype).reshape(-1, 1, 1) for v in (self.mean, self.std))
        if m.shape[0] not in (1, x.shape[1]) or s.shape[0] not in (1, x.shape[1]):
            raise ValueError(f"Normalize: 'mean' and 'std' must have 1 or {x.shape[1]} (channels) values, got "
                             f"{m.shape[0]} and {s.shape[0]}")
        return (x - m) / s


class RandomHorizontalFlip(Transform):
    """Mirrors each image left-right with probability ``p``."""

    def __init__(self, p=0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: argument 'p' must be in [0, 1], got {p!r}")
        self.p = p

    def __call__(self, x, rng=None):
        x = _check_batch("RandomHorizontalFlip", x)
        flip = (rng or generator()).random(len(x)) < self.p
        out = x.copy()
        out[flip] = x[flip, :, :, ::-1]
        return out


class RandomCrop(Transform):
    """Pads each side by ``padding`` (with ``fill``, or ``padding_mode="reflect"``), then cuts a
    ``size`` window at a random place per image (torchvision's RandomCrop)."""

    def __init__(self, size, padding=0, fill=0.0, padding_mode="constant"):
        self.size = _pair("RandomCrop", "size", size)
        self.padding = _pair("RandomCrop", "padding", padding)
        if min(self.size) < 1 or min(self.padding) < 0:
            raise ValueError(f"RandomCrop: 'size' must be >= 1 and 'padding' >= 0, got {size!r}, {padding!r}")
        if padding_mode not in ("constant", "reflect", "edge"):
            raise ValueError(f"RandomCrop: argument 'padding_mode' must be 'constant', 'reflect' or 'edge', "
                             f"got {padding_mode!r}")
        self.fill, self.padding_mode = fill, padding_mode

    def __call__(self, x, rng=None):
        x = _check_batch("RandomCrop", x)
        ph, pw = self.padding
        widths = ((0, 0), (0, 0), (ph, ph), (pw, pw))
        padded = (np.pad(x, widths, constant_values=self.fill) if self.padding_mode == "constant"
                  else np.pad(x, widths, mode=self.padding_mode))
        h, w = self.size
        H, W = padded.shape[2:]
        if h > H or w > W:
            raise ValueError(f"RandomCrop: argument 'size' {self.size} is larger than the padded image ({H}, {W})")
        rng = rng or generator()
        oy, ox = rng.integers(0, H - h + 1, len(x)), rng.integers(0, W - w + 1, len(x))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (h, w), axis=(2, 3))  # (N, C, H', W', h, w)
        return np.ascontiguousarray(windows[np.arange(len(x)), :, oy, ox])


class RandomAffine(Transform):
    """A small random affine map per image about its centre: a rotation by an angle uniform in
    ±``degrees``, a shift uniform in ±``translate`` (fractions of width and height) and a zoom uniform
    in ``scale`` = (lo, hi); the output pixel at p samples the input at A⁻¹(p - c - t) + c, bilinearly,
    ``fill`` outside — one call of the ``affine_warp2d`` kernel for the whole batch."""

    def __init__(self, degrees=0.0, translate=None, scale=None, fill=0.0):
        if not (isinstance(degrees, numbers.Real) and degrees >= 0):
            raise ValueError(f"RandomAffine: argument 'degrees' must be a number >= 0, got {degrees!r}")
        if translate is not None and not (len(translate) == 2 and all(0 <= t <= 1 for t in translate)):
            raise ValueError(f"RandomAffine: argument 'translate' must be a pair of fractions in [0, 1], got {translate!r}")
        if scale is not None and not (len(scale) == 2 and 0 < scale[0] <= scale[1]):
            raise ValueError(f"RandomAffine: argument 'scale' must be a pair 0 < lo <= hi, got {scale!r}")
        self.degrees, self.translate, self.scale, self.fill = degrees, translate, scale, fill

    def __call__(self, x, rng=None):
        x = _check_batch("RandomAffine", x)
        N, C, H, W = x.shape
        rng = rng or generator()
        u = rng.uniform(-1.0, 1.0, (4, N))          # one draw for all four parameters of every image
        angle = np.deg2rad(self.degrees) * u[0]
        tx, ty = (self.translate[0] * W * u[1], self.translate[1] * H * u[2]) if self.translate else (0.0, 0.0)
        lo, hi = self.scale if self.scale else (1.0, 1.0)
        zoom = lo + (hi - lo) * 0.5 * (u[3] + 1.0)
        return kernels.for_array(x).affine_warp2d_forward(x, affine_theta(angle, zoom, ty, tx, H, W, x.dtype),
                                                          float(self.fill))


def affine_theta(angle, zoom, ty, tx, H, W, dtype=np.float64):
    """(N, 2, 3) matrices of the inverse maps, for ``affine_warp2d``: output pixel p = (i, j) samples
    the input at R(-angle)·(p - c - t)/zoom + c, c the image centre, t the shift."""
    cy, cx = (H - 1) / 2, (W - 1) / 2
    c, s = np.cos(angle) / zoom, np.sin(angle) / zoom
    oy, ox = cy + ty, cx + tx
    return np.stack([c, -s, cy - c * oy + s * ox, s, c, cx - s * oy - c * ox], axis=1).reshape(-1, 2, 3).astype(dtype)


class GaussianNoise(Transform):
    """x + ε, ε ~ N(0, std²) per pixel."""

    def __init__(self, std=0.1):
        if not (isinstance(std, numbers.Real) and std >= 0):
            raise ValueError(f"GaussianNoise: argument 'std' must be a number >= 0, got {std!r}")
        self.std = std

    def __call__(self, x, rng=None):
        x = _check_batch("GaussianNoise", x)
        noise = (rng or generator()).standard_normal(x.shape, dtype=x.dtype if x.dtype == np.float32 else np.float64)
        return x + self.std * noise
