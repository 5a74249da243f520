"""SyncBatchNorm: batch norm whose statistics are those of the global batch across the ranks of
``i2dl.distributed`` — exactly, by two small allreduces in the forward (per-channel sums and the
count, then the sums of squares about the global mean: the two-pass variance, no E[x²] - E[x]²
cancellation) and one in the backward (Σ dy and Σ dy·x̂ per channel):

    μ = Σ_ranks Σ x / n,  σ² = Σ_ranks Σ (x - μ)² / n,  x̂ = (x - μ) / √(σ² + eps),  y = γ x̂ + β
    dx = γ / √(σ² + eps) · (dy - Σ_ranks Σ dy / n - x̂ · Σ_ranks Σ dy·x̂ / n)

n the global count per channel (ranks may hold different batch sizes). dγ and dβ are this rank's
sums; DistributedDataParallel averages them with the other gradients. The running statistics are
updated with the global μ and the unbiased global variance, so they agree on every rank. Outside
training, or in a world of one process, it is BatchNorm."""
from __future__ import annotations

import numpy as np

from .. import distributed as dist
from ..autograd import Function
from ..ops import xp_of
from .norm import _BatchNorm


def _reduce_sum(xp, a):
    a = xp.ascontiguousarray(a)
    dist.all_reduce(a)
    return a


class SyncBatchNormFunction(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, factor, eps):
        xp = xp_of(x)
        C = x.shape[1]
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, C) + (1,) * (x.ndim - 2)
        local = np.prod([x.shape[a] for a in axes])
        s = _reduce_sum(xp, xp.concatenate([x.sum(axis=axes, dtype=xp.float64), xp.full(1, float(local))]))
        n = float(s[-1])
        if n <= 1:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel when training across the ranks, "
                             f"got input of size {tuple(x.shape)} on this rank and {int(n)} values in all")
        mean = s[:C] / n
        d = x.astype(xp.float64) - mean.reshape(shape)
        var = _reduce_sum(xp, (d * d).sum(axis=axes)) / n
        invstd = 1.0 / xp.sqrt(var + eps)
        xhat = d * invstd.reshape(shape)
        y = xhat
        if weight is not None:
            y = y * weight.astype(xp.float64).reshape(shape) + bias.astype(xp.float64).reshape(shape)
        if running_mean is not None:
            running_mean[...] = ((1 - factor) * running_mean + factor * mean).astype(running_mean.dtype)
            running_var[...] = ((1 - factor) * running_var + factor * var * n / (n - 1)).astype(running_var.dtype)
        ctx.xhat, ctx.invstd, ctx.n, ctx.shape, ctx.axes, ctx.weight = xhat, invstd, n, shape, axes, weight
        ctx.dtype = x.dtype
        return y.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        C = ctx.xhat.shape[1]
        g64 = g.astype(xp.float64)
        local_dy = g64.sum(axis=ctx.axes)
        local_dyx = (g64 * ctx.xhat).sum(axis=ctx.axes)
        s = _reduce_sum(xp, xp.concatenate([local_dy, local_dyx]))
        mean_dy, mean_dyx = (s[:C] / ctx.n).reshape(ctx.shape), (s[C:] / ctx.n).reshape(ctx.shape)
        scale = ctx.invstd if ctx.weight is None else ctx.invstd * ctx.weight.astype(xp.float64)
        dx = scale.reshape(ctx.shape) * (g64 - mean_dy - ctx.xhat * mean_dyx)
        dw = local_dyx.astype(ctx.dtype) if ctx.weight is not None else None
        db = local_dy.astype(ctx.dtype) if ctx.weight is not None else None
        return dx.astype(ctx.dtype), dw, db


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C, *) with the global batch's statistics across the ranks (PyTorch's
    arguments; ``process_group`` is accepted, the world is the group).

    >>> nn.SyncBatchNorm(3)(i2dl.randn(4, 3, 5)).shape
    (4, 3, 5)"""
    _ndims, _what = (2, 3, 4, 5), "2-D to 5-D (N, C, *)"

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, dtype=np.float32):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)
        self.process_group = process_group

    def forward(self, x):
        if not self.training or dist.get_world_size() == 1:
            return super().forward(x)
        self._check_input(x, self._ndims, self._what)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked[...] += 1
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        return SyncBatchNormFunction.apply(x, self.weight, self.bias, running_mean=self.running_mean,
                                           running_var=self.running_var, factor=factor, eps=self.eps)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm holding the same parameters
        and buffers (the module itself when it is one)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            sync = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                       process_group, dtype=module.running_mean.dtype if module.running_mean is not None
                       else module.weight.dtype)
            if module.affine:
                sync.weight, sync.bias = module.weight, module.bias
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                b = getattr(module, name)
                if b is not None:
                    sync.register_buffer(name, b)
            sync.train(module.training)
            return sync
        for name, child in list(module.named_children()):
            new = cls.convert_sync_batchnorm(child, process_group)
            if new is not child:
                module.add_module(name, new)
        return module
