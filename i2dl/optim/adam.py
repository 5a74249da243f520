"""Adam and AdamW (Kingma & Ba, 2015; Loshchilov & Hutter, 2019) with PyTorch's rule, arguments and
state names (``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``)::

    m <- beta1 m + (1 - beta1) g            v <- beta2 v + (1 - beta2) g^2
    theta <- theta - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

Adam adds ``weight_decay * theta`` to g (L2); AdamW decays theta by ``1 - lr * weight_decay``
first (decoupled). A step is one call of the fused in-place kernel ``adam_multi_step_`` per
parameter group (and backend, dtype and step count): one pass over every parameter, its gradient
and its state (see ``i2dl.kernels.reference.adam_step_``).
"""
from __future__ import annotations

from ..autograd import no_grad
from ..kernels.checks import check_bool, check_real
from ..ops import xp_of
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam (``decoupled_weight_decay=True``: AdamW).

    >>> w = i2dl.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]"""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False):
        fn = type(self).__name__
        for name, value in (("lr", lr), ("eps", eps), ("weight_decay", weight_decay)):
            if check_real(fn, name, value) < 0:
                raise ValueError(f"{fn}: argument '{name}' must be >= 0, got {value}")
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise TypeError(f"{fn}: argument 'betas' must be a pair of reals, got {betas!r}") from None
        for i, b in enumerate((b1, b2)):
            if not 0 <= check_real(fn, "betas", b) < 1:
                raise ValueError(f"{fn}: argument 'betas' must lie in [0, 1), got betas[{i}] = {b}")
        for name, value in (("amsgrad", amsgrad), ("maximize", maximize),
                            ("decoupled_weight_decay", decoupled_weight_decay)):
            check_bool(fn, name, value)
        super().__init__(params, dict(lr=lr, betas=(float(b1), float(b2)), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter with a gradient; ``closure`` (re-evaluating the loss) is
        called first when given, and its loss returned."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            b1, b2 = group["betas"]
            amsgrad = group["amsgrad"]

            def prepare(state, data):
                if not state:
                    xp = xp_of(data)
                    state.update(step=0, exp_avg=xp.zeros_like(data), exp_avg_sq=xp.zeros_like(data))
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = xp_of(data).zeros_like(data)
                state["step"] += 1
                return state["step"]

            # one multi-tensor call per (backend, dtype, step count): the GIL released once and the
            # threads spread over the parameters' total length, not one call per tensor
            for (_, _, step), (k, params, grads, exp_avgs, exp_avg_sqs, maxes) in self._step_lists(
                    group, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), prepare).items():
                k.adam_multi_step_(params, grads, exp_avgs, exp_avg_sqs, maxes if amsgrad else None, step,
                                   group["lr"], b1, b2, group["eps"], group["weight_decay"], amsgrad,
                                   group["maximize"], group["decoupled_weight_decay"])
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2, as PyTorch's AdamW).

    >>> w = i2dl.tensor([1.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * 0.0).sum().backward(); opt.step(); round(w.item(), 4)
    0.95"""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
