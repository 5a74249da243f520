"""The reference backend: NumPy written like the lecture's formulas. It is the specification the
``cpu`` and ``cuda`` backends are checked against; each module's docstring gives the formula,
the shapes and the edge cases.

One module per kernel family (conv, pool, linear, ...); this package exports every kernel the
registry names from whichever of its modules defines it, so a new family is a new module here.
"""
import importlib as _importlib
import pkgutil as _pkgutil

from .. import INPLACE_KERNEL_NAMES as _INPLACE, KERNEL_NAMES as _NAMES

NAME = "reference"


def _kernels():
    found = {}
    for info in _pkgutil.iter_modules(__path__):
        module = _importlib.import_module(f"{__name__}.{info.name}")
        for name in _NAMES + _INPLACE:
            fn = getattr(module, name, None)
            if fn is not None and fn.__module__ == module.__name__:
                found[name] = fn
    missing = sorted(set(_NAMES + _INPLACE) - set(found))
    if missing:
        raise ImportError(f"i2dl.kernels.reference: no module defines {missing}")
    return found


globals().update(_kernels())
