"""Normalization layers (lecture §VIII.3-4): batch norm, and for small batches layer, instance and
group norm. All share one formula over a set B of elements of x:

    mu = (1/|B|) sum_B x          var = (1/|B|) sum_B (x - mu)^2          (biased)
    x_hat = (x - mu) / sqrt(var + eps)          y = gamma * x_hat + beta

and one backward, for g = gamma * dL/dy:

    dL/dx = (1/sqrt(var + eps)) * (g - mean_B(g) - x_hat * mean_B(g * x_hat))
    dL/dgamma = sum dL/dy * x_hat          dL/dbeta = sum dL/dy      (over every axis but gamma's)

They differ in B. With x seen as (N, C, S), S the product of the spatial dims:

* batch norm: B = one channel over the batch and space (N*S elements), gamma per channel; in
  training the running statistics follow  r <- (1 - momentum) r + momentum * stat,  with the
  unbiased variance var * |B| / (|B| - 1) (as PyTorch); in eval the running statistics replace
  mu and var, and the backward is the per-channel affine map  dL/dx = gamma * dL/dy / sqrt(var + eps);
* group norm: B = one image's group of C/G channels (C/G * S elements), gamma per channel;
  instance norm is G = C (and may keep running statistics per channel like batch norm, averaged
  over the batch);
* layer norm: B = one row's trailing dims (``normalized_shape``), gamma per element of them.

Every forward returns y and the saved state its backward takes: mu and 1/sqrt(var + eps) of each
set B. The statistics here are NumPy's two-pass mean and variance, so x = 1e4 + N(0, 1) keeps its
variance (E[x^2] - E[x]^2 would cancel it away in float32). An empty set has mu = 0, var = 0.
"""
from __future__ import annotations

import numpy as np

from ..checks import (check_batch_norm_backward, check_batch_norm_forward, check_group_norm_backward,
                      check_group_norm_forward, check_layer_norm_backward, check_layer_norm_forward)


def _moments(x3, axes):
    """(mu, biased var) over ``axes`` of x3, two-pass, in float64; 0 and 0 over an empty set."""
    x3 = x3.astype(np.float64)
    if x3.size == 0 or any(x3.shape[a] == 0 for a in axes):
        shape = [d for i, d in enumerate(x3.shape) if i not in axes]
        return np.zeros(shape), np.zeros(shape)
    mu = x3.mean(axis=axes)
    return mu, ((x3 - np.expand_dims(mu, axes)) ** 2).mean(axis=axes)


def _update_running(running, stat, momentum):
    running[...] = ((1 - momentum) * running.astype(np.float64) + momentum * stat).astype(running.dtype)


def _gamma(a, C):
    return np.ones(C) if a is None else a.astype(np.float64)


def batch_norm_forward(x, running_mean=None, running_var=None, weight=None, bias=None, training=True, momentum=0.1,
                       eps=1e-5):
    """y (like x), mean (C,), invstd (C,) = 1/sqrt(var + eps); running stats updated in place in training."""
    launch = check_batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum, eps)
    N, C, S = (launch.sizes[k] for k in "NCS")
    x3 = x.reshape(N, C, S).astype(np.float64)
    if training:
        mu, var = _moments(x3, (0, 2))
        if running_mean is not None and N * S > 0:
            _update_running(running_mean, mu, momentum)
            _update_running(running_var, var * (N * S) / (N * S - 1), momentum)
    else:
        mu, var = running_mean.astype(np.float64), running_var.astype(np.float64)
    invstd = 1 / np.sqrt(var + eps)
    gamma = _gamma(weight, C)
    beta = np.zeros(C) if bias is None else bias.astype(np.float64)
    y = (x3 - mu[:, None]) * (invstd * gamma)[:, None] + beta[:, None]
    return y.reshape(x.shape).astype(x.dtype), mu.astype(x.dtype), invstd.astype(x.dtype)


def batch_norm_backward(dy, x, mean, invstd, weight=None, training=True):
    """dx (like x), dweight (C,), dbias (C,): through the batch statistics in training, through the
    per-channel affine map in eval."""
    launch = check_batch_norm_backward(dy, x, mean, invstd, weight, training)
    N, C, S = (launch.sizes[k] for k in "NCS")
    x3, g3 = x.reshape(N, C, S).astype(np.float64), dy.reshape(N, C, S).astype(np.float64)
    mu, inv = mean.astype(np.float64)[:, None], invstd.astype(np.float64)[:, None]
    gamma = _gamma(weight, C)[:, None]
    x_hat = (x3 - mu) * inv
    dbias, dweight = g3.sum(axis=(0, 2)), (g3 * x_hat).sum(axis=(0, 2))
    if training and N * S > 0:
        dx = gamma * inv * (g3 - dbias[:, None] / (N * S) - x_hat * dweight[:, None] / (N * S))
    else:
        dx = gamma * inv * g3
    return dx.reshape(x.shape).astype(x.dtype), dweight.astype(x.dtype), dbias.astype(x.dtype)


