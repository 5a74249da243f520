"""Grid and random search: every combination, draws from each distribution, best first."""
import math

import numpy as np
import pytest

from i2dl.train import Choice, IntUniform, LogUniform, Uniform, grid_search, random_search, results_table


def test_grid_search_tries_every_combination_best_first():
    seen = []

    def objective(cfg):
        seen.append(cfg)
        return -(math.log10(cfg["lr"]) + 2) ** 2 - 0.01 * cfg["batch_size"]
    results = grid_search(objective, {"lr": [1e-3, 1e-2, 1e-1], "batch_size": Choice([16, 64])}, log=None)
    assert len(seen) == 6 and {(c["lr"], c["batch_size"]) for c in seen} == {(a, b) for a in (1e-3, 1e-2, 1e-1) for b in (16, 64)}
    assert results[0]["config"] == {"lr": 1e-2, "batch_size": 16}
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert "rank" in results_table(results) and "lr=0.01" in results_table(results)


def test_random_search_draws_from_each_distribution_reproducibly():
    space = {"lr": LogUniform(1e-4, 1e-1), "momentum": Uniform(0.5, 0.99), "width": IntUniform(8, 12),
             "act": ["relu", "tanh"], "epochs": 3}
    a = random_search(lambda c: {"score": c["lr"], "note": c["act"]}, space, trials=200, seed=1, log=None)
    b = random_search(lambda c: c["lr"], space, trials=200, seed=1, log=None)
    assert [r["config"] for r in a] == [r["config"] for r in b]
    lrs = np.array([r["config"]["lr"] for r in a])
    assert lrs.min() >= 1e-4 and lrs.max() <= 1e-1
    # log-uniform: about a third of the draws in each decade
    counts = np.histogram(np.log10(lrs), bins=[-4, -3, -2, -1])[0]
    assert counts.min() > 40
    assert {r["config"]["width"] for r in a} == set(range(8, 13))
    assert all(r["config"]["epochs"] == 3 for r in a) and {r["config"]["act"] for r in a} == {"relu", "tanh"}
    assert a[0]["note"] in ("relu", "tanh") and a[0]["score"] == lrs.max()


def test_a_diverged_trial_sorts_last():
    results = grid_search(lambda c: float("nan") if c["x"] == 2 else c["x"], {"x": [1, 2, 3]}, log=None)
    assert [r["config"]["x"] for r in results] == [3, 1, 2]


def test_bad_spaces():
    with pytest.raises(ValueError, match=r"LogUniform: needs 0 < low < high"):
        LogUniform(0, 1)
    with pytest.raises(ValueError, match=r"parameter 'lr' needs a non-empty list of values \(a grid\)"):
        grid_search(lambda c: 0, {"lr": LogUniform(1e-3, 1e-1)}, log=None)
    with pytest.raises(ValueError, match=r"argument 'trials' must be an integer >= 1, got 0"):
        random_search(lambda c: 0, {"x": [1]}, trials=0, log=None)
    with pytest.raises(ValueError, match=r"the objective must return a number or a dict with a 'score'"):
        grid_search(lambda c: "good", {"x": [1]}, log=None)
