"""Transfer learning helpers (lecture §IX.7, §XI.1: train a new head on a frozen backbone, then
fine-tune the rest with a smaller learning rate). Parameters are chosen by name patterns in
``fnmatch``'s syntax over ``named_parameters()`` ("features.*", "layer4.*", "fc.weight")."""
from __future__ import annotations

import fnmatch


def _matching(module, patterns, fn):
    if isinstance(patterns, str):
        patterns = (patterns,)
    patterns = tuple(patterns)
    if not patterns or not all(isinstance(p, str) for p in patterns):
        raise TypeError(f"{fn}: argument 'patterns' must be a name pattern or a list of them, got {patterns!r}")
    named = list(module.named_parameters())
    chosen = [(n, p) for n, p in named if any(fnmatch.fnmatchcase(n, pat) for pat in patterns)]
    if not chosen:
        raise ValueError(f"{fn}: no parameter name matches {list(patterns)} (the names are like "
                         f"{[n for n, _ in named[:3]]})")
    return chosen


def freeze(module, patterns="*"):
    """``requires_grad = False`` on every parameter whose name matches a pattern (default: all);
    returns their names. Frozen parameters get no gradient, so optimizers skip them.

    >>> m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> nn.utils.freeze(m, "0.*")
    ['0.weight', '0.bias']"""
    chosen = _matching(module, patterns, "freeze")
    for _, p in chosen:
        p.requires_grad_(False)
    return [n for n, _ in chosen]


def unfreeze(module, patterns="*"):
    """``requires_grad = True`` on every parameter whose name matches a pattern; returns their names."""
    chosen = _matching(module, patterns, "unfreeze")
    for _, p in chosen:
        p.requires_grad_(True)
    return [n for n, _ in chosen]


def param_groups(module, lrs, trainable_only=True):
    """Optimizer parameter groups by name pattern: ``lrs`` maps patterns to learning rates, the
    first matching pattern (in the mapping's order) taking a parameter; a parameter no pattern
    matches is an error (end with "*" for the rest). With ``trainable_only`` frozen parameters are
    left out. Returns [{"params": [...], "lr": lr}, ...] for any i2dl.optim optimizer.

    >>> m = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    >>> [(len(g["params"]), g["lr"]) for g in nn.utils.param_groups(m, {"0.*": 1e-4, "*": 1e-2})]
    [(2, 0.0001), (2, 0.01)]"""
    fn = "param_groups"
    if not isinstance(lrs, dict) or not lrs:
        raise TypeError(f"{fn}: argument 'lrs' must be a non-empty dict of name pattern -> learning rate, got "
                        f"{lrs!r}")
    groups = {pat: [] for pat in lrs}
    for name, p in module.named_parameters():
        if trainable_only and not p.requires_grad:
            continue
        pat = next((pat for pat in lrs if fnmatch.fnmatchcase(name, pat)), None)
        if pat is None:
            raise ValueError(f"{fn}: parameter '{name}' matches no pattern of {list(lrs)}; add '*' for the rest")
        groups[pat].append(p)
    return [{"params": ps, "lr": lrs[pat]} for pat, ps in groups.items() if ps]
