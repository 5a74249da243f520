"""Sequential, ModuleList and ModuleDict, as PyTorch's."""
from __future__ import annotations

from collections import OrderedDict

from .module import Module


class _Indexed(Module):
    """Children numbered 0, 1, ...: indexable, sized, iterable."""

    def _add(self, m):
        setattr(self, str(len(self._modules)), m)

    def __getitem__(self, i):
        """An int gives the child; a slice a new container of the same kind holding those children (the
        same modules, not copies), as PyTorch's ``model[:-1]``."""
        items = list(self._modules.values())
        if isinstance(i, slice):
            return type(self)._from(items[i])
        return items[i]

    def __setitem__(self, i, m):
        """Replaces child ``i`` under its name (PyTorch's ``model[-1] = nn.Linear(...)``: a new head)."""
        if not isinstance(m, Module):
            raise TypeError(f"{type(self).__name__}: only a Module can be set, got {type(m).__name__}")
        names = list(self._modules)
        try:
            name = names[i]
        except (IndexError, TypeError):
            raise IndexError(f"{type(self).__name__}: index {i!r} out of range for {len(names)} modules") from None
        self._modules[name] = m

    @classmethod
    def _from(cls, modules):
        new = cls.__new__(cls)
        _Indexed.__init__(new)
        for m in modules:
            new._add(m)
        return new

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(_Indexed):
    """Applies its modules in order. ``Sequential(OrderedDict(name=module, ...))`` names the children.

    >>> nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))[:2](i2dl.randn(5, 4)).shape
    (5, 3)"""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
            return
        for m in modules:
            self._add(m)

    def append(self, m):
        self._add(m)
        return self

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


class ModuleDict(Module):
    """Modules by name, registered (their parameters are the container's), in insertion order.

    >>> d = nn.ModuleDict({"enc": nn.Linear(4, 2), "dec": nn.Linear(2, 4)})
    >>> list(d.keys()), len(list(d.parameters()))
    (['enc', 'dec'], 4)"""

    def __init__(self, modules=None):
        super().__init__()
        for name, m in (dict(modules) if modules is not None else {}).items():
            self[name] = m

    def __getitem__(self, name):
        return self._modules[name]

    def __setitem__(self, name, module):
        self.add_module(name, module)

    def __delitem__(self, name):
        del self._modules[name]
        object.__delattr__(self, name)

    def __contains__(self, name):
        return name in self._modules

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules):
        for name, m in dict(modules).items():
            self[name] = m
