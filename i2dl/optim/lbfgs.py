"""L-BFGS (lecture §VI.1: "only if you can do full batch updates") with PyTorch's closure API,
arguments, defaults and state names. One ``step(closure)`` runs up to ``max_iter`` iterations::

    d = -H⁻¹∇f            H⁻¹ from the last ``history_size`` pairs (s = Δθ, y = Δ∇f), two-loop recursion
    θ <- θ + t d          t = lr, or a strong-Wolfe line search (``line_search_fn="strong_wolfe"``);
                          the first iteration's t = lr · min(1, 1/||∇f||₁)

and stops early when max|∇f| ≤ ``tolerance_grad``, when a step or the change of the loss is below
``tolerance_change``, or after ``max_eval`` evaluations of the closure. The parameters are one flat
vector of their dtype (every parameter of the single group, in order).
"""
from __future__ import annotations

import numpy as np

from ..autograd import enable_grad, no_grad
from ..kernels.checks import check_int, check_real
from ..ops import xp_of
from .optimizer import Optimizer
from .quasi_newton import strong_wolfe, two_loop


class LBFGS(Optimizer):
    """``step(closure)``: ``closure()`` clears the gradients, evaluates the loss, calls backward and
    returns the loss; the step returns the loss of its first evaluation.

    >>> w = i2dl.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad(); loss = ((w - 1.0) ** 2).sum(); loss.backward(); return loss
    >>> _ = opt.step(closure); [round(v, 4) for v in w.tolist()]
    [1.0, 1.0]"""

    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        fn = "LBFGS"
        if check_real(fn, "lr", lr) <= 0:
            raise ValueError(f"{fn}: argument 'lr' must be > 0, got {lr}")
        max_iter = check_int(fn, "max_iter", max_iter, 1)
        max_eval = max_iter * 5 // 4 if max_eval is None else check_int(fn, "max_eval", max_eval, 1)
        for name, value in (("tolerance_grad", tolerance_grad), ("tolerance_change", tolerance_change)):
            if check_real(fn, name, value) < 0:
                raise ValueError(f"{fn}: argument '{name}' must be >= 0, got {value}")
        history_size = check_int(fn, "history_size", history_size, 1)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"{fn}: argument 'line_search_fn' must be None or 'strong_wolfe', got {line_search_fn!r}")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError(f"{fn}: takes one parameter group (its parameters are one vector), got "
                             f"{len(self.param_groups)}")
        self._params_list = self.param_groups[0]["params"]

    # ------------------------------------------------------------ the parameters as one flat vector
    def _flat_grad(self):
        """The gradients as one vector (zeros for a parameter without one)."""
        parts = []
        for p in self._params_list:
            g = p.grad
            parts.append(xp_of(p.data).zeros(p.data.size, dtype=p.data.dtype) if g is None else g.reshape(-1))
        return xp_of(self._params_list[0].data).concatenate(parts)

    def _add(self, t, d):
        """θ <- θ + t d, in place (each parameter keeps its array)."""
        offset = 0
        for p in self._params_list:
            n = p.data.size
            p.data += (t * d[offset:offset + n]).reshape(p.data.shape).astype(p.data.dtype, copy=False)
            offset += n

    def _get(self):
        return [p.data.copy() for p in self._params_list]

    def _set(self, values):
        for p, v in zip(self._params_list, values):
            p.data[...] = v

    def _evaluate(self, closure):
        with enable_grad():
            loss = float(closure())
        return loss, self._flat_grad()

    @no_grad()
    def step(self, closure):
        """Up to ``max_iter`` L-BFGS iterations; returns the loss ``closure`` gave first."""
        if closure is None:
            raise ValueError("LBFGS.step: argument 'closure' is required (it re-evaluates the loss)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change, history = group["tolerance_grad"], group["tolerance_change"], group["history_size"]
        state = self.state.setdefault(id(self._params_list[0]), {"func_evals": 0, "n_iter": 0})

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if float(abs(g).max()) <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        steps, changes, rhos = state.get("old_stps", []), state.get("old_dirs", []), state.get("ro", [])
        gamma, g_prev, loss_prev = state.get("H_diag", 1.0), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, steps, changes, rhos, gamma = -g, [], [], [], 1.0
            else:
                y, s = g - g_prev, d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep only pairs of positive curvature (H stays positive definite)
                    if len(steps) == history:
                        steps.pop(0), changes.pop(0), rhos.pop(0)
                    steps.append(s), changes.append(y), rhos.append(1.0 / ys)
                    gamma = ys / float(y @ y)
                d = -two_loop(g, steps, changes, rhos, gamma)
            g_prev, loss_prev = g.copy(), loss
            t = min(1.0, 1.0 / float(abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tol_change:  # no descent left along d
                break
            ls_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x0 = self._get()

                def along(step):
                    self._add(step, d)
                    out = self._evaluate(closure)
                    self._set(x0)
                    return out

                loss, g, t, ls_evals = strong_wolfe(along, t, d, loss, g, gtd, tolerance_change=tol_change)
                self._add(t, d)
                converged = float(abs(g).max()) <= tol_grad
            else:
                self._add(t, d)
                converged = False
                if n_iter != max_iter:  # the last iteration's loss is the next step's first evaluation
                    loss, g = self._evaluate(closure)
                    converged = float(abs(g).max()) <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if (n_iter == max_iter or evals >= max_eval or converged
                    or float(abs(d * t).max()) <= tol_change or abs(loss - loss_prev) < tol_change):
                break
        state.update(d=d, t=t, old_dirs=changes, old_stps=steps, ro=rhos, H_diag=gamma, prev_flat_grad=g_prev,
                     prev_loss=loss_prev)
        return orig_loss

    # ------------------------------------------------------------ state: flat vectors, not per parameter
    def state_dict(self):
        """PyTorch's layout: the state of the first parameter holds the run (``func_evals``,
        ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``,
        ``prev_loss``), vectors as NumPy copies."""
        out = {"state": {}, "param_groups": [{**{k: v for k, v in self.param_groups[0].items() if k != "params"},
                                              "params": list(range(len(self._params_list)))}]}
        st = self.state.get(id(self._params_list[0]))
        if st is not None:
            out["state"][0] = {k: _host(v) for k, v in st.items()}
        return out

    def load_state_dict(self, state_dict):
        fn = "LBFGS.load_state_dict"
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if not isinstance(groups, list) or len(groups) != 1 or len(groups[0].get("params", ())) != len(self._params_list):
            raise ValueError(f"{fn}: the state must hold one parameter group of {len(self._params_list)} parameters")
        n = sum(p.data.size for p in self._params_list)
        st = dict(state_dict.get("state", {}).get(0, {}))
        xp, dtype = xp_of(self._params_list[0].data), self._params_list[0].data.dtype

        def vector(name, v):
            if getattr(v, "shape", None) != (n,):
                raise ValueError(f"{fn}: state '{name}' must be a vector of {n} entries (the parameters' total), "
                                 f"got shape {getattr(v, 'shape', None)}")
            return xp.asarray(v, dtype=dtype).copy()

        for name in ("d", "prev_flat_grad"):
            if st.get(name) is not None:
                st[name] = vector(name, st[name])
        for name in ("old_dirs", "old_stps"):
            if name in st:
                st[name] = [vector(f"{name}[{i}]", v) for i, v in enumerate(st[name])]
        if "ro" in st:
            st["ro"] = list(st["ro"])
        self.state = {id(self._params_list[0]): st} if st else {}
        self.param_groups[0].update({k: v for k, v in groups[0].items() if k != "params"})


def _host(v):
    if isinstance(v, list):
        return [_host(a) for a in v]
    if hasattr(v, "shape"):
        return np.array(v.get() if hasattr(v, "get") else v, copy=True)
    return v
