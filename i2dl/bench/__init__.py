"""Microbenchmarks: ``i2dl bench`` and ``python -m i2dl.bench``."""
from .runner import run  # noqa: F401
