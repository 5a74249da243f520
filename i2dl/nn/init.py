"""Weight initialisation (in place), as in the lecture:

* Xavier/Glorot: Var(w) = 2 / (fan_in + fan_out) — keeps the variance of tanh/sigmoid layers.
* He/Kaiming ("Xavier/2"): Var(w) = 2 / fan_in — ReLU zeroes half of its inputs.
* normal(0, 0.01) and zeros (biases).
"""
from __future__ import annotations

import contextlib
import functools
import math
import threading

import numpy as np

from ..random import generator


_skip = threading.local()


@contextlib.contextmanager
def skip_init():
    """Inside, the initialisers leave tensors as allocated (untouched ``np.empty`` pages cost no
    memory): a model built only to receive a checkpoint's weights is built in no time and, where
    the checkpoint does not fit it, refused before its memory is ever written. Per thread."""
    previous = getattr(_skip, "on", False)
    _skip.on = True
    try:
        yield
    finally:
        _skip.on = previous


def _skippable(fn):
    @functools.wraps(fn)
    def wrapper(t, *args, **kwargs):
        # an empty tensor has nothing to fill (and no fan to scale by), as in PyTorch
        return t if getattr(_skip, "on", False) or t.data.size == 0 else fn(t, *args, **kwargs)
    return wrapper


def fans(shape):
    """(fan_in, fan_out) of a Linear (out, in) or Conv2d (out, in/groups, kh, kw) weight."""
    if len(shape) < 2:
        raise ValueError(f"fans: a weight needs at least 2 dims, got shape {tuple(shape)}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(t, values):
    t.data[...] = values.astype(t.dtype)
    return t


@_skippable
def xavier_uniform_(t, gain=1.0):
    fan_in, fan_out = fans(t.shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(t, generator().uniform(-a, a, t.shape))


@_skippable
def xavier_normal_(t, gain=1.0):
    fan_in, fan_out = fans(t.shape)
    return _fill(t, generator().normal(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), t.shape))


@_skippable
def kaiming_normal_(t, negative_slope=0.0):
    """He initialisation: std = sqrt(2 / ((1 + a^2) fan_in)) (a: leaky ReLU slope)."""
    fan_in, _ = fans(t.shape)
    return _fill(t, generator().normal(0.0, math.sqrt(2.0 / ((1 + negative_slope ** 2) * fan_in)), t.shape))


@_skippable
def kaiming_uniform_(t, negative_slope=0.0):
    fan_in, _ = fans(t.shape)
    a = math.sqrt(6.0 / ((1 + negative_slope ** 2) * fan_in))
    return _fill(t, generator().uniform(-a, a, t.shape))


he_normal_ = kaiming_normal_


@_skippable
def normal_(t, mean=0.0, std=0.01):
    return _fill(t, generator().normal(mean, std, t.shape))


@_skippable
def trunc_normal_(t, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """Normal(mean, std) values redrawn until they lie in [a, b] (PyTorch's bounds are absolute,
    not in units of std)."""
    rng, out = generator(), np.empty(t.shape)
    flat, todo = out.reshape(-1), np.arange(out.size)
    while todo.size:
        draw = rng.normal(mean, std, todo.size)
        keep = (draw >= a) & (draw <= b)
        flat[todo[keep]] = draw[keep]
        todo = todo[~keep]
    return _fill(t, out)


@_skippable
def uniform_(t, low=0.0, high=1.0):
    return _fill(t, generator().uniform(low, high, t.shape))


@_skippable
def zeros_(t):
    t.data[...] = 0
    return t


@_skippable
def constant_(t, value):
    t.data[...] = value
    return t


# Which scheme suits which activation (the lecture's advice); layers take `nonlinearity=`.
RECOMMENDED = {"relu": "he", "leaky_relu": "he", "prelu": "he", "elu": "he", "swish": "he", "silu": "he",
               "maxout": "he", "tanh": "xavier", "sigmoid": "xavier", "linear": "xavier", "none": "xavier"}


@_skippable
def init_for(t, nonlinearity="relu"):
    """Initialises a weight for the activation that follows it."""
    scheme = RECOMMENDED.get(nonlinearity)
    if scheme is None:
        raise ValueError(f"init_for: argument 'nonlinearity' must be one of {sorted(RECOMMENDED)}, got {nonlinearity!r}")
    return kaiming_normal_(t) if scheme == "he" else xavier_normal_(t)
