"""The global, seedable random generator behind randn, init, dropout and data shuffling."""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seeds everything random in i2dl (like ``torch.manual_seed``); returns the generator."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    return _generator
