"""The pieces of the quasi-Newton methods (lecture §VI.1; Nocedal & Wright, *Numerical Optimization*,
2nd ed.), on flat vectors of NumPy or CuPy:

* ``two_loop``: the L-BFGS product H⁻¹g from the last m steps s = Δθ and gradient changes
  y = Δ∇f (Alg. 7.4), with H₀ = γI;
* ``strong_wolfe``: a line search for a step t meeting the strong Wolfe conditions
  f(θ + td) ≤ f(θ) + c₁ t ∇fᵀd and |∇f(θ + td)ᵀd| ≤ c₂ |∇fᵀd| (Alg. 3.5 and 3.6, bracketing then
  zooming by cubic interpolation), the search PyTorch's L-BFGS uses, so that the two take the
  same steps.
"""
from __future__ import annotations

import math


def two_loop(g, steps, changes, rhos, gamma):
    """H⁻¹g for the L-BFGS inverse Hessian built from pairs (s_i, y_i), ρ_i = 1 / y_iᵀs_i, oldest
    first, starting from H₀ = γI. Returns a new vector."""
    q = g.copy()
    alphas = [0.0] * len(steps)
    for i in range(len(steps) - 1, -1, -1):
        alphas[i] = float(steps[i] @ q) * rhos[i]
        q -= alphas[i] * changes[i]
    r = q * gamma
    for i in range(len(steps)):
        beta = float(changes[i] @ r) * rhos[i]
        r += (alphas[i] - beta) * steps[i]
    return r


def cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to
    ``bounds`` (default: between x1 and x2); the bounds' midpoint when the cubic has no minimum
    (Nocedal & Wright, eq. 3.59)."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, lo), hi)


def strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d from the point where the loss is f, the gradient g and the slope gtd = gᵀd
    (< 0), meeting the strong Wolfe conditions. ``evaluate(t)`` returns (loss, gradient) at θ + td.
    Returns (loss, gradient, t, evaluations) at the step taken."""
    d_norm = float(abs(d).max())
    f_new, g_new = evaluate(t)
    evals, ls_iter = 1, 0
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    bracket = None
    # bracketing: grow t until the interval [t_prev, t] holds a point meeting the conditions
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = [[t, f_new, g_new, gtd_new]], True
            break
        if gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        t_next = cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        gtd_new = float(g_new @ d)
    if ls_iter == max_ls:
        bracket = [[0.0, f, g, gtd], [t, f_new, g_new, gtd_new]]
    # zoom: shrink the bracket by cubic interpolation until a point meets the conditions
    insufficient = False
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    while not done and ls_iter < max_ls:
        (a, fa, _, ga), (b, fb, _, gb) = bracket
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = cubic_minimum(a, fa, ga, b, fb, gb)
        top, bottom = max(a, b), min(a, b)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too near an end: move it inside, or note the slow progress
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        gtd_new = float(g_new @ d)
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new, gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = [t, f_new, g_new, gtd_new]
    t, f_new, g_new, _ = bracket[low] if len(bracket) > 1 else bracket[0]
    return f_new, g_new, t, evals
