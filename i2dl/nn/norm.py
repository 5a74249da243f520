"""Normalization layers with PyTorch's constructor arguments, defaults and parameter/buffer names
(``weight``, ``bias``, ``running_mean``, ``running_var``, ``num_batches_tracked``), so state_dicts
move between the two. The formulas are in ``i2dl.kernels.reference.norm``."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..kernels.checks import check_bool, check_int, check_real
from .module import Module, Parameter


def _check_momentum(fn, momentum):
    return None if momentum is None else check_real(fn, "momentum", momentum)


class _NormBase(Module):
    """Per-channel affine parameters and (optionally) running statistics over ``num_features`` channels."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=np.float32):
        super().__init__()
        fn = type(self).__name__
        self.num_features = check_int(fn, "num_features", num_features, 1)
        self.eps = check_real(fn, "eps", eps, minimum=0)
        self.momentum = _check_momentum(fn, momentum)
        self.affine = check_bool(fn, "affine", affine)
        self.track_running_stats = check_bool(fn, "track_running_stats", track_running_stats)
        C = self.num_features
        self.weight = Parameter(np.ones(C, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(C, dtype=dtype)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(C, dtype=dtype))
            self.register_buffer("running_var", np.ones(C, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def _check_input(self, x, ndims, what):
        fn = type(self).__name__
        if x.ndim not in ndims:
            raise ValueError(f"{fn}: argument 'input' must be {what}, got {x.ndim}-D with shape {tuple(x.shape)}")
        if int(x.shape[1]) != self.num_features:
            raise ValueError(f"{fn}: argument 'input' must have {self.num_features} channels (dim 1), "
                             f"got shape {tuple(x.shape)}")

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _ndims, _what = (), ""

    def forward(self, x):
        self._check_input(x, self._ndims, self._what)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked[...] += 1
            # momentum=None: the cumulative average, 1/k at the k-th batch (as PyTorch)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L): y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias per
    channel, statistics over the batch (and L) in training, the running statistics in eval.

    >>> bn = nn.BatchNorm1d(4)
    >>> bn(i2dl.randn(8, 4)).shape
    (8, 4)"""
    _ndims, _what = (2, 3), "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W), per channel (see BatchNorm1d).

    >>> bn = nn.BatchNorm2d(3)
    >>> sorted(bn.state_dict())
    ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']"""
    _ndims, _what = (4,), "4-D (N, C, H, W)"


class _InstanceNorm(_NormBase):
    _batched = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 dtype=np.float32):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def forward(self, x):
        unbatched = x.ndim == self._batched - 1
        if unbatched:
            x = x.reshape((1,) + tuple(x.shape))
        self._check_input(x, (self._batched,), self._what)
        use_input_stats = self.training or not self.track_running_stats
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
                            0.1 if self.momentum is None else self.momentum, self.eps)
        return y.reshape(tuple(y.shape[1:])) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) (or unbatched (C, L)): each (image, channel) row normalised by its
    own statistics; affine and running statistics off by default, as PyTorch.

    >>> nn.InstanceNorm1d(3)(i2dl.randn(2, 3, 10)).shape
    (2, 3, 10)"""
    _batched, _what = 3, "3-D (N, C, L) or 2-D (C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) (or unbatched (C, H, W)), each plane by its own statistics.

    >>> nn.InstanceNorm2d(3, affine=True)(i2dl.randn(2, 3, 5, 5)).shape
    (2, 3, 5, 5)"""
    _batched, _what = 4, "4-D (N, C, H, W) or 3-D (C, H, W)"


class LayerNorm(Module):
    """Layer norm over the trailing ``normalized_shape`` dims, weight and bias of that shape.

    >>> ln = nn.LayerNorm(16)
    >>> ln(i2dl.randn(4, 16)).shape
    (4, 16)"""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=np.float32):
        super().__init__()
        fn = "LayerNorm"
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape = tuple(check_int(fn, "normalized_shape", v, 1) for v in shape)
        if not self.normalized_shape:
            raise ValueError("LayerNorm: argument 'normalized_shape' must name at least one dim, got ()")
        self.eps = check_real(fn, "eps", eps, minimum=0)
        self.elementwise_affine = check_bool(fn, "elementwise_affine", elementwise_affine)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype)) if elementwise_affine and bias else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group norm: the channels in ``num_groups`` groups, each image's group normalised together;
    per-channel weight and bias.

    >>> nn.GroupNorm(2, 6)(i2dl.randn(3, 6, 4, 4)).shape
    (3, 6, 4, 4)"""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=np.float32):
        super().__init__()
        fn = "GroupNorm"
        self.num_groups = check_int(fn, "num_groups", num_groups, 1)
        self.num_channels = check_int(fn, "num_channels", num_channels, 1)
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: argument 'num_groups' ({num_groups}) must divide num_channels "
                             f"({num_channels})")
        self.eps = check_real(fn, "eps", eps, minimum=0)
        self.affine = check_bool(fn, "affine", affine)
        self.weight = Parameter(np.ones(self.num_channels, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_channels, dtype=dtype)) if affine else None

    def forward(self, x):
        if x.ndim < 2 or int(x.shape[1]) != self.num_channels:
            raise ValueError(f"GroupNorm: argument 'input' must have {self.num_channels} channels (dim 1), "
                             f"got shape {tuple(x.shape)}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
