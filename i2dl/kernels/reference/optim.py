"""Optimizer steps, in place on the parameter and its state (the trailing underscore says so).

SGD with momentum, Nesterov and weight decay (PyTorch's rule)::

    g = grad + wd * p
    v = g                                   on the first step
    v = mu * v + (1 - dampening) * g        afterwards
    p = p - lr * (g + mu * v  if nesterov else  v)      (p - lr * g without momentum)

After a momentum update, velocities below the smallest normal number are flushed to zero: where
a gradient stays 0 (a dead ReLU) v decays into denormals, whose arithmetic is ~30x slower on
CPUs, while their effect on the parameter is far below its resolution.

Adam (Kingma & Ba) with PyTorch's rule and state names, at step t >= 1 (counted before the call)::

    g = -grad if maximize else grad
    p = p * (1 - lr * wd)                   decoupled weight decay (AdamW)
    g = g + wd * p                          L2 weight decay (Adam)
    m = m + (1 - beta1) * (g - m)           exp_avg: the first moment
    v = beta2 * v + (1 - beta2) * g^2       exp_avg_sq: the second moment
    v_max = max(v_max, v)                   max_exp_avg_sq, with amsgrad (and v_max replaces v below)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

RMSprop (Hinton) and Adagrad (Duchi et al.), PyTorch's rules and state names::

    g = +-grad + wd * p
    s = alpha * s + (1 - alpha) * g^2                          square_avg
    a = a + (1 - alpha) * (g - a);  d = sqrt(s - a^2) + eps    grad_avg (centered), else d = sqrt(s) + eps
    b = mu * b + g / d;  p = p - lr * b                        momentum_buffer (momentum > 0), else p -= lr g / d

    g = +-grad + wd * p;  S = S + g^2;  p = p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(S) + eps)   (Adagrad, sum)

Each step has a multi-tensor form, ``<optimizer>_multi_step_``: the same step on every parameter of
a list in one call (lists of parameters, gradients and states; the compiled backends spread their
threads over the lists' total length). And for gradient clipping over many tensors::

    total_norm(x_1..x_k, p) = (sum_i sum_j |x_ij|^p)^(1/p)       max_ij |x_ij| for p = inf
    mul_multi_:   x_i <- factor * x_i          clamp_multi_:   x_i <- min(max(x_i, min), max)
"""
from __future__ import annotations

import numpy as np

from ..compose import each_tensor
from ..checks import (check_adagrad_multi_step_, check_adagrad_step_, check_adam_multi_step_, check_adam_step_,
                      check_clamp_multi_, check_mul_multi_, check_rmsprop_multi_step_, check_rmsprop_step_,
                      check_sgd_multi_step_, check_sgd_step_, check_total_norm)


def sgd_step_(param, grad, velocity, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
              first_step=False):
    check_sgd_step_(param, grad, velocity, lr, momentum, dampening, nesterov, weight_decay, first_step)
    g = grad + weight_decay * param if weight_decay else grad
    if momentum == 0:
        param -= (lr * g).astype(param.dtype)
        return
    if first_step:
        velocity[...] = g
    else:
        velocity *= momentum
        velocity += (1 - dampening) * g
        velocity[np.abs(velocity) < np.finfo(velocity.dtype).tiny] = 0
    step = g + momentum * velocity if nesterov else velocity
    param -= (lr * step).astype(param.dtype)


def adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, step=1, lr=1e-3, beta1=0.9, beta2=0.999,
               eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False, decoupled_weight_decay=False):
    """Updates param, exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad) in place."""
    check_adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay,
                     amsgrad, maximize, decoupled_weight_decay)
    dt = param.dtype
    g = -grad.astype(np.float64) if maximize else grad.astype(np.float64)
    p = param.astype(np.float64)
    if weight_decay:
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    m = exp_avg + (1 - beta1) * (g - exp_avg)
    v = beta2 * exp_avg_sq + (1 - beta2) * g * g
    exp_avg[...], exp_avg_sq[...] = m.astype(dt), v.astype(dt)
    if amsgrad:
        max_exp_avg_sq[...] = np.maximum(max_exp_avg_sq, v).astype(dt)
        v = max_exp_avg_sq.astype(np.float64)
    denom = np.sqrt(v) / np.sqrt(1 - beta2 ** step) + eps
    param[...] = (p - lr / (1 - beta1 ** step) * m / denom).astype(dt)


def adam_multi_step_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs=None, step=1, lr=1e-3, beta1=0.9,
                     beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
                     decoupled_weight_decay=False):
    """``adam_step_`` on every parameter of a list (one call; the compiled backends spread their
    threads over the list's total length)."""
    check_adam_multi_step_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps,
                           weight_decay, amsgrad, maximize, decoupled_weight_decay)
    each_tensor(adam_step_, [params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs if amsgrad else None], step=step,
                lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                decoupled_weight_decay=decoupled_weight_decay)