def group_norm_forward(x, num_groups, weight=None, bias=None, eps=1e-5, running_mean=None, running_var=None,
                       momentum=0.1):
    """y (like x), mean (N, G), invstd (N, G). With running statistics (G,), as instance norm keeps
    them: r <- (1 - momentum) r + momentum * (the batch mean of each group's mu / unbiased var)."""
    launch = check_group_norm_forward(x, num_groups, weight, bias, eps, running_mean, running_var, momentum)
    N, C, S, G = (launch.sizes[k] for k in "NCSG")
    xg = x.reshape(N, G, (C // G) * S).astype(np.float64)
    mu, var = _moments(xg, (2,))
    if running_mean is not None and N > 0:
        m = (C // G) * S
        _update_running(running_mean, mu.mean(axis=0), momentum)
        _update_running(running_var, (var * m / (m - 1)).mean(axis=0), momentum)
    invstd = 1 / np.sqrt(var + eps)
    x_hat = ((xg - mu[:, :, None]) * invstd[:, :, None]).reshape(N, C, S)
    gamma = _gamma(weight, C)[:, None]
    beta = (np.zeros(C) if bias is None else bias.astype(np.float64))[:, None]
    return (x_hat * gamma + beta).reshape(x.shape).astype(x.dtype), mu.astype(x.dtype), invstd.astype(x.dtype)


def group_norm_backward(dy, x, mean, invstd, num_groups, weight=None):
    """dx (like x), dweight (C,), dbias (C,)."""
    launch = check_group_norm_backward(dy, x, mean, invstd, num_groups, weight)
    N, C, S, G = (launch.sizes[k] for k in "NCSG")
    m = (C // G) * S
    x3, g3 = x.reshape(N, C, S).astype(np.float64), dy.reshape(N, C, S).astype(np.float64)
    mu = np.repeat(mean.astype(np.float64), C // G, axis=1)[:, :, None]     # (N, C, 1)
    inv = np.repeat(invstd.astype(np.float64), C // G, axis=1)[:, :, None]
    x_hat = (x3 - mu) * inv
    dbias, dweight = g3.sum(axis=(0, 2)), (g3 * x_hat).sum(axis=(0, 2))
    g = g3 * _gamma(weight, C)[:, None]                     # gamma * dL/dy
    gg, xg = g.reshape(N, G, m), x_hat.reshape(N, G, m)
    mean_g = gg.mean(axis=2, keepdims=True) if m else gg.sum(axis=2, keepdims=True)
    mean_gx = (gg * xg).mean(axis=2, keepdims=True) if m else mean_g
    dx = inv.reshape(N, C, 1).repeat(S, axis=2).reshape(N, G, m) * (gg - mean_g - xg * mean_gx)
    return dx.reshape(x.shape).astype(x.dtype), dweight.astype(x.dtype), dbias.astype(x.dtype)


def layer_norm_forward(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """y (like x), mean and invstd of the leading shape."""
    launch = check_layer_norm_forward(x, normalized_shape, weight, bias, eps)
    M, D = launch.sizes["M"], launch.sizes["D"]
    lead = launch.outputs["mean"][0]
    x2 = x.reshape(M, D).astype(np.float64)
    mu, var = _moments(x2, (1,))
    invstd = 1 / np.sqrt(var + eps)
    gamma = np.ones(D) if weight is None else weight.reshape(D).astype(np.float64)
    beta = np.zeros(D) if bias is None else bias.reshape(D).astype(np.float64)
    y = (x2 - mu[:, None]) * invstd[:, None] * gamma + beta
    return y.reshape(x.shape).astype(x.dtype), mu.reshape(lead).astype(x.dtype), invstd.reshape(lead).astype(x.dtype)


def layer_norm_backward(dy, x, mean, invstd, normalized_shape, weight=None):
    """dx (like x), dweight and dbias of ``normalized_shape``."""
    launch = check_layer_norm_backward(dy, x, mean, invstd, normalized_shape, weight)
    M, D = launch.sizes["M"], launch.sizes["D"]
    shape = launch.outputs["dweight"][0]
    x2, g2 = x.reshape(M, D).astype(np.float64), dy.reshape(M, D).astype(np.float64)
    mu, inv = mean.reshape(M, 1).astype(np.float64), invstd.reshape(M, 1).astype(np.float64)
    x_hat = (x2 - mu) * inv
    dbias, dweight = g2.sum(axis=0), (g2 * x_hat).sum(axis=0)
    g = g2 * (np.ones(D) if weight is None else weight.reshape(D).astype(np.float64))
    if D:
        dx = inv * (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).mean(axis=1, keepdims=True))
    else:
        dx = g
    return (dx.reshape(x.shape).astype(x.dtype), dweight.reshape(shape).astype(x.dtype),
            dbias.reshape(shape).astype(x.dtype))
