"""Hyper-parameter search (§VI of the lecture): grid search tries every combination of a few values
per parameter; random search draws each parameter from its own distribution — learning rates
log-uniformly — which explores more distinct values of the parameters that matter for the same
number of trials (Bergstra & Bengio, 2012). Each trial is scored on the validation split only; the
caller retrains the best configuration and touches the test split once, at the end."""
from __future__ import annotations

import itertools
import math
import numbers
import time

import numpy as np


class LogUniform:
    """exp(U(log low, log high)): scale parameters such as learning rates and weight decays."""

    def __init__(self, low, high):
        if not (isinstance(low, numbers.Real) and isinstance(high, numbers.Real) and 0 < low < high):
            raise ValueError(f"LogUniform: needs 0 < low < high, got low={low!r}, high={high!r}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng):
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def __repr__(self):
        return f"LogUniform({self.low:g}, {self.high:g})"


class Uniform:
    """U(low, high)."""

    def __init__(self, low, high):
        if not (isinstance(low, numbers.Real) and isinstance(high, numbers.Real) and low < high):
            raise ValueError(f"Uniform: needs low < high, got low={low!r}, high={high!r}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng):
        return float(rng.uniform(self.low, self.high))

    def __repr__(self):
        return f"Uniform({self.low:g}, {self.high:g})"


class IntUniform:
    """An integer uniform in [low, high], both ends included."""

    def __init__(self, low, high):
        if not (isinstance(low, numbers.Integral) and isinstance(high, numbers.Integral) and low <= high):
            raise ValueError(f"IntUniform: needs integers low <= high, got low={low!r}, high={high!r}")
        self.low, self.high = int(low), int(high)

    def sample(self, rng):
        return int(rng.integers(self.low, self.high + 1))

    def __repr__(self):
        return f"IntUniform({self.low}, {self.high})"


class Choice:
    """One of ``values``, each equally likely (a grid takes them all)."""

    def __init__(self, values):
        values = list(values)
        if not values:
            raise ValueError("Choice: needs at least one value")
        self.values = values

    def sample(self, rng):
        return self.values[int(rng.integers(len(self.values)))]

    def __repr__(self):
        return f"Choice({self.values!r})"


def _check_space(fn, space):
    if not isinstance(space, dict) or not space:
        raise ValueError(f"{fn}: argument 'space' must be a non-empty dict of parameter name -> values, got {space!r}")


def _run(objective, configs, log):
    results = []
    for i, config in enumerate(configs):
        t0 = time.perf_counter()
        out = objective(dict(config))
        extra = dict(out) if isinstance(out, dict) else {"score": out}
        if "score" not in extra or not isinstance(extra["score"], numbers.Real):
            raise ValueError(f"search: the objective must return a number or a dict with a 'score', got {out!r}")
        row = {"trial": i, "config": dict(config), **extra, "seconds": round(time.perf_counter() - t0, 2)}
        results.append(row)
        if log:
            log(f"trial {i + 1}/{len(configs)}: {_fmt_config(config)} -> score {float(row['score']):.4f}")
    # best first; NaN scores (a diverged trial) last
    return sorted(results, key=lambda r: (math.isnan(r["score"]), -r["score"] if not math.isnan(r["score"]) else 0))


def grid_search(objective, space, log=print):
    """Scores ``objective(config)`` (higher is better: a validation accuracy, or minus a loss) on every
    combination of ``space`` ({name: list of values, or a Choice}); returns the results sorted best
    first, each {"trial", "config", "score", ..., "seconds"}."""
    _check_space("grid_search", space)
    axes = {}
    for name, values in space.items():
        if isinstance(values, Choice):
            values = values.values
        if not isinstance(values, (list, tuple)) or not values:
            raise ValueError(f"grid_search: parameter {name!r} needs a non-empty list of values (a grid), got {values!r}")
        axes[name] = list(values)
    configs = [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]
    return _run(objective, configs, log)


def random_search(objective, space, trials=10, seed=0, log=print):
    """Scores ``objective(config)`` on ``trials`` configurations drawn from ``space`` ({name:
    LogUniform | Uniform | IntUniform | Choice | a list (a Choice) | a constant}) with a generator
    seeded by ``seed``; returns the results sorted best first."""
    _check_space("random_search", space)
    if not (isinstance(trials, numbers.Integral) and trials >= 1):
        raise ValueError(f"random_search: argument 'trials' must be an integer >= 1, got {trials!r}")
    rng = np.random.default_rng(seed)
    dists = {k: Choice(v) if isinstance(v, (list, tuple)) else v for k, v in space.items()}
    configs = [{k: (d.sample(rng) if hasattr(d, "sample") else d) for k, d in dists.items()} for _ in range(trials)]
    return _run(objective, configs, log)


def _fmt_config(config):
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in config.items())


def results_table(results) -> str:
    """The results as a text table, best first."""
    lines = [f"{'rank':>4}  {'score':>8}  {'seconds':>7}  config"]
    for rank, r in enumerate(results, 1):
        lines.append(f"{rank:>4}  {float(r['score']):8.4f}  {r['seconds']:7.1f}  {_fmt_config(r['config'])}")
    return "\n".join(lines)
