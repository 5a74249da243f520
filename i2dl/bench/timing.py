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
