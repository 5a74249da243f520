"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay (PyTorch's rule):

    g <- grad + wd * theta
    v <- mu * v + (1 - dampening) * g          (v = g on the first step)
    d <- g + mu * v  (Nesterov)  or  v
    theta <- theta - lr * d

Each parameter is updated by the fused in-place kernel ``sgd_step_`` of its backend (one pass
over parameter, gradient and velocity).
"""
from __future__ import annotations

from .. import kernels
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
    def step(self):
        for group in self.param_groups:
            lr, mu = group["lr"], group["momentum"]
            for p, grad in self._with_grads(group):
                k = kernels.for_array(p.data)
                velocity, first = None, False
                if mu:
                    state = self.state.setdefault(id(p), {})
                    velocity = state.get("momentum_buffer")
                    if velocity is None:
                        velocity = state["momentum_buffer"] = xp_of(p.data).zeros_like(p.data)
                        first = True
                k.sgd_step_(p.data, grad, velocity, lr, mu, group["dampening"], group["nesterov"],
                            group["weight_decay"], first)
