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


def get_rng_state() -> dict:
    """The global generator's state (a JSON-serialisable dict), as ``torch.get_rng_state`` gives it."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restores a state from ``get_rng_state`` (a checkpoint resumes the same random draws)."""
    if not isinstance(state, dict) or state.get("bit_generator") != type(_generator.bit_generator).__name__:
        raise ValueError(f"set_rng_state: argument 'state' must be a {type(_generator.bit_generator).__name__} state "
                         f"from get_rng_state(), got {str(state)[:80]}")
    _generator.bit_generator.state = state
