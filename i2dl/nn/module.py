"""``Module`` and ``Parameter``: the containers of learnable state, as in PyTorch."""
from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that a Module registers as learnable (requires_grad=True by default)."""
    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data.data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter(" + super().__repr__() + ")"


def check_input(fn, x, dim, expected, what):
    """x has ``expected`` entries along ``dim`` (the layer's in_features or in_channels)."""
    shape = tuple(x.shape)
    if len(shape) <= abs(dim) - (dim < 0) or shape[dim] != expected:
        raise ValueError(f"{fn}: argument 'input' must have {expected} {what} (dim {dim}), got shape {shape}")


@contextmanager
def evaluating(model):
    """``model`` in eval mode inside the block; afterwards every submodule back in its own mode (a
    frozen BatchNorm kept in eval inside a training model stays so)."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)


@contextmanager
def leaf_hooks(model, make_hook):
    """A forward hook ``make_hook(name)`` on every leaf module of ``model`` inside the block (the
    layer tables of models.summary and receptive_field), all removed after."""
    handles = [m.register_forward_hook(make_hook(n)) for n, m in model.named_modules() if not m._modules]
    try:
        yield model
    finally:
        for h in handles:
            h.remove()


class RemovableHandle:
    """What ``register_forward_hook`` returns: ``remove()`` takes the hook off (also on leaving a
    ``with`` block), as PyTorch's handle does."""
    _next_id = 0

    def __init__(self, hooks):
        self._hooks, self.id = hooks, RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base of layers and models: assigning a Parameter or Module attribute registers it."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.__init__ must call super().__init__() before assigning "
                                 f"attributes (assigning {name!r})")
        if name in self._buffers and (value is None or (hasattr(value, "dtype") and hasattr(value, "shape"))):
            self.register_buffer(name, value)  # assigning an array to a buffer's name replaces the buffer
            return
        for registry in (self._parameters, self._modules, self._buffers):
            if not ((registry is self._parameters and isinstance(value, Parameter))
                    or (registry is self._modules and isinstance(value, Module))):
                registry.pop(name, None)  # a replacement of the same kind keeps its place (Sequential order)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name, array):
        """Non-learnable state saved in state_dict (e.g. running statistics): a NumPy (or CuPy) array,
        or None for a buffer the configuration leaves out (not in state_dict, as in PyTorch)."""
        if array is not None and not (hasattr(array, "dtype") and hasattr(array, "shape")):
            raise TypeError(f"register_buffer: argument 'array' must be an array or None, got {type(array).__name__}")
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        if not (d.get("_forward_pre_hooks") or d.get("_forward_hooks")):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            changed = hook(self, args, out)
            if changed is not None:
                out = changed
        return out

    def register_forward_pre_hook(self, hook):
        """``hook(module, args)`` runs before every forward; a non-None result replaces the
        positional arguments (a tuple, or one value). Returns a RemovableHandle."""
        if not callable(hook):
            raise TypeError(f"register_forward_pre_hook: argument 'hook' must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook):
        """``hook(module, args, output)`` runs after every forward; a non-None result replaces the
        output. Returns a RemovableHandle.

        >>> seen = []
        >>> layer = nn.ReLU()
        >>> with layer.register_forward_hook(lambda m, args, out: seen.append(out.shape)):
        ...     _ = layer(i2dl.randn(2, 3))
        >>> seen
        [(2, 3)]"""
        if not callable(hook):
            raise TypeError(f"register_forward_hook: argument 'hook' must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ---------------------------------------------------------------- traversal
    def children(self):
        return iter(self._modules.values())

    def named_children(self):
        return iter(self._modules.items())

    def add_module(self, name, module):
        """Registers ``module`` (or None) as the child ``name``, as assigning the attribute does."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"add_module: argument 'name' must be a non-empty string without '.', got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: argument 'module' must be a Module or None, got {type(module).__name__}")
        if module is None:
            self._modules.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, module)

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for self and every submodule, depth first; a module reached twice is listed once
        unless ``remove_duplicate`` is False (PyTorch's arguments)."""
        if isinstance(memo, str):  # named_modules("prefix"), the older positional use
            memo, prefix = None, memo
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_parameters(self, prefix=""):
        for name, p in self._parameters.items():
            yield (f"{prefix}.{name}" if prefix else name), p
        for name, m in self._modules.items():
            yield from m.named_parameters(f"{prefix}.{name}" if prefix else name)

    def parameters(self):
        for _, p in self.named_parameters():
            yield p

    def named_buffers(self, prefix=""):
        for name, b in self._buffers.items():
            if b is not None:
                yield (f"{prefix}.{name}" if prefix else name), b
        for name, m in self._modules.items():
            yield from m.named_buffers(f"{prefix}.{name}" if prefix else name)

    def apply(self, fn):
        """Calls fn(module) on every submodule, children first, then self (as PyTorch)."""
        for m in self._modules.values():
            m.apply(fn)
        fn(self)
        return self

    # ---------------------------------------------------------------- modes
    def train(self, mode: bool = True):
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, flag: bool = True):
        """Freezes (False) or unfreezes every parameter: transfer learning's fixed feature extractor."""
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def to(self, device_or_dtype):
        """Moves every parameter and buffer to a device ("cpu", "cuda"), or casts the floating ones to a
        float dtype (``np.float64``, "float32"; integer buffers such as ``num_batches_tracked`` keep
        theirs), in place, as PyTorch's ``Module.to``. Returns self."""
        if isinstance(device_or_dtype, str) and device_or_dtype in ("cpu", "cuda"):
            return self._apply_to_state(lambda p: p.to(device_or_dtype), lambda b: _move(b, device_or_dtype))
        try:
            dtype = np.dtype(device_or_dtype)
        except TypeError:
            dtype = None
        if dtype is None or dtype.kind != "f" or dtype.itemsize not in (4, 8):
            raise ValueError(f"to: argument must be 'cpu', 'cuda', float32 or float64, got {device_or_dtype!r}")
        return self._apply_to_state(lambda p: p if p.dtype == dtype else Tensor._wrap(p.data.astype(dtype), False),
                                    lambda b: b.astype(dtype) if b.dtype.kind == "f" and b.dtype != dtype else b)

    def double(self):
        """Casts every floating parameter and buffer to float64 (to check a whole model in float64)."""
        return self.to(np.float64)

    def float(self):
        """Casts every floating parameter and buffer to float32."""
        return self.to(np.float32)

    def _apply_to_state(self, on_parameter, on_buffer):
        for m in self.modules():
            for name, p in list(m._parameters.items()):
                if p is None:
                    continue
                moved = on_parameter(p)
                if moved is not p:
                    setattr(m, name, Parameter(moved.data, requires_grad=p.requires_grad))
            for name, b in list(m._buffers.items()):
                if b is not None:
                    m.register_buffer(name, on_buffer(b))
        return self

    # ---------------------------------------------------------------- state
    def state_dict(self):
        """Name -> NumPy array copy, for parameters and buffers (PyTorch's naming)."""
        state = OrderedDict()
        self._fill_state(state, "")
        return state

    def _fill_state(self, state, prefix):
        """PyTorch's order: a module's own parameters, then its buffers, then each submodule's in turn."""
        for name, p in self._parameters.items():
            state[prefix + name] = np.array(p.numpy(), copy=True)
        for name, b in self._buffers.items():
            if b is not None:
                state[prefix + name] = np.array(b.get() if hasattr(b, "get") else b, copy=True)
        for name, m in self._modules.items():
            m._fill_state(state, prefix + name + ".")

    def load_state_dict(self, state, strict: bool = True):
        """Copies arrays into the parameters and buffers. Raises KeyError naming missing and
        unexpected keys (when strict) and ValueError naming mis-shaped ones."""
        own = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = set(own) | set(buffers)
        missing = sorted(expected - set(state))
        unexpected = sorted(set(state) - expected)
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        wrong = [f"{k}: expected {tuple(own[k].shape if k in own else np.shape(buffers[k]))}, got {tuple(np.shape(state[k]))}"
                 for k in sorted(expected & set(state))
                 if tuple(np.shape(state[k])) != tuple(own[k].shape if k in own else np.shape(buffers[k]))]
        if wrong:
            raise ValueError("load_state_dict: mis-shaped keys: " + "; ".join(wrong))
        for k in expected & set(state):
            value = np.asarray(state[k])
            if k in own:
                p = own[k]
                p.data[...] = value.astype(p.dtype) if p.device == "cpu" else _to_device(value.astype(p.dtype))
            else:
                b = buffers[k]
                b[...] = value.astype(b.dtype) if isinstance(b, np.ndarray) else _to_device(value.astype(b.dtype))
        return {"missing_keys": missing, "unexpected_keys": unexpected}

    # ---------------------------------------------------------------- repr
    def num_parameters(self, trainable_only=False):
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    def extra_repr(self):
        return ""

    def __repr__(self):
        own = sum(p.numel() for p in self._parameters.values())
        head = f"{type(self).__name__}({self.extra_repr()})"
        if not self._modules:
            return head + (f"  # {own:,} params" if own else "")
        lines = [f"{type(self).__name__}(" + self.extra_repr()]
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(f")  # {self.num_parameters():,} params")
        return "\n".join(lines)


def _to_device(a):
    import cupy
    return cupy.asarray(a)


def _move(a, device):
    """A buffer on ``device``: the same array when it is already there."""
    on_gpu = not isinstance(a, np.ndarray)
    if device == "cuda" and not on_gpu:
        return _to_device(a)
    if device == "cpu" and on_gpu:
        return a.get()
    return a
