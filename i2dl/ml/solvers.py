"""Second-order and quasi-Newton minimisers of a smooth function of a flat vector (§VI.1 of the
lecture): Newton's method, θ ← θ - H⁻¹∇f, and L-BFGS, which builds H⁻¹∇f from the last m steps
s = Δθ and gradient changes y = Δ∇f by the two-loop recursion (Nocedal & Wright, Alg. 7.4). Both
take steps along their direction by a backtracking line search on the Armijo condition
f(θ + td) ≤ f(θ) + c·t·∇fᵀd, so that a step never increases the objective.

NumPy arrays in, plain functions: the classic models of ``i2dl.ml`` fit with them.
"""
from __future__ import annotations

import numpy as np

ARMIJO_C = 1e-4


def _line_search(fun, theta, f, g, d, t=1.0, shrink=0.5, max_halvings=60):
    """(step t, f(θ + td), ∇f(θ + td)) with the Armijo condition met, or None when d is no descent."""
    slope = float(g @ d)
    if not slope < 0:
        return None
    for _ in range(max_halvings):
        f_new, g_new = fun(theta + t * d)
        if np.isfinite(f_new) and f_new <= f + ARMIJO_C * t * slope:
            return t, f_new, g_new
        t *= shrink
    return None


def newton(fun, hess, theta0, tol=1e-4, max_iter=100):
    """Minimises ``fun`` (θ -> (f, ∇f)) with Newton steps d = -H⁻¹∇f, ``hess`` (θ -> H) the Hessian.
    Stops when max |∇f| ≤ ``tol``. Returns (θ, iterations, converged). A singular H (as for a softmax
    whose scores can all shift by one constant) is solved in the least-squares sense, the step then
    has no part along H's null space."""
    theta = np.array(theta0, dtype=np.float64)
    f, g = fun(theta)
    for it in range(1, max_iter + 1):
        if np.max(np.abs(g)) <= tol:
            return theta, it - 1, True
        H = hess(theta)
        try:
            d = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            d = -np.linalg.lstsq(H, g, rcond=None)[0]
        found = _line_search(fun, theta, f, g, d)
        if found is None:                  # not a descent direction (H not positive definite here)
            d = -g
            found = _line_search(fun, theta, f, g, d, t=1.0 / max(1.0, np.linalg.norm(g)))
            if found is None:
                return theta, it, False
        t, f, g = found
        theta = theta + t * d
    return theta, max_iter, bool(np.max(np.abs(g)) <= tol)


def lbfgs(fun, theta0, tol=1e-4, max_iter=100, history=10):
    """Minimises ``fun`` (θ -> (f, ∇f)) by L-BFGS with ``history`` pairs (s, y). Stops when
    max |∇f| ≤ ``tol``. Returns (θ, iterations, converged)."""
    theta = np.array(theta0, dtype=np.float64)
    f, g = fun(theta)
    S, Y, rho = [], [], []
    for it in range(1, max_iter + 1):
        if np.max(np.abs(g)) <= tol:
            return theta, it - 1, True
        q = g.copy()                      # two-loop recursion: q ends as H⁻¹g
        alphas = []
        for s, y, r in zip(reversed(S), reversed(Y), reversed(rho)):
            a = r * (s @ q)
            alphas.append(a)
            q -= a * y
        gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if S else 1.0 / max(1.0, np.linalg.norm(g))
        q *= gamma                        # the initial H₀ = γI scales the step to the curvature seen
        for (s, y, r), a in zip(zip(S, Y, rho), reversed(alphas)):
            q += s * (a - r * (y @ q))
        found = _line_search(fun, theta, f, g, -q)
        if found is None:                 # a stale history: restart from steepest descent
            S, Y, rho = [], [], []
            found = _line_search(fun, theta, f, g, -g, t=1.0 / max(1.0, np.linalg.norm(g)))
            if found is None:
                return theta, it, bool(np.max(np.abs(g)) <= tol)
            d = -g
        else:
            d = -q
        t, f_new, g_new = found
        s, y = t * d, g_new - g
        sy = s @ y
        if sy > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):   # keep only pairs of positive curvature
            S.append(s); Y.append(y); rho.append(1.0 / sy)
            if len(S) > history:
                S.pop(0); Y.pop(0); rho.pop(0)
        theta, f, g = theta + s, f_new, g_new
    return theta, max_iter, bool(np.max(np.abs(g)) <= tol)
