"""One row per kernel family, in the spirit of PyTorch's OpInfo: the kernels' names, how to call
them, their dtypes and tolerances, a generator of sample inputs that covers the edge shapes, and
the family's own bad inputs. Every test family (cross-check per backend, numerical gradients,
bad input, non-contiguous input, mutations) and ``i2dl check`` iterate over ``REGISTRY``: adding a
kernel adds a row (a module here, named like the family's reference module), not test code.

The package mirrors ``i2dl.kernels.reference``: ``core`` (the row types), one module per family,
``harness`` (the cross-check).
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Tuple

from .activation import saved_y
from .core import DTYPES, TOLERANCE, BadInput, InplaceSpec, KernelSpec, Sample
from .harness import cast_inputs, cross_check, cross_check_inplace, rel_error, to_numpy


def _rows():
    """Every row the family modules define, family by family (by module name), each module's rows
    in the order it defines them: a new family is a new module, with no edit here."""
    rows, inplace, seen = [], [], set()
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name in ("core", "harness"):
            continue
        for value in vars(importlib.import_module(f"{__name__}.{info.name}")).values():
            if isinstance(value, (KernelSpec, InplaceSpec)) and id(value) not in seen:
                seen.add(id(value))
                (rows if isinstance(value, KernelSpec) else inplace).append(value)
    return tuple(rows), tuple(inplace)


REGISTRY: Tuple[KernelSpec, ...]
INPLACE_REGISTRY: Tuple[InplaceSpec, ...]
REGISTRY, INPLACE_REGISTRY = _rows()

__all__ = ["DTYPES", "TOLERANCE", "BadInput", "InplaceSpec", "KernelSpec", "Sample", "REGISTRY", "INPLACE_REGISTRY",
           "by_name", "cast_inputs", "cross_check", "cross_check_inplace", "rel_error", "to_numpy", "saved_y"]


def by_name(name: str) -> KernelSpec:
    for spec in REGISTRY:
        if spec.name == name:
            return spec
    raise KeyError(name)
