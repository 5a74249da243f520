"""The optimizer base: parameter groups with their hyper-parameters, zero_grad, state."""
from __future__ import annotations

import numpy as np

from .. import kernels
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

    def _step_lists(self, group, names, prepare):
        """The parameters of ``group`` that have a gradient, gathered for one multi-tensor kernel call
        per (array type, dtype, batch key): {key: [backend, params, grads, state[name] for each of
        ``names``]} (lists of arrays; None where a parameter's state has no such entry).
        ``prepare(state, data)`` creates a parameter's missing state (and counts its step) and
        returns the batch key (the step count where the kernel takes one); a state left empty is
        not kept. Gradients are made C-contiguous."""
        batches, states = {}, self.state
        for p in group["params"]:
            grad = p.grad
            if grad is None or not p.requires_grad:
                continue
            data = p.data
            if not grad.flags.c_contiguous:
                grad = grad.copy()
            state = states.get(id(p))
            if state is None:
                state = {}
                key = prepare(state, data)
                if state:
                    states[id(p)] = state
            else:
                key = prepare(state, data)
            key = (type(data), data.dtype, key)
            lists = batches.get(key)
            if lists is None:
                lists = batches[key] = [kernels.for_array(data), [], []] + [[] for _ in names]
            lists[1].append(data)
            lists[2].append(grad)
            for j, name in enumerate(names):
                lists[3 + j].append(state.get(name))
        return batches

    @staticmethod
    def _closure_loss(closure):
        """The loss of ``closure`` (which re-evaluates the model) with gradients on, or None."""
        if closure is None:
            return None
        from ..autograd import enable_grad
        with enable_grad():
            return closure()

    # ---------------------------------------------------------------- state, as PyTorch lays it out
    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self):
        """{"state": {index: {name: array or int}}, "param_groups": [{hyper-parameters, "params": [index]}]},
        the parameters numbered in group order (PyTorch's layout and state names); arrays are copies
        on the CPU."""
        index = {id(p): i for i, p in enumerate(self._params())}
        state = {}
        for pid, st in self.state.items():
            if pid in index:
                state[index[pid]] = {k: (np.array(v.get() if hasattr(v, "get") else v, copy=True)
                                         if hasattr(v, "shape") else v) for k, v in st.items()}
        groups, start = [], 0
        for group in self.param_groups:
            g = {k: v for k, v in group.items() if k != "params"}
            g["params"] = list(range(start, start + len(group["params"])))
            start += len(group["params"])
            groups.append(g)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restores hyper-parameters and state saved by ``state_dict`` (into arrays on each parameter's
        device and of its dtype), so that training resumes exactly where it stopped."""
        fn = f"{type(self).__name__}.load_state_dict"
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            raise ValueError(f"{fn}: the state has {len(groups) if isinstance(groups, list) else 'no'} parameter "
                             f"groups, this optimizer {len(self.param_groups)}")
        for own, saved in zip(self.param_groups, groups):
            if len(saved.get("params", ())) != len(own["params"]):
                raise ValueError(f"{fn}: a parameter group of {len(own['params'])} parameters got a saved group of "
                                 f"{len(saved.get('params', ()))}")
        params = self._params()
        self.state = {}
        for i, st in state_dict.get("state", {}).items():
            p = params[int(i)]
            restored = {}
            for k, v in st.items():
                if hasattr(v, "shape"):
                    if tuple(np.shape(v)) != tuple(p.shape):
                        raise ValueError(f"{fn}: state '{k}' of parameter {i} has shape {tuple(np.shape(v))}, the "
                                         f"parameter {tuple(p.shape)}")
                    a = np.array(v, dtype=p.dtype, copy=True)
                    restored[k] = a if isinstance(p.data, np.ndarray) else xp_of(p.data).asarray(a)
                else:
                    restored[k] = v
            self.state[id(p)] = restored
        for own, saved in zip(self.param_groups, groups):
            own.update({k: v for k, v in saved.items() if k != "params"})
