"""Nonlinear least squares (lecture §VI.1): minimise F(x) = ½ ||r(x)||² for a residual function r of
an i2dl Tensor, with the Jacobian J = ∂r/∂x from autograd (one backward pass per residual).

* Gauss-Newton (``method="gn"``): J δ ≈ -r in the least-squares sense (δ = -(JᵀJ)⁻¹Jᵀr), then a
  step halved until F decreases (a Gauss-Newton step is a descent direction but may overshoot).
* Levenberg-Marquardt (``method="lm"``, the default): (JᵀJ + λ D) δ = -Jᵀr with Marquardt's
  scaling D = diag(JᵀJ) (the largest seen per coordinate, as MINPACK keeps it, so that the
  problem's units do not matter), solved as the least-squares problem [J; √(λD)] δ ≈ [-r; 0]
  (no normal equations formed). The damping follows the gain ratio ρ = actual / predicted
  decrease (Nielsen's rule): on ρ > 0 the step is taken and λ ← λ·max(1/3, 1 - (2ρ - 1)³); on a
  failed step λ ← λ·ν, ν ← 2ν. λ starts at 10⁻³·max diag(JᵀJ). Small λ: Gauss-Newton; large λ:
  gradient descent with a short step.

Stopping rules as MINPACK and ``scipy.optimize.least_squares`` define them: ``ftol`` (the
decrease of F below ftol·F), ``xtol`` (||δ|| < xtol·(xtol + ||x||)), ``gtol`` (max|Jᵀr| < gtol),
and ``max_nfev`` evaluations of r (default 100·n). The result carries scipy's fields.
"""
from __future__ import annotations

import numpy as np

from ..autograd import enable_grad
from ..kernels.checks import check_int, check_real
from ..tensor import Tensor

MESSAGES = {0: "The maximum number of function evaluations is exceeded.",
            1: "`gtol` termination condition is satisfied.",
            2: "`ftol` termination condition is satisfied.",
            3: "`xtol` termination condition is satisfied.",
            4: "Both `ftol` and `xtol` termination conditions are satisfied."}


