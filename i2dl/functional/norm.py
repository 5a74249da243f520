"""Normalization on the kernel triad (``batch_norm_*``, ``group_norm_*``, ``layer_norm_*``): the
formulas, the sets each one normalises over and the running statistics are in
``i2dl.kernels.reference.norm``."""
from __future__ import annotations

from .. import kernels
from ..autograd import Function, GraphTensor
from ..ops import contiguous_array


def _data(a):
    """A running statistic as the array the kernel updates in place (a Tensor's own data)."""
    return a.data if isinstance(a, GraphTensor) else a


class BatchNormFunction(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel; the running statistics (arrays,
    not inputs of the graph) are updated in place by the forward kernel when training."""

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, running_mean=None, running_var=None, training=True, momentum=0.1,
                eps=1e-5):
        x, weight, bias = contiguous_array(x), contiguous_array(weight), contiguous_array(bias)
        ctx.k = kernels.for_array(x)
        y, mean, invstd = ctx.k.batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum, eps)
        ctx.x, ctx.weight, ctx.mean, ctx.invstd, ctx.training = x, weight, mean, invstd, training
        ctx.has_weight, ctx.has_bias = weight is not None, bias is not None
        return y

    @staticmethod
    def backward(ctx, g):
        dx, dw, db = ctx.k.batch_norm_backward(contiguous_array(g), ctx.x, ctx.mean, ctx.invstd, ctx.weight,
                                               ctx.training)
        return dx, (dw if ctx.has_weight else None), (db if ctx.has_bias else None)


class GroupNormFunction(Function):
    """Group norm (instance norm at num_groups = C), optionally with running statistics per group."""

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, num_groups=1, eps=1e-5, running_mean=None, running_var=None,
                momentum=0.1):
        x, weight, bias = contiguous_array(x), contiguous_array(weight), contiguous_array(bias)
        ctx.k = kernels.for_array(x)
        y, mean, invstd = ctx.k.group_norm_forward(x, num_groups, weight, bias, eps, running_mean, running_var,
                                                   momentum)
        ctx.x, ctx.weight, ctx.mean, ctx.invstd, ctx.num_groups = x, weight, mean, invstd, num_groups
        ctx.has_weight, ctx.has_bias = weight is not None, bias is not None
        return y

    @staticmethod
    def backward(ctx, g):
        dx, dw, db = ctx.k.group_norm_backward(contiguous_array(g), ctx.x, ctx.mean, ctx.invstd, ctx.num_groups,
                                               ctx.weight)
        return dx, (dw if ctx.has_weight else None), (db if ctx.has_bias else None)


class LayerNormFunction(Function):
    """Layer norm over the trailing ``normalized_shape`` dims, elementwise affine."""

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
        x, weight, bias = contiguous_array(x), contiguous_array(weight), contiguous_array(bias)
        ctx.k = kernels.for_array(x)
        y, mean, invstd = ctx.k.layer_norm_forward(x, normalized_shape, weight, bias, eps)
        ctx.x, ctx.weight, ctx.mean, ctx.invstd, ctx.shape = x, weight, mean, invstd, normalized_shape
        ctx.has_weight, ctx.has_bias = weight is not None, bias is not None
        return y

    @staticmethod
    def backward(ctx, g):
        dx, dw, db = ctx.k.layer_norm_backward(contiguous_array(g), ctx.x, ctx.mean, ctx.invstd, ctx.shape, ctx.weight)
        return dx, (dw if ctx.has_weight else None), (db if ctx.has_bias else None)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch norm: y = (x - mu_c) / sqrt(var_c + eps) * weight_c + bias_c, per channel (dim 1).

    input (N, C), (N, C, L) or (N, C, H, W); running_mean, running_var (C,) arrays or None; weight,
    bias (C,) or None. Training: mu, var over (N, *) (var biased), and the running statistics
    updated in place, r <- (1 - momentum) r + momentum * stat (var unbiased); eval: the running
    statistics. Reference: ``i2dl.kernels.reference.batch_norm_forward``.

    >>> x = i2dl.randn(8, 3, 4, 4)
    >>> y = F.batch_norm(x, None, None, training=True)
    >>> abs(float(y.numpy()[:, 0].mean())) < 1e-5
    True"""
    return BatchNormFunction.apply(input, weight, bias, running_mean=_data(running_mean),
                                   running_var=_data(running_var), training=training, momentum=momentum, eps=eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group norm: each image's C/num_groups channels of a group normalised together,
    y = (x - mu_ng) / sqrt(var_ng + eps) * weight_c + bias_c.

    input (N, C, *), weight, bias (C,) or None. Reference: ``i2dl.kernels.reference.group_norm_forward``.

    >>> F.group_norm(i2dl.randn(2, 6, 5, 5), 3).shape
    (2, 6, 5, 5)"""
    return GroupNormFunction.apply(input, weight, bias, num_groups=num_groups, eps=eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance norm: every (image, channel) plane normalised by its own statistics (group norm with
    one channel per group); with running statistics (C,) they track the batch mean of the planes'
    statistics, and ``use_input_stats=False`` normalises with them instead (eval).

    input (N, C, *). Reference: ``i2dl.kernels.reference.group_norm_forward`` at num_groups = C.

    >>> F.instance_norm(i2dl.randn(2, 3, 8)).shape
    (2, 3, 8)"""
    if not use_input_stats:
        return BatchNormFunction.apply(input, weight, bias, running_mean=_data(running_mean),
                                       running_var=_data(running_var), training=False, momentum=momentum, eps=eps)
    return GroupNormFunction.apply(input, weight, bias, num_groups=int(input.shape[1]) if input.ndim > 1 else 1,
                                   eps=eps, running_mean=_data(running_mean), running_var=_data(running_var),
                                   momentum=momentum)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer norm: each row's trailing ``normalized_shape`` dims normalised together,
    y = (x - mu_row) / sqrt(var_row + eps) * weight + bias (weight, bias of ``normalized_shape``).

    Reference: ``i2dl.kernels.reference.layer_norm_forward``.

    >>> y = F.layer_norm(i2dl.randn(4, 10), (10,))
    >>> abs(float(y.numpy()[0].mean())) < 1e-5
    True"""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    return LayerNormFunction.apply(input, weight, bias, normalized_shape=shape, eps=eps)
