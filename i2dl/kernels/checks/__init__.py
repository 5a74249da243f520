"""The kernel contract, stated once: one ``check_<kernel>(...)`` per kernel, by family, that every
backend (reference, cpu, cuda) calls before it allocates or computes, and that returns the
geometry and output shapes. A backend is then: check -> allocate -> call. ``core`` holds the
pieces (arrays, shapes, pairs, sizes, scalars) the family checks are made of.

This package exports every ``check_*`` function and ``*Geometry`` type its family modules define,
so a new family is a new module here.
"""
import importlib as _importlib
import pkgutil as _pkgutil

from .core import as_pair, check_bool, check_float_array, check_int, check_real, check_shape, check_x_shape  # noqa: F401


def _exports():
    found = {}
    for info in _pkgutil.iter_modules(__path__):
        if info.name == "core":
            continue
        module = _importlib.import_module(f"{__name__}.{info.name}")
        for name, value in vars(module).items():
            if (name.startswith("check_") or name.endswith("Geometry")) and getattr(value, "__module__", None) == module.__name__:
                found[name] = value
    return found


globals().update(_exports())
