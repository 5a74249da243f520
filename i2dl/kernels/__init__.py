"""The kernel triad: ``reference`` (NumPy, the specification), ``cpu`` (C++), ``cuda`` (CUDA on
CuPy arrays). Every backend exports the same kernel names with the same signatures::

    k = i2dl.kernels.get("cpu")
    y = k.conv2d_forward(x, w, b, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1)

Dispatch: :func:`for_array` picks ``cuda`` for CuPy arrays and otherwise the current CPU backend
(``cpu`` unless :func:`use_backend` / :func:`set_backend` chose ``reference``).
"""
from __future__ import annotations

import contextlib
import importlib
import threading

import numpy as np

from .registry import INPLACE_REGISTRY, REGISTRY

BACKENDS = ("reference", "cpu", "cuda")
# Every kernel name, derived from the registry's rows (a new family adds its row, not a name here).
KERNEL_NAMES = tuple(name for spec in REGISTRY for name in (spec.forward, spec.backward))
# Kernels that update their arguments in place (optimizer steps).
INPLACE_KERNEL_NAMES = tuple(spec.kernel for spec in INPLACE_REGISTRY)

_state = threading.local()


_modules = {}


def get(name: str):
    """The backend module ``name`` ("reference" | "cpu" | "cuda")."""
    module = _modules.get(name)
    if module is None:
        if name not in BACKENDS:
            raise ValueError(f"kernels.get: argument 'name' must be one of {BACKENDS}, got {name!r}")
        module = _modules[name] = importlib.import_module(f"{__name__}.{name}")
    return module


def cpu_backend_name() -> str:
    return getattr(_state, "cpu_backend", "cpu")


def set_backend(name: str) -> None:
    """Which backend runs NumPy arrays: "cpu" (default) or "reference" (the oracle)."""
    if name not in ("cpu", "reference"):
        raise ValueError(f"set_backend: argument 'name' must be 'cpu' or 'reference', got {name!r} "
                         "(CuPy arrays always run on 'cuda')")
    _state.cpu_backend = name


@contextlib.contextmanager
def use_backend(name: str):
    """``with use_backend("reference"):`` runs NumPy arrays on the reference inside the block."""
    previous = cpu_backend_name()
    set_backend(name)
    try:
        yield
    finally:
        set_backend(previous)


def is_cupy(a) -> bool:
    return type(a).__module__.startswith("cupy")


def for_array(a):
    """The backend module that runs kernels on array ``a``."""
    if type(a) is np.ndarray:
        return get(getattr(_state, "cpu_backend", "cpu"))
    return get("cuda") if is_cupy(a) else get(cpu_backend_name())
