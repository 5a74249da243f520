"""The optimizer base: parameter groups with their hyper-parameters, zero_grad, state."""
from __future__ import annotations

from ..ops import xp_of


class Optimizer:
    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for g in groups:
            group = dict(defaults)
            group.update(g)
            group["params"] = list(group["params"])
            self.param_groups.append(group)
        self.state = {}

    def zero_grad(self, set_to_none: bool = True):
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = xp_of(p.grad).zeros_like(p.grad)  # zeros, not grad * 0 (NaN * 0 is NaN)

    def step(self):
        raise NotImplementedError
