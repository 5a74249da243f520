"""Newton's method for small parameter vectors (lecture §VI.1: a second-order method, "only if you
can do full batch updates"), with the closure API of L-BFGS::

    θ <- θ - lr · (H + λI)⁻¹ ∇f

H is the Hessian of the loss at θ from the autograd gradient: its columns are central differences
of gradients, H[:, j] = (∇f(θ + h_j e_j) - ∇f(θ - h_j e_j)) / 2h_j, computed in float64 with
h_j = ε^(1/3) · max(1, |θ_j|) (ε of the parameters' dtype: the step that balances truncation and
rounding error), then symmetrised; 2n gradient evaluations for n parameters, which is why Newton is
for small n. (i2dl's autograd has no second derivatives, so differences of exact gradients are
the most exact Hessian it can give; for a quadratic loss they are exact up to rounding.)

The damped solve stays a descent direction when H is not positive definite: λ starts at
``damping`` and grows (×10 from 10⁻³·max|diag H|) until H + λI has a Cholesky factor (Nocedal &
Wright, Alg. 3.3), so that -(H + λI)⁻¹∇f always points downhill. ``line_search_fn="backtracking"``
halves the step until the loss decreases by the Armijo condition.
"""
from __future__ import annotations

import numpy as np

from ..autograd import enable_grad, no_grad
from ..kernels.checks import check_int, check_real
from ..ops import xp_of
from .optimizer import Optimizer


class Newton(Optimizer):
    """``step(closure)`` runs up to ``max_iter`` Newton iterations; ``closure()`` clears the
    gradients, evaluates the loss, calls backward and returns the loss.

    >>> w = i2dl.tensor([3.0, -1.0], dtype="float64", requires_grad=True)
    >>> opt = optim.Newton([w])
    >>> def closure():
    ...     opt.zero_grad(); loss = ((w - 1.0) ** 2).sum() * 2.0; loss.backward(); return loss
    >>> _ = opt.step(closure); [round(v, 6) for v in w.tolist()]
    [1.0, 1.0]"""

    MAX_PARAMETERS = 4096  # the Hessian has n² entries and costs 2n evaluations of the gradient

    def __init__(self, params, lr=1.0, damping=0.0, max_iter=1, tolerance_grad=1e-10, line_search_fn=None):
        fn = "Newton"
        if check_real(fn, "lr", lr) <= 0:
            raise ValueError(f"{fn}: argument 'lr' must be > 0, got {lr}")
        if check_real(fn, "damping", damping) < 0:
            raise ValueError(f"{fn}: argument 'damping' must be >= 0, got {damping}")
        max_iter = check_int(fn, "max_iter", max_iter, 1)
        if check_real(fn, "tolerance_grad", tolerance_grad) < 0:
            raise ValueError(f"{fn}: argument 'tolerance_grad' must be >= 0, got {tolerance_grad}")
        if line_search_fn not in (None, "backtracking"):
            raise ValueError(f"{fn}: argument 'line_search_fn' must be None or 'backtracking', got {line_search_fn!r}")
        super().__init__(params, dict(lr=lr, damping=damping, max_iter=max_iter, tolerance_grad=tolerance_grad,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError(f"{fn}: takes one parameter group (its parameters are one vector), got "
                             f"{len(self.param_groups)}")
        self._params_list = self.param_groups[0]["params"]
        n = sum(p.data.size for p in self._params_list)
        if n > self.MAX_PARAMETERS:
            raise ValueError(f"{fn}: argument 'params' holds {n} parameters; Newton's method forms the n x n Hessian "
                             f"(at most {self.MAX_PARAMETERS}); use LBFGS for larger problems")

    def _theta(self):
        return np.concatenate([_host(p.data).reshape(-1).astype(np.float64) for p in self._params_list])

    def _set(self, theta):
        offset = 0
        for p in self._params_list:
            n = p.data.size
            value = theta[offset:offset + n].reshape(p.data.shape).astype(p.data.dtype)
            p.data[...] = value if isinstance(p.data, np.ndarray) else xp_of(p.data).asarray(value)
            offset += n

    def _evaluate(self, closure, theta):
        """(loss, gradient as float64) at θ."""
        self._set(theta)
        with enable_grad():
            loss = float(closure())
        parts = [np.zeros(p.data.size) if p.grad is None else _host(p.grad).reshape(-1).astype(np.float64)
                 for p in self._params_list]
        return loss, np.concatenate(parts)

    def hessian(self, closure, theta=None):
        """The symmetrised central-difference Hessian of the loss at θ (default: the parameters now),
        as a float64 (n, n) array; the parameters are left as they were."""
        theta0 = self._theta()
        theta = theta0 if theta is None else np.asarray(theta, dtype=np.float64)
        eps = max(float(np.finfo(p.data.dtype).eps) for p in self._params_list)
        h = eps ** (1.0 / 3.0) * np.maximum(1.0, np.abs(theta))
        n = theta.size
        H = np.empty((n, n))
        for j in range(n):
            e = np.zeros(n)
            e[j] = h[j]
            _, g_plus = self._evaluate(closure, theta + e)
            _, g_minus = self._evaluate(closure, theta - e)
            H[:, j] = (g_plus - g_minus) / (2.0 * h[j])
        self._set(theta0)
        return 0.5 * (H + H.T)

    @staticmethod
    def damped_direction(H, g, damping=0.0):
        """(d, λ): d = -(H + λI)⁻¹ g with the smallest λ ≥ ``damping`` of the sequence damping,
        10⁻³·s, 10⁻²·s, ... (s = max(max|diag H|, 1e-12)) for which H + λI is positive definite."""
        n = H.shape[0]
        scale = max(float(np.abs(np.diag(H)).max()) if n else 0.0, 1e-12)
        lam = float(damping)
        for _ in range(40):
            try:
                L = np.linalg.cholesky(H + lam * np.eye(n))
            except np.linalg.LinAlgError:
                lam = max(10.0 * lam, 1e-3 * scale)
                continue
            z = np.linalg.solve(L, -g)
            return np.linalg.solve(L.T, z), lam
        return -g / scale, lam  # not reached for a finite H: a large λ makes any symmetric H definite

    @no_grad()
    def step(self, closure):
        """Up to ``max_iter`` damped Newton iterations; returns the loss ``closure`` gave first."""
        if closure is None:
            raise ValueError("Newton.step: argument 'closure' is required (it re-evaluates the loss)")
        group = self.param_groups[0]
        state = self.state.setdefault(id(self._params_list[0]), {"n_iter": 0, "func_evals": 0})
        theta = self._theta()
        first = None
        for _ in range(group["max_iter"]):
            loss, g = self._evaluate(closure, theta)
            state["func_evals"] += 1
            first = loss if first is None else first
            if not np.abs(g).max() > group["tolerance_grad"]:
                break
            H = self.hessian(closure, theta)
            state["func_evals"] += 2 * theta.size
            d, state["damping"] = self.damped_direction(H, g, group["damping"])
            t = group["lr"]
            if group["line_search_fn"] == "backtracking":
                slope = float(g @ d)
                for _ in range(50):
                    f_new, _ = self._evaluate(closure, theta + t * d)
                    state["func_evals"] += 1
                    if f_new <= loss + 1e-4 * t * slope:
                        break
                    t *= 0.5
            theta = theta + t * d
            state["n_iter"] += 1
        self._set(theta)
        return first


def _host(a):
    return a.get() if hasattr(a, "get") else np.asarray(a)
