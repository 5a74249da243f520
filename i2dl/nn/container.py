"""Sequential and ModuleList."""
from __future__ import annotations

from .module import Module


class _Indexed(Module):
    """Children numbered 0, 1, ...: indexable, sized, iterable."""

    def _add(self, m):
        setattr(self, str(len(self._modules)), m)

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(_Indexed):
    """Applies its modules in order."""

    def __init__(self, *modules):
        super().__init__()
        for m in modules:
            self._add(m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleList(_Indexed):
    """A list of modules whose parameters are registered (no forward of its own)."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self._add(m)

    def append(self, m):
        self._add(m)
        return self
