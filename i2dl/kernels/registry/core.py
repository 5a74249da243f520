"""The row types of the registry: a sample, a family-specific bad input, the spec of an
out-of-place kernel pair (forward/backward) and of an in-place kernel."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

import numpy as np

DTYPES = (np.float32, np.float64)
# relative-norm error ||got - want|| / ||want|| allowed against the float64 reference
TOLERANCE = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-10}


@dataclass
class Sample:
    """Float64 inputs by name (cast per dtype by the tests), keyword parameters, a description."""
    inputs: Dict[str, np.ndarray]
    params: Dict[str, object]
    desc: str
    # False where central differences cannot resolve the gradient (a loss of 1e4 leaves ~1e-6 of
    # the difference quotient's digits); such samples are still cross-checked against the reference
    numerically_checkable: bool = True


@dataclass
class BadInput:
    """A family-specific wrong call: ``mutate(inputs, params)`` returns the wrong arguments for
    ``stage`` ("forward" or "backward"); the call must raise ``error`` matching ``match``."""
    desc: str
    stage: str
    mutate: Callable[[dict, dict], Tuple[dict, dict]]
    error: type
    match: str


@dataclass
class KernelSpec:
    name: str
    forward: str
    backward: str
    samples: Callable[[np.random.Generator], List[Sample]]
    call_forward: Callable      # (k, inputs, params) -> (y, saved)
    backward_inputs: Callable   # (inputs, saved, dy) -> arrays the backward takes, by name
    call_backward: Callable     # (k, arrays, params) -> {input name: gradient}
    ranks: Dict[str, int]       # arrays whose rank is fixed: name -> ndim
    bad_inputs: Callable[[], List[BadInput]] = lambda: []
    dtypes: Tuple = DTYPES
    saved_is_exact: bool = False  # compare the saved state exactly across backends (argmax indices)
    backward_anchor: str = "x"    # the array whose dtype the backward's other arrays must share
    batched: Tuple[str, ...] = ("x",)  # inputs whose first dim is the batch: an empty batch is a valid call
    compare_saved: bool = False   # compare the saved state (a tuple of arrays) within the tolerance
    updated: Tuple[str, ...] = ()  # inputs the forward updates in place (running statistics), compared
                                   # after the call like an in-place kernel's arrays


@dataclass
class InplaceSpec:
    """A kernel that updates some of its array arguments in place: ``call(k, arrays, params)``
    runs it; ``updated`` names the arrays it writes. Every backend must leave them as the reference
    does (relative-norm error within the tolerance), from the same dtype-rounded starting values.
    With ``returns`` the value ``call`` returns is compared too (as "result"): a reduction over a
    list of arrays (``total_norm``) is a row of this kind that updates nothing."""
    name: str
    kernel: str
    samples: Callable[[np.random.Generator], List[Sample]]
    call: Callable
    updated: Tuple[str, ...]
    dtypes: Tuple = DTYPES
    bad_inputs: Callable[[], List[BadInput]] = lambda: []  # stage "call": mutate(arrays, params)
    full_sample: int = 0  # a sample whose call reads every array: the one the bad-input families mutate
    shape_from: Tuple[str, ...] = ()  # the arrays whose shapes set the others' (default: the first)
    returns: bool = False


def _rn(rng, *shape):
    return rng.standard_normal(shape)