class OptimizeResult(dict):
    """The result of ``least_squares``, as scipy's: ``x``, ``cost`` (½||r||²), ``fun`` (r at x),
    ``jac``, ``grad`` (Jᵀr), ``optimality`` (max|Jᵀr|), ``nfev``, ``njev``, ``status``,
    ``message``, ``success``; attributes and keys both."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        return "OptimizeResult(" + ", ".join(f"{k}={v!r}" for k, v in self.items() if k != "jac") + ")"


class _Problem:
    """r and J at a point, counting the evaluations."""

    def __init__(self, fun, args, kwargs, n):
        self.fun, self.args, self.kwargs, self.n = fun, args, kwargs, n
        self.nfev = self.njev = 0

    def _call(self, x, grad):
        xt = Tensor(np.array(x, dtype=np.float64), requires_grad=grad)
        with enable_grad():
            r = self.fun(xt, *self.args, **self.kwargs)
        if not isinstance(r, Tensor):
            raise TypeError(f"least_squares: argument 'fun' must return an i2dl Tensor of residuals, got "
                            f"{type(r).__name__}")
        if r.ndim > 1:
            raise ValueError(f"least_squares: argument 'fun' must return at most 1-D residuals, got shape {r.shape}")
        return xt, r

    def residuals(self, x):
        self.nfev += 1
        _, r = self._call(x, False)
        return np.asarray(r.numpy(), dtype=np.float64).reshape(-1)

    def residuals_and_jacobian(self, x):
        """r(x) and J(x) (m, n): row i is the gradient of r_i, one backward pass each."""
        self.nfev += 1
        self.njev += 1
        xt, r = self._call(x, True)
        values = np.asarray(r.numpy(), dtype=np.float64).reshape(-1)
        m = values.size
        J = np.zeros((m, self.n))
        if not r.requires_grad:  # r does not depend on x
            return values, J
        flat = r.reshape(-1) if r.ndim == 0 else r
        for i in range(m):
            e = np.zeros(m, dtype=flat.dtype)
            e[i] = 1
            xt.grad = None
            flat.backward(e, retain_graph=i < m - 1)
            if xt.grad is not None:
                J[i] = np.asarray(xt.grad, dtype=np.float64).reshape(-1)
        return values, J


def least_squares(fun, x0, method="lm", ftol=1e-8, xtol=1e-8, gtol=1e-8, max_nfev=None, args=(), kwargs=None):
    """Minimises ½||fun(x)||² from ``x0``; ``fun(x, *args, **kwargs)`` takes a 1-D float64 Tensor and
    returns the residual Tensor (built from i2dl operations, so that autograd gives J).

    >>> t = np.linspace(0, 3, 20); y = 2.5 * np.exp(-1.3 * t)
    >>> fit = optim.least_squares(lambda p: p[0] * i2dl.exp(-p[1] * i2dl.tensor(t)) - i2dl.tensor(y), [1.0, 1.0])
    >>> fit.success, [round(v, 6) for v in fit.x.tolist()]
    (True, [2.5, 1.3])"""
    fn = "least_squares"
    if method not in ("lm", "gn"):
        raise ValueError(f"{fn}: argument 'method' must be 'lm' or 'gn', got {method!r}")
    x = np.array(x0.numpy() if isinstance(x0, Tensor) else x0, dtype=np.float64)
    if x.ndim > 1:
        raise ValueError(f"{fn}: argument 'x0' must be 1-D, got shape {x.shape}")
    x = x.reshape(-1)
    if not np.isfinite(x).all():
        raise ValueError(f"{fn}: argument 'x0' must be finite, got {x.tolist()}")
    for name, value in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol)):
        if check_real(fn, name, value) < 0:
            raise ValueError(f"{fn}: argument '{name}' must be >= 0, got {value}")
    n = x.size
    max_nfev = 100 * n if max_nfev is None else check_int(fn, "max_nfev", max_nfev, 1)
    problem = _Problem(fun, tuple(args), dict(kwargs or {}), n)
    r, J = problem.residuals_and_jacobian(x)
    if r.size < (1 if method == "lm" else 0) or not np.isfinite(r).all():
        raise ValueError(f"{fn}: the residuals at x0 must be finite and at least one, got {r.tolist()[:8]}")
    solve = _levenberg_marquardt if method == "lm" else _gauss_newton
    x, r, J, status = solve(problem, x, r, J, ftol, xtol, gtol, max_nfev)
    g = J.T @ r
    return OptimizeResult(x=x, cost=0.5 * float(r @ r), fun=r, jac=J, grad=g,
                          optimality=float(np.abs(g).max()) if g.size else 0.0, nfev=problem.nfev,
                          njev=problem.njev, status=status, message=MESSAGES[status], success=status > 0)


def _converged(dF, F, step, x, ftol, xtol, rho=1.0):
    """The status of an accepted step: 4 both, 2 ftol, 3 xtol, or 0 (go on). As scipy, the ftol
    test needs a step that the model predicted well (ρ > 1/4)."""
    f_ok = dF < ftol * F and rho > 0.25
    x_ok = np.linalg.norm(step) < xtol * (xtol + np.linalg.norm(x))
    return 4 if f_ok and x_ok else 2 if f_ok else 3 if x_ok else 0


def _levenberg_marquardt(problem, x, r, J, ftol, xtol, gtol, max_nfev):
    D = np.maximum(np.einsum("ij,ij->j", J, J), 1e-300)
    lam, nu = 1e-3 * float(D.max()), 2.0
    F = 0.5 * float(r @ r)
    while True:
        g = J.T @ r
        if np.abs(g).max() < gtol:
            return x, r, J, 1
        if problem.nfev >= max_nfev:
            return x, r, J, 0
        A = np.vstack([J, np.diag(np.sqrt(lam * D))])
        step = np.linalg.lstsq(A, np.concatenate([-r, np.zeros(x.size)]), rcond=None)[0]
        x_new = x + step
        r_new = problem.residuals(x_new)
        F_new = 0.5 * float(r_new @ r_new) if np.isfinite(r_new).all() else np.inf
        predicted = 0.5 * float(step @ (lam * D * step - g))  # F - (F + gᵀδ + ½δᵀJᵀJδ) for the damped δ
        rho = (F - F_new) / predicted if predicted > 0 else -1.0
        if rho > 0:
            status = _converged(F - F_new, F, step, x, ftol, xtol, rho)
            x, F = x_new, F_new
            r, J = problem.residuals_and_jacobian(x)
            D = np.maximum(D, np.einsum("ij,ij->j", J, J))
            lam *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
            nu = 2.0
            if status:
                return x, r, J, status
        else:
            lam, nu = lam * nu, 2.0 * nu
            if not np.isfinite(lam) or lam > 1e300:  # no step decreases F: x is a minimum to rounding
                return x, r, J, 3


def _gauss_newton(problem, x, r, J, ftol, xtol, gtol, max_nfev):
    F = 0.5 * float(r @ r)
    while True:
        g = J.T @ r
        if g.size == 0 or np.abs(g).max() < gtol:
            return x, r, J, 1
        if problem.nfev >= max_nfev:
            return x, r, J, 0
        step = np.linalg.lstsq(J, -r, rcond=None)[0]
        t = 1.0
        while True:  # halve until F decreases (δ is a descent direction: gᵀδ = -||Jδ||² < 0)
            x_new = x + t * step
            r_new = problem.residuals(x_new)
            F_new = 0.5 * float(r_new @ r_new) if np.isfinite(r_new).all() else np.inf
            if F_new < F or problem.nfev >= max_nfev or t < 1e-10:
                break
            t *= 0.5
        if not F_new < F:
            return x, r, J, 3 if t < 1e-10 else 0
        status = _converged(F - F_new, F, t * step, x, ftol, xtol)
        x, F = x_new, F_new
        r, J = problem.residuals_and_jacobian(x)
        if status:
            return x, r, J, status
