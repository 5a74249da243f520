"""Median wall-clock timing after warm-up."""
from __future__ import annotations

import statistics
import time


def median_ms(fn, warmup: int = 2, min_repeats: int = 5, max_repeats: int = 50, budget_s: float = 1.0) -> float:
    """Median of repeated calls of ``fn`` in milliseconds: at least ``min_repeats`` calls, more
    while the time budget lasts (capped at ``max_repeats``)."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_repeats or (len(times) < max_repeats and time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def interleaved_median_ms(fns, warmup: int = 2, min_repeats: int = 5, max_repeats: int = 60, budget_s: float = 2.0,
                          round_s: float = 0.05):
    """Medians (ms) of several functions timed in alternating rounds (a a a, b b b, a a a, ...), so
    that a slow phase of a shared machine hits all of them alike and their ratios stay meaningful.
    Each round starts with an untimed call: the other library's idle threads are still spinning
    when the switch happens, and that first call would pay for them."""
    estimates = []
    for fn in fns:
        for _ in range(warmup):
            fn()
        t0 = time.perf_counter()
        fn()
        estimates.append(max(time.perf_counter() - t0, 1e-6))
    per_round = [max(1, int(round_s / e)) for e in estimates]
    times = [[] for _ in fns]
    start = time.perf_counter()
    while min(len(ts) for ts in times) < min_repeats or (
            min(len(ts) for ts in times) < max_repeats and time.perf_counter() - start < budget_s):
        for fn, ts, count in zip(fns, times, per_round):
            fn()  # untimed: see the docstring
            for _ in range(count):
                t0 = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - t0)
    return [statistics.median(ts) * 1e3 for ts in times]
