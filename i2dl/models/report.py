"""``summary(model, input_shape)``: the layer table of a model run once on zeros — every leaf module in
the order it runs, its output shape, its parameters and its multiply-add FLOPs (2 per multiply-add, for
the layers that hold weights: convolutions, transposed convolutions, linear layers)."""
from __future__ import annotations

from typing import List, NamedTuple, Tuple

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..nn.module import evaluating, leaf_hooks
from ..tensor import Tensor


class LayerRow(NamedTuple):
    name: str
    kind: str
    output: Tuple[int, ...]
    params: int
    flops: int


def _flops(m, out_shape):
    if isinstance(m, nn.Conv2d):  # every output element: C/groups * KH * KW multiply-adds
        return 2 * int(np.prod(out_shape)) * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
    if isinstance(m, nn.ConvTranspose2d):  # every input element spreads to out/groups * KH * KW outputs
        return 0  # filled in from the input's size by the caller
    if isinstance(m, nn.Linear):
        return 2 * int(np.prod(out_shape)) * m.in_features
    return 0


def layer_table(model, input_shape) -> List[LayerRow]:
    """The rows, from one forward pass (no graph) on zeros of ``input_shape`` in the model's dtype."""
    rows = []
    dtype = next((p.dtype for p in model.parameters()), np.float32)

    def record(name):
        def hook(m, args, out):
            if not isinstance(out, Tensor):
                return
            shape = tuple(out.shape)
            flops = _flops(m, shape)
            if isinstance(m, nn.ConvTranspose2d):
                flops = 2 * int(np.prod(args[0].shape)) * (m.out_channels // m.groups) * int(np.prod(m.kernel_size))
            params = sum(int(p.data.size) for p in m._parameters.values())
            rows.append(LayerRow(name, type(m).__name__, shape, params, flops))
        return hook

    with leaf_hooks(model, record), no_grad(), evaluating(model):
        model(Tensor(np.zeros(tuple(input_shape), dtype=dtype)))
    return rows


def summary(model, input_shape, print_fn=print):
    """Prints the layer table and the totals; returns the rows.

    >>> rows = summary(LeNet5(), (1, 1, 28, 28), print_fn=lambda s: None)
    >>> sum(r.params for r in rows), rows[0].output
    (44426, (1, 6, 24, 24))"""
    rows = layer_table(model, input_shape)
    lines = [f"{'layer':32s} {'kind':18s} {'output':22s} {'params':>10s} {'FLOPs':>14s}"]
    lines += [f"{r.name:32s} {r.kind:18s} {str(r.output):22s} {r.params:10,d} {r.flops:14,d}" for r in rows]
    total_p = sum(p.data.size for p in model.parameters())
    lines.append(f"total: {int(total_p):,d} parameters, {sum(r.flops for r in rows):,d} FLOPs for input {tuple(input_shape)}")
    print_fn("\n".join(lines))
    return rows
