"""RMSprop and Adagrad with PyTorch's rules, arguments and state names (``square_avg``,
``grad_avg``, ``momentum_buffer``; ``sum``, ``step``); the parameters of a group are updated by one
call of the fused in-place kernel ``rmsprop_multi_step_`` / ``adagrad_multi_step_`` of their backend
(per dtype and step count; formulas: ``i2dl.kernels.reference.optim``)."""
from __future__ import annotations

from ..autograd import no_grad
from ..kernels.checks import check_bool, check_real
from ..ops import xp_of
from .optimizer import Optimizer


def _nonnegative(fn, **values):
    for name, value in values.items():
        if check_real(fn, name, value) < 0:
            raise ValueError(f"{fn}: argument '{name}' must be >= 0, got {value}")


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of its recent magnitudes.

    >>> w = i2dl.tensor([1.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01, alpha=0.0)
    >>> (w * 2.0).sum().backward(); opt.step(); round(w.item(), 4)
    0.99"""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, *,
                 maximize=False):
        _nonnegative("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        check_bool("RMSprop", "centered", centered)
        check_bool("RMSprop", "maximize", maximize)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    @no_grad()
    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            momentum, centered = group["momentum"], group["centered"]

            def prepare(state, data):
                xp = xp_of(data)
                if not state:
                    state["step"], state["square_avg"] = 0, xp.zeros_like(data)
                if momentum > 0 and "momentum_buffer" not in state:
                    state["momentum_buffer"] = xp.zeros_like(data)
                if centered and "grad_avg" not in state:
                    state["grad_avg"] = xp.zeros_like(data)
                state["step"] += 1

            for k, params, grads, square_avgs, grad_avgs, buffers in self._step_lists(
                    group, ("square_avg", "grad_avg", "momentum_buffer"), prepare).values():
                k.rmsprop_multi_step_(params, grads, square_avgs, grad_avgs if centered else None,
                                      buffers if momentum > 0 else None, group["lr"], group["alpha"], group["eps"],
                                      group["weight_decay"], momentum, centered, group["maximize"])
        return loss


class Adagrad(Optimizer):
    """Adagrad: per-parameter learning rates from the sum of squared gradients.

    >>> w = i2dl.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.1)
    >>> (w * 3.0).sum().backward(); opt.step(); round(w.item(), 4)
    0.9"""

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, *,
                 maximize=False):
        _nonnegative("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                     initial_accumulator_value=initial_accumulator_value, eps=eps)
        check_bool("Adagrad", "maximize", maximize)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize))
        for group in self.param_groups:  # PyTorch creates Adagrad's state at construction
            for p in group["params"]:
                self.state[id(p)] = {"step": 0, "sum": xp_of(p.data).full_like(
                    p.data, group["initial_accumulator_value"])}

    @no_grad()
    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            def prepare(state, data):
                state["step"] += 1
                return state["step"]

            for (_, _, step), (k, params, grads, sums) in self._step_lists(group, ("sum",), prepare).items():
                k.adagrad_multi_step_(params, grads, sums, step, group["lr"], group["lr_decay"], group["weight_decay"],
                                      group["eps"], group["maximize"])
        return loss
