"""Optimizer steps, in place on the parameter and its state (the trailing underscore says so).

SGD with momentum, Nesterov and weight decay (PyTorch's rule)::

    g = grad + wd * p
    v = g                                   on the first step
    v = mu * v + (1 - dampening) * g        afterwards
    p = p - lr * (g + mu * v  if nesterov else  v)      (p - lr * g without momentum)

After a momentum update, velocities below the smallest normal number are flushed to zero: where
a gradient stays 0 (a dead ReLU) v decays into denormals, whose arithmetic is ~30x slower on
CPUs, while their effect on the parameter is far below its resolution.
"""
from __future__ import annotations

import numpy as np

from ..checks import check_sgd_step_


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