def sgd_multi_step_(params, grads, momentum_buffers=None, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                    weight_decay=0.0, first_step=False):
    """``sgd_step_`` on every parameter of a list (one call)."""
    check_sgd_multi_step_(params, grads, momentum_buffers, lr, momentum, dampening, nesterov, weight_decay, first_step)
    each_tensor(sgd_step_, [params, grads, momentum_buffers if momentum != 0 else None], lr=lr, momentum=momentum,
                dampening=dampening, nesterov=nesterov, weight_decay=weight_decay, first_step=first_step)


def rmsprop_multi_step_(params, grads, square_avgs, grad_avgs=None, momentum_buffers=None, lr=1e-2, alpha=0.99,
                        eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    """``rmsprop_step_`` on every parameter of a list (one call)."""
    check_rmsprop_multi_step_(params, grads, square_avgs, grad_avgs, momentum_buffers, lr, alpha, eps, weight_decay,
                              momentum, centered, maximize)
    each_tensor(rmsprop_step_, [params, grads, square_avgs, grad_avgs if centered else None,
                                momentum_buffers if momentum > 0 else None], lr=lr, alpha=alpha, eps=eps,
                weight_decay=weight_decay, momentum=momentum, centered=centered, maximize=maximize)


def adagrad_multi_step_(params, grads, state_sums, step=1, lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10,
                        maximize=False):
    """``adagrad_step_`` on every parameter of a list (one call)."""
    check_adagrad_multi_step_(params, grads, state_sums, step, lr, lr_decay, weight_decay, eps, maximize)
    each_tensor(adagrad_step_, [params, grads, state_sums], step=step, lr=lr, lr_decay=lr_decay,
                weight_decay=weight_decay, eps=eps, maximize=maximize)


def total_norm(tensors, norm_type=2.0):
    """The p-norm of the concatenated arrays, as a Python float computed in float64 (NaN if any
    entry is NaN, for every p; 0.0 for an empty list)."""
    p = check_total_norm(tensors, norm_type)
    a = np.concatenate([np.abs(t.astype(np.float64)).reshape(-1) for t in tensors]) if tensors else np.zeros(0)
    if np.isnan(a).any():
        return float("nan")
    if not a.size:
        return 0.0
    if np.isinf(p):
        return float(a.max())
    return float((a ** p).sum() ** (1.0 / p))


def mul_multi_(tensors, factor):
    """x <- factor * x for every array x of the list, in place."""
    factor = check_mul_multi_(tensors, factor)
    for t in tensors:
        t[...] = (t * factor).astype(t.dtype)


def clamp_multi_(tensors, min, max):
    """x <- min(max(x, min), max) for every array x of the list, in place (NaN stays NaN)."""
    lo, hi = check_clamp_multi_(tensors, min, max)
    for t in tensors:
        t[...] = np.clip(t, lo, hi)


def rmsprop_step_(param, grad, square_avg, grad_avg=None, momentum_buffer=None, lr=1e-2, alpha=0.99, eps=1e-8,
                  weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    """Updates param, square_avg (grad_avg, momentum_buffer) in place."""
    check_rmsprop_step_(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
                        centered, maximize)
    dt = param.dtype
    g = -grad.astype(np.float64) if maximize else grad.astype(np.float64)
    if weight_decay:
        g = g + weight_decay * param
    s = alpha * square_avg + (1 - alpha) * g * g
    square_avg[...] = s.astype(dt)
    if centered:
        a = grad_avg + (1 - alpha) * (g - grad_avg)
        grad_avg[...] = a.astype(dt)
        d = np.sqrt(square_avg - grad_avg.astype(np.float64) ** 2) + eps
    else:
        d = np.sqrt(square_avg.astype(np.float64)) + eps
    if momentum > 0:
        b = momentum * momentum_buffer + g / d
        momentum_buffer[...] = b.astype(dt)
        param[...] = (param - lr * momentum_buffer.astype(np.float64)).astype(dt)
    else:
        param[...] = (param - lr * g / d).astype(dt)


def adagrad_step_(param, grad, state_sum, step=1, lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10,
                  maximize=False):
    """Updates param and state_sum in place (at step t >= 1, counted before the call)."""
    check_adagrad_step_(param, grad, state_sum, step, lr, lr_decay, weight_decay, eps, maximize)
    dt = param.dtype
    g = -grad.astype(np.float64) if maximize else grad.astype(np.float64)
    if weight_decay:
        g = g + weight_decay * param
    state_sum[...] = (state_sum + g * g).astype(dt)
    clr = lr / (1 + (step - 1) * lr_decay)
    param[...] = (param - clr * g / (np.sqrt(state_sum.astype(np.float64)) + eps)).astype(dt)
