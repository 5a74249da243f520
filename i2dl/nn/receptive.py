"""Receptive fields (lecture §IX.5): for every layer of a network, the size of the input patch each
output pixel sees, the jump (input pixels between neighbouring outputs) and the centre of the first
output's patch. With k_eff = D (K - 1) + 1, a convolution or pooling layer of kernel K, stride S,
padding P and dilation D maps

    jump' = jump S,     size' = size + (k_eff - 1) jump,     start' = start + ((k_eff - 1) / 2 - P) jump

from the input's (jump 1, size 1, start 0). Layers that act per pixel (activations, normalization,
dropout) keep all three. Where branches meet (a residual sum, an Inception block's concatenation
along the channels), an output pixel sees the union of its branches' patches: with patch
[start - (size - 1) / 2, start + (size - 1) / 2] per branch (all at the same jump), the union's
ends are the smallest and largest of the branches' ends."""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Tuple

import numpy as np

from .. import ops
from ..autograd import enable_grad
from ..functional.activation import ELUFunction, LeakyReLUFunction, PReLUFunction, SwishFunction
from ..functional.dropout import DropoutFunction
from ..functional.norm import BatchNormFunction, GroupNormFunction
from ..kernels.checks import as_pair
from ..tensor import Tensor
from .activation import ELU, LeakyReLU, PReLU, ReLU, Sigmoid, SiLU, Swish, Tanh
from .conv import Conv2d
from .dropout import Dropout, Dropout2d
from .linear import Identity
from .module import evaluating, leaf_hooks
from .norm import BatchNorm2d, GroupNorm, InstanceNorm2d
from .pool import AvgPool2d, MaxPool2d

_PER_PIXEL = (ReLU, LeakyReLU, ELU, PReLU, Sigmoid, Tanh, SiLU, Swish, BatchNorm2d, GroupNorm, InstanceNorm2d,
              Dropout, Dropout2d, Identity)
# The operations outside layers that keep each pixel where it is: a block's residual sum, scaling,
# activations and normalization called through F, and concatenation along the channels.
_PIXELWISE_OPS = (ops.Add, ops.Sub, ops.Mul, ops.Div, ops.Neg, ops.Exp, ops.Log, ops.Sqrt, ops.Abs, ops.Clip,
                  ops.Pow, ops.Maximum, ops.Minimum, ops.Where, ops.ReLU, ops.Sigmoid, ops.Tanh, ops.Cast,
                  ops.Contiguous, LeakyReLUFunction, PReLUFunction, ELUFunction, SwishFunction, DropoutFunction,
                  BatchNormFunction, GroupNormFunction)
_PIXELWISE_BACKWARDS = {c.backward for c in _PIXELWISE_OPS}


class ReceptiveField(NamedTuple):
    """One layer's row: its name, its output's spatial size, and per axis (height, width) the receptive
    field's size, the jump and the start (the centre of output (0, 0)'s patch, in input pixels)."""
    name: str
    output: Tuple[int, int]
    size: Tuple[int, int]
    jump: Tuple[int, int]
    start: Tuple[float, float]


class _Field(NamedTuple):
    size: Tuple[int, int]
    jump: Tuple[int, int]
    start: Tuple[float, float]


def _geometry(m):
    if isinstance(m, Conv2d):
        return m.kernel_size, m.stride, m.padding, m.dilation
    if isinstance(m, (MaxPool2d, AvgPool2d)):
        k = as_pair("receptive_field", "kernel_size", m.kernel_size, 1)
        s = as_pair("receptive_field", "stride", m.stride if m.stride is not None else m.kernel_size, 1)
        d = as_pair("receptive_field", "dilation", getattr(m, "dilation", 1), 1)
        return k, s, as_pair("receptive_field", "padding", m.padding, 0), d
    return None


def _through(field: _Field, geometry) -> _Field:
    """The closed form of one convolution or pooling layer."""
    size, jump, start = list(field.size), list(field.jump), list(field.start)
    for a, (k, s, p, d) in enumerate(zip(*geometry)):
        keff = d * (k - 1) + 1
        start[a] += ((keff - 1) / 2 - p) * jump[a]
        size[a] += (keff - 1) * jump[a]
        jump[a] *= s
    return _Field(tuple(size), tuple(jump), tuple(start))


