"""Model utilities: folding batch norm into the convolution before it, for inference."""
from __future__ import annotations

import copy

import numpy as np

from ..container import Sequential
from ..conv import Conv2d
from ..linear import Identity
from ..module import Module, Parameter
from ..norm import BatchNorm2d


def fuse_conv_bn_eval(conv: Conv2d, bn: BatchNorm2d) -> Conv2d:
    """One Conv2d equal to ``bn(conv(x))`` with ``bn`` in eval mode (its running statistics):

        s = weight_bn / sqrt(running_var + eps)         (per output channel)
        W' = W * s[:, None, None, None]                 b' = (b - running_mean) * s + bias_bn

    computed in float64 and stored in the conv's dtype; ``conv`` and ``bn`` are left as they are.

    >>> conv, bn = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)
    >>> nn.utils.fuse_conv_bn_eval(conv, bn.eval()).bias.shape
    (4,)"""
    if not isinstance(conv, Conv2d) or not isinstance(bn, BatchNorm2d):
        raise TypeError(f"fuse_conv_bn_eval: arguments must be a Conv2d and a BatchNorm2d, got "
                        f"{type(conv).__name__} and {type(bn).__name__}")
    if bn.training:
        raise ValueError("fuse_conv_bn_eval: argument 'bn' must be in eval mode (call bn.eval()): folding uses its "
                         "running statistics")
    if bn.running_mean is None:
        raise ValueError("fuse_conv_bn_eval: argument 'bn' must track running statistics (track_running_stats=True)")
    if bn.num_features != conv.out_channels:
        raise ValueError(f"fuse_conv_bn_eval: argument 'bn' must have {conv.out_channels} features (the conv's "
                         f"out_channels), got {bn.num_features}")
    fused = copy.deepcopy(conv)
    w = conv.weight.numpy().astype(np.float64)
    b = conv.bias.numpy().astype(np.float64) if conv.bias is not None else np.zeros(conv.out_channels)
    mean, var = (np.asarray(a.get() if hasattr(a, "get") else a, dtype=np.float64)
                 for a in (bn.running_mean, bn.running_var))
    gamma = bn.weight.numpy().astype(np.float64) if bn.weight is not None else np.ones(bn.num_features)
    beta = bn.bias.numpy().astype(np.float64) if bn.bias is not None else np.zeros(bn.num_features)
    scale = gamma / np.sqrt(var + bn.eps)
    dtype = conv.weight.dtype
    fused.weight = Parameter((w * scale[:, None, None, None]).astype(dtype))
    fused.bias = Parameter(((b - mean) * scale + beta).astype(dtype))
    if conv.weight.device != "cpu":
        fused.to(conv.weight.device)
    return fused


def fuse_conv_bn(model: Module) -> Module:
    """A copy of ``model`` for inference in which every Conv2d followed directly by a BatchNorm2d
    inside a Sequential is one fused Conv2d (the BatchNorm2d becomes an Identity, so that indices and
    state_dict keys of the other layers stay). The copy is in eval mode; ``model`` is unchanged.

    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU())
    >>> type(nn.utils.fuse_conv_bn(net)[1]).__name__
    'Identity'"""
    fused = copy.deepcopy(model).eval()
    for m in fused.modules():
        if not isinstance(m, Sequential):
            continue
        names = list(m._modules)
        for a, b in zip(names, names[1:]):
            conv, bn = m._modules[a], m._modules[b]
            if isinstance(conv, Conv2d) and isinstance(bn, BatchNorm2d) and bn.running_mean is not None:
                setattr(m, a, fuse_conv_bn_eval(conv, bn))
                setattr(m, b, Identity())
    return fused
