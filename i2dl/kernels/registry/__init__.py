"""One row per kernel family, in the spirit of PyTorch's OpInfo: the kernels' names, how to call
them, their dtypes and tolerances, a generator of sample inputs that covers the edge shapes, and
the family's own bad inputs. Every test family (cross-check per backend, numerical gradients,
bad input, non-contiguous input, mutations) and ``i2dl check`` iterate over ``REGISTRY``: adding a
kernel adds a row (a module here, named like the family's reference module), not test code.

The package mirrors ``i2dl.kernels.reference``: ``core`` (the row types), one module per family,
``harness`` (the cross-check).
"""
from __future__ import annotations

from typing import Tuple

from .activation import RELU, saved_y
from .conv import CONV2D
from .core import DTYPES, TOLERANCE, BadInput, InplaceSpec, KernelSpec, Sample
from .harness import cast_inputs, cross_check, cross_check_inplace, rel_error, to_numpy
from .linear import LINEAR
from .loss import CROSS_ENTROPY
from .optim import SGD_STEP
from .pool import AVG_POOL2D, GLOBAL_AVG_POOL2D, MAX_POOL2D

REGISTRY: Tuple[KernelSpec, ...] = (CONV2D, MAX_POOL2D, AVG_POOL2D, GLOBAL_AVG_POOL2D, LINEAR, RELU, CROSS_ENTROPY)
INPLACE_REGISTRY: Tuple[InplaceSpec, ...] = (SGD_STEP,)

__all__ = ["DTYPES", "TOLERANCE", "BadInput", "InplaceSpec", "KernelSpec", "Sample", "REGISTRY", "INPLACE_REGISTRY",
           "by_name", "cast_inputs", "cross_check", "cross_check_inplace", "rel_error", "to_numpy", "saved_y"]


def by_name(name: str) -> KernelSpec:
    for spec in REGISTRY:
        if spec.name == name:
            return spec
    raise KeyError(name)