def _union(fields: List[_Field], where: str) -> _Field:
    """The field of a pixel that sees each branch's patch (branches at the same jump)."""
    if len({f.jump for f in fields}) > 1:
        raise ValueError(f"receptive_field: the branches meeting at {where} have different jumps "
                         f"{[f.jump for f in fields]}: their output grids do not line up")
    size, start = [], []
    for a in range(2):
        lo = min(f.start[a] - (f.size[a] - 1) / 2 for f in fields)
        hi = max(f.start[a] + (f.size[a] - 1) / 2 for f in fields)
        size.append(int(round(hi - lo)) + 1)
        start.append((lo + hi) / 2)
    return _Field(tuple(size), fields[0].jump, tuple(start))


def _spatial(t) -> bool:
    return isinstance(t, Tensor) and t.ndim == 4


def receptive_field(model, input_shape) -> List[ReceptiveField]:
    """The rows of every layer of ``model`` in the order they run, for an input of spatial size
    ``input_shape`` ((H, W), (C, H, W) or (N, C, H, W); C defaults to the first convolution's
    in_channels); the last row is the whole network's.

    Conv2d, MaxPool2d and AvgPool2d change the field; per-pixel layers keep it; where branches meet
    (a residual sum, a concatenation along the channels) the field is the union of theirs. Any other
    layer (a Linear, an adaptive pool) raises TypeError: pass the convolutional part of the network
    (``nn.Sequential(*list(resnet.children())[:-2])``). The model runs once, in eval mode, on zeros.

    >>> rows = nn.receptive_field(nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3)), (16, 16))
    >>> rows[-1].size, rows[-1].jump, rows[-1].output
    ((8, 8), (2, 2), (5, 5))"""
    shape = tuple(int(v) for v in input_shape)
    if not 2 <= len(shape) <= 4:
        raise ValueError(f"receptive_field: argument 'input_shape' must be (H, W), (C, H, W) or (N, C, H, W), "
                         f"got {input_shape!r}")
    if len(shape) == 2:
        first = next((m for m in model.modules() if isinstance(m, Conv2d)), None)
        shape = (first.in_channels if first is not None else 1,) + shape
    shape = (1,) + shape[-3:]
    dtype = next((p.dtype for p in model.parameters()), np.float32)
    x = Tensor(np.zeros(shape, dtype=dtype), requires_grad=True)  # recorded: the graph joins the branches
    fields: Dict[int, _Field] = {id(x): _Field((1, 1), (1, 1), (0.0, 0.0))}
    keep = [x]  # the tensors whose ids key `fields` stay alive until the end
    rows: List[ReceptiveField] = []

    def field_of(t) -> _Field:
        """A tensor made outside the layers: the union of its inputs' fields, through pixel-wise ops."""
        got = fields.get(id(t))
        if got is not None:
            return got
        ctx = getattr(t, "_ctx", None)
        if ctx is None:
            raise TypeError("receptive_field: a layer's input does not come from the model's input")
        op = getattr(ctx, "fn_name", "?")
        made_by = getattr(ctx, "backward_fn", None)  # the Function's backward identifies the op
        pixelwise = made_by in _PIXELWISE_BACKWARDS or (made_by is ops.Concatenate.backward
                                                         and getattr(ctx, "axis", None) in (1, -3))
        if not pixelwise:
            raise TypeError(f"receptive_field: the operation {op} between layers may move pixels; the closed "
                            f"form holds for layers and pixel-wise operations")
        parents = [p for p in ctx.parents if _spatial(p)]
        field = _union([field_of(p) for p in parents], op)
        fields[id(t)] = field
        keep.append(t)
        return field

    def hook(name):
        def record(m, args, out):
            g = _geometry(m)
            if g is None and not isinstance(m, _PER_PIXEL):
                raise TypeError(f"receptive_field: layer '{name}' ({type(m).__name__}) is neither a convolution or "
                                f"pooling layer nor a per-pixel one; the closed form holds for those and for "
                                f"branches of them joined by pixel-wise operations")
            if not args or not _spatial(args[0]) or not _spatial(out):
                raise TypeError(f"receptive_field: layer '{name}' ({type(m).__name__}) does not map images to images")
            f = field_of(args[0])
            if g is not None:
                f = _through(f, g)
            fields[id(out)] = f
            keep.append(out)
            rows.append(ReceptiveField(name, tuple(int(v) for v in out.shape[-2:]), f.size, f.jump, f.start))
        return record

    with leaf_hooks(model, hook), enable_grad(), evaluating(model):
        out = model(x)
    if _spatial(out) and id(out) not in fields:  # the network ends in a sum or concatenation of branches
        f = field_of(out)
        rows.append(ReceptiveField("output", tuple(int(v) for v in out.shape[-2:]), f.size, f.jump, f.start))
    return rows
