"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay (PyTorch's rule):

    g <- grad + wd * theta
    v <- mu * v + (1 - dampening) * g          (v = g on the first step)
    d <- g + mu * v  (Nesterov)  or  v
    theta <- theta - lr * d

The parameters of a group are updated by one call of the fused in-place kernel ``sgd_multi_step_``
of their backend (one pass over parameters, gradients and velocities).
"""
from __future__ import annotations

from ..autograd import no_grad
from ..kernels.checks import check_bool, check_real
from ..ops import xp_of
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        for name, value in (("lr", lr), ("momentum", momentum), ("dampening", dampening), ("weight_decay", weight_decay)):
            check_real("SGD", name, value)
        if lr <= 0:
            raise ValueError(f"SGD: argument 'lr' must be > 0, got {lr}")
        if momentum < 0:
            raise ValueError(f"SGD: argument 'momentum' must be >= 0, got {momentum}")
        if weight_decay < 0:
            raise ValueError(f"SGD: argument 'weight_decay' must be >= 0, got {weight_decay}")
        check_bool("SGD", "nesterov", nesterov)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                                      weight_decay=weight_decay))

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter with a gradient: one multi-tensor kernel call per group
        (and backend, dtype, first step); ``closure`` re-evaluates the loss first when given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            mu = group["momentum"]

            def prepare(state, data):
                if mu and "momentum_buffer" not in state:
                    state["momentum_buffer"] = xp_of(data).zeros_like(data)
                    return True  # the first step: the buffer becomes the gradient
                return False

            for (_, _, first), (k, params, grads, buffers) in self._step_lists(group, ("momentum_buffer",),
                                                                               prepare).items():
                k.sgd_multi_step_(params, grads, buffers if mu else None, group["lr"], mu, group["dampening"],
                                  group["nesterov"], group["weight_decay"], first)
        return loss
