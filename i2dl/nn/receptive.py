"""Receptive fields (lecture §IX.5): for a chain of layers, the size of the input patch each output
pixel sees, the jump (input pixels between neighbouring outputs) and the centre of the first output's
patch, layer by layer. With k_eff = D (K - 1) + 1, a convolution or pooling layer of kernel K, stride S,
padding P and dilation D maps

    jump' = jump S,     size' = size + (k_eff - 1) jump,     start' = start + ((k_eff - 1) / 2 - P) jump

from the input's (jump 1, size 1, start 0). Layers that act per pixel (activations, normalization,
dropout) keep all three."""
from __future__ import annotations

from typing import List, NamedTuple, Tuple

from ..kernels.checks import as_pair
from ..kernels.checks.pool import pool_output_size
from .activation import ELU, LeakyReLU, PReLU, ReLU, Sigmoid, SiLU, Swish, Tanh
from .container import Sequential
from .conv import Conv2d
from .dropout import Dropout, Dropout2d
from .linear import Identity
from .norm import BatchNorm2d, GroupNorm, InstanceNorm2d
from .pool import AvgPool2d, MaxPool2d

_PER_PIXEL = (ReLU, LeakyReLU, ELU, PReLU, Sigmoid, Tanh, SiLU, Swish, BatchNorm2d, GroupNorm, InstanceNorm2d,
              Dropout, Dropout2d, Identity)


class ReceptiveField(NamedTuple):
    """One layer's row: its name, its output's spatial size, and per axis (height, width) the receptive
    field's size, the jump and the start (the centre of output (0, 0)'s patch, in input pixels)."""
    name: str
    output: Tuple[int, int]
    size: Tuple[int, int]
    jump: Tuple[int, int]
    start: Tuple[float, float]


def _layers(module, prefix=""):
    if isinstance(module, Sequential):
        for name, child in module.named_children():
            yield from _layers(child, f"{prefix}.{name}" if prefix else name)
    else:
        yield prefix, module


def _geometry(m):
    if isinstance(m, Conv2d):
        return m.kernel_size, m.stride, m.padding, m.dilation
    if isinstance(m, (MaxPool2d, AvgPool2d)):
        k = as_pair("receptive_field", "kernel_size", m.kernel_size, 1)
        s = as_pair("receptive_field", "stride", m.stride if m.stride is not None else m.kernel_size, 1)
        d = as_pair("receptive_field", "dilation", getattr(m, "dilation", 1), 1)
        return k, s, as_pair("receptive_field", "padding", m.padding, 0), d
    return None


def receptive_field(model, input_shape) -> List[ReceptiveField]:
    """The rows of every layer of ``model`` (a Sequential, nested ones flattened), for an input of
    spatial size ``input_shape`` ((H, W), or (N, C, H, W)); the last row is the whole network's.
    Conv2d, MaxPool2d and AvgPool2d change the field; per-pixel layers keep it; any other layer (a
    Linear, a branching block) raises TypeError, since the closed form holds for chains of them.

    >>> rows = nn.receptive_field(nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3)), (16, 16))
    >>> rows[-1].size, rows[-1].jump, rows[-1].output
    ((8, 8), (2, 2), (5, 5))"""
    shape = tuple(int(v) for v in input_shape)[-2:]
    if len(shape) != 2:
        raise ValueError(f"receptive_field: argument 'input_shape' must end in (H, W), got {input_shape!r}")
    size, jump, start, out = [1, 1], [1, 1], [0.0, 0.0], list(shape)
    rows = []
    for name, m in _layers(model):
        g = _geometry(m)
        if g is None and not isinstance(m, _PER_PIXEL):
            raise TypeError(f"receptive_field: layer '{name}' ({type(m).__name__}) is neither a convolution or "
                            f"pooling layer nor a per-pixel one; the closed form holds for chains of those")
        if g is not None:
            (k0, k1), (s0, s1), (p0, p1), (d0, d1) = g
            for a, (k, s, p, d) in enumerate(((k0, s0, p0, d0), (k1, s1, p1, d1))):
                keff = d * (k - 1) + 1
                start[a] += ((keff - 1) / 2 - p) * jump[a]
                size[a] += (keff - 1) * jump[a]
                jump[a] *= s
                out[a] = pool_output_size(out[a], keff, s, p, getattr(m, "ceil_mode", False))
        rows.append(ReceptiveField(name, tuple(out), tuple(size), tuple(jump), tuple(start)))
    return rows
