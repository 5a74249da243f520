"""Selection on the kernel triad: ``topk``, PyTorch's k largest (or smallest) entries along a dim."""
from __future__ import annotations

from collections import namedtuple

from .. import kernels
from ..autograd import Function
from ..ops import xp_of
from ..tensor import Tensor

TopK = namedtuple("TopK", ["values", "indices"])


class TopKFunction(Function):
    """Rows along the last axis: the kernels' layout; ``topk`` moves ``dim`` there and back."""

    @staticmethod
    def forward(ctx, x, k, largest, indices_out):
        xp = xp_of(x)
        rows = xp.ascontiguousarray(x.reshape(-1, x.shape[-1]))
        ctx.k = kernels.for_array(rows)
        values, ctx.indices = ctx.k.topk_forward(rows, k, largest)
        ctx.shape, ctx.n = x.shape, x.shape[-1]
        indices_out.append(ctx.indices.reshape(x.shape[:-1] + (k,)))   # an output without a gradient
        return values.reshape(x.shape[:-1] + (k,))

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        g = xp.ascontiguousarray(g.reshape(-1, g.shape[-1]))
        return ctx.k.topk_backward(g, ctx.indices, ctx.n).reshape(ctx.shape)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices): the ``k`` largest entries of ``input`` along ``dim`` (``largest=False``: the
    smallest), in order — largest first (smallest first) — with their positions along ``dim``
    (int64). Equal entries keep their order; NaN counts as larger than every number. ``sorted`` is
    accepted for PyTorch's signature: the result is always sorted. Gradients flow to the values'
    positions. Reference: ``i2dl.kernels.reference.topk_forward``.

    >>> v, i = F.topk(i2dl.tensor([[1.0, 5.0, 3.0, 4.0]]), 2)
    >>> v.tolist(), i.tolist()
    ([[5.0, 4.0]], [[1, 3]])"""
    if not isinstance(input, Tensor):
        raise TypeError(f"topk: argument 'input' must be a Tensor, got {type(input).__name__}")
    if input.ndim == 0:
        raise ValueError("topk: argument 'input' must have at least one dimension, got a 0-D tensor")
    d = dim + input.ndim if isinstance(dim, int) and dim < 0 else dim
    if not isinstance(dim, int) or not 0 <= d < input.ndim:
        raise ValueError(f"topk: argument 'dim' must be an int in [{-input.ndim}, {input.ndim - 1}], got {dim!r}")
    last = d == input.ndim - 1
    axes = tuple(a for a in range(input.ndim) if a != d) + (d,)
    moved = input if last else input.permute(axes)
    holder = []
    values = TopKFunction.apply(moved, k=k, largest=largest, indices_out=holder)
    indices = holder[0]
    if not last:
        back = tuple(int(i) for i in _inverse(axes))
        values, indices = values.permute(back), xp_of(indices).ascontiguousarray(indices.transpose(back))
    return TopK(values, Tensor(indices))


def _inverse(axes):
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return inv
