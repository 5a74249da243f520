"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay (PyTorch's rule):

    g <- grad + wd * theta
    v <- mu * v + (1 - dampening) * g          (v = g on the first step)
    d <- g + mu * v  (Nesterov)  or  v
    theta <- theta - lr * d
"""
from __future__ import annotations

from ..autograd import no_grad
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        if lr <= 0:
            raise ValueError(f"SGD: argument 'lr' must be > 0, got {lr}")
        if momentum < 0:
            raise ValueError(f"SGD: argument 'momentum' must be >= 0, got {momentum}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                                      weight_decay=weight_decay))

    @no_grad()
    def step(self):
        for group in self.param_groups:
            lr, mu, damp = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None or not p.requires_grad:
                    continue
                g = p.grad
                if wd:
                    g = g + wd * p.data
                if mu:
                    v = self.state.get(id(p))
                    if v is None:
                        v = g.copy()
                        self.state[id(p)] = v
                    else:
                        v *= mu
                        v += (1 - damp) * g
                    g = g + mu * v if nesterov else v
                p.data -= (lr * g).astype(p.dtype, copy=False)
