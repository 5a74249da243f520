"""``i2dl.Tensor``: an array (NumPy, or CuPy on the GPU) plus what autograd needs — ``grad``,
``requires_grad`` and the context of the op that made it. PyTorch's user-facing shapes."""
from __future__ import annotations

import math

import numpy as np

from . import autograd, ops
from .random import generator

DEFAULT_DTYPE = np.float32


def _is_cupy(a) -> bool:
    return type(a).__module__.startswith("cupy")


class Tensor(autograd.GraphTensor, output=True):
    __slots__ = ()
    __array_priority__ = 1000  # numpy scalars and arrays defer to Tensor's operators

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if not (isinstance(data, np.ndarray) or _is_cupy(data)):
            data = np.asarray(data)
            if dtype is None and data.dtype.kind == "f":
                data = data.astype(DEFAULT_DTYPE)
        if dtype is not None and data.dtype != np.dtype(dtype):
            data = data.astype(dtype)
        if requires_grad and data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating point tensors can require gradients, got dtype {data.dtype}")
        self.data = data
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None

    # ---------------------------------------------------------------- facts
    @property
    def shape(self):
        return tuple(self.data.shape)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def device(self):
        return "cuda" if _is_cupy(self.data) else "cpu"

    @property
    def is_leaf(self):
        return self._ctx is None

    @property
    def grad_fn(self):
        return None if self._ctx is None else self._ctx.fn_name

    def size(self, dim=None):
        """The shape, or its entry ``dim`` (PyTorch's ``size(dim)``)."""
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        """The number of elements: prod(shape)."""
        return int(self.data.size)

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        grad = f", grad_fn={self.grad_fn}" if self._ctx is not None else (", requires_grad=True" if self.requires_grad else "")
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        return f"tensor({body}{grad})" if self.device == "cpu" else f"tensor({body}, device='cuda'{grad})"

    # ---------------------------------------------------------------- autograd
    def backward(self, grad=None, retain_graph: bool = False):
        """dL/dself = ``grad`` (1 for a scalar), propagated to every leaf that requires grad."""
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no graph "
                               "(did you compute it under no_grad(), or from tensors without requires_grad?)")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: grad can be omitted only for a scalar output, got shape {self.shape}")
            grad = ops.xp_of(self.data).ones_like(self.data)
        elif isinstance(grad, Tensor):
            grad = grad.data
        else:
            grad = np.asarray(grad, dtype=self.dtype) if not _is_cupy(grad) else grad
        if tuple(grad.shape) != self.shape:
            raise ValueError(f"backward: argument 'grad' must have shape {self.shape}, got {tuple(grad.shape)}")
        autograd.backward(self, grad, retain_graph)

    def detach(self):
        """The same data as a new leaf that requires no gradient (no copy)."""
        return Tensor._wrap(self.data, False)

    def requires_grad_(self, flag: bool = True):
        """Sets (in place) whether gradients are recorded for this (floating point) tensor; returns it."""
        if flag and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad_: only floating point tensors can require gradients, got {self.dtype}")
        self.requires_grad = bool(flag)
        return self

    def zero_grad(self):
        """Drops the accumulated gradient (``grad = None``)."""
        self.grad = None

    # ---------------------------------------------------------------- conversion
    def numpy(self):
        """The data as a NumPy array (a copy from the GPU, the array itself on the CPU)."""
        if _is_cupy(self.data):
            return self.data.get()
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python scalar."""
        if self.data.size != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python scalar, got shape {self.shape}")
        return self.numpy().reshape(()).item()

    # ---------------------------------------------------------------- DLPack: zero-copy exchange
    def __dlpack__(self, *args, **kwargs):
        """The data as a DLPack capsule (NumPy's or CuPy's), for ``torch.from_dlpack``,
        ``np.from_dlpack``, ``cupy.from_dlpack``: the same memory, no copy."""
        return self.data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self.data.__dlpack_device__()

    def __float__(self):
        """float(t) of a one-element tensor, as PyTorch (a closure's loss converts so)."""
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def tolist(self):
        """The data as nested Python lists."""
        return self.numpy().tolist()

    def to(self, device):
        """A copy on ``device`` ("cpu" or "cuda"); the same tensor when it is already there."""
        if device not in ("cpu", "cuda"):
            raise ValueError(f"to: argument 'device' must be 'cpu' or 'cuda', got {device!r}")
        if device == self.device:
            return self
        if device == "cuda":
            from .kernels import cuda as cuda_backend
            reason = cuda_backend.why_unavailable()
            if reason:
                raise RuntimeError(f"to('cuda'): {reason}")
            import cupy
            data = cupy.asarray(self.data)
        else:
            data = self.data.get()
        return Tensor._wrap(data, self.requires_grad)

    def cpu(self):
        """This tensor on the CPU (itself when it already is there)."""
        return self.to("cpu")

    def cuda(self):
        """This tensor on the GPU (CuPy), as ``to("cuda")``."""
        return self.to("cuda")

    def astype(self, dtype):
        """A differentiable cast to ``dtype``; the gradient is cast back."""
        return ops.Cast.apply(self, dtype=np.dtype(dtype))

    def float(self):
        """A differentiable cast to float32."""
        return self.astype(np.float32)

    def double(self):
        """A differentiable cast to float64."""
        return self.astype(np.float64)

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, o):
        return ops.Add.apply(self, _operand(o, self))

    def __radd__(self, o):
        return ops.Add.apply(_operand(o, self), self)

    def __sub__(self, o):
        return ops.Sub.apply(self, _operand(o, self))

    def __rsub__(self, o):
        return ops.Sub.apply(_operand(o, self), self)

    def __mul__(self, o):
        return ops.Mul.apply(self, _operand(o, self))

    def __rmul__(self, o):
        return ops.Mul.apply(_operand(o, self), self)

    def __truediv__(self, o):
        return ops.Div.apply(self, _operand(o, self))

    def __rtruediv__(self, o):
        return ops.Div.apply(_operand(o, self), self)

    def __pow__(self, o):
        return ops.Pow.apply(self, _operand(o, self))

    def __rpow__(self, o):
        return ops.Pow.apply(_operand(o, self), self)

    def __neg__(self):
        return ops.Neg.apply(self)

    def __matmul__(self, o):
        return ops.MatMul.apply(self, _operand(o, self))

    def __rmatmul__(self, o):
        return ops.MatMul.apply(_operand(o, self), self)

    # comparisons give boolean tensors without gradient
    def __lt__(self, o):
        return Tensor._wrap(self.data < _raw(o))

    def __le__(self, o):
        return Tensor._wrap(self.data <= _raw(o))

    def __gt__(self, o):
        return Tensor._wrap(self.data > _raw(o))

    def __ge__(self, o):
        return Tensor._wrap(self.data >= _raw(o))

    def __eq__(self, o):
        return Tensor._wrap(self.data == _raw(o))

    def __ne__(self, o):
        return Tensor._wrap(self.data != _raw(o))

    __hash__ = object.__hash__

    def exp(self):
        """e^x elementwise; d/dx = e^x. Integers give float32."""
        return ops.Exp.apply(self)

    def log(self):
        """ln x elementwise; d/dx = 1/x. Integers give float32."""
        return ops.Log.apply(self)

    def sqrt(self):
        """sqrt(x) elementwise; d/dx = 1 / (2 sqrt x). Integers give float32."""
        return ops.Sqrt.apply(self)

    def abs(self):
        """|x| elementwise; the subgradient at 0 is 0 (as in PyTorch)."""
        return ops.Abs.apply(self)

    def clip(self, min=None, max=None):
        """min(max(x, min), max) elementwise; the gradient passes where x is inside the bounds."""
        return ops.Clip.apply(self, lo=min, hi=max)

    clamp = clip

    def relu(self):
        """max(0, x) elementwise, on the kernel triad (see ``F.relu``)."""
        return ops.ReLU.apply(self)

    def sigmoid(self):
        """1 / (1 + e^-x) elementwise (see ``F.sigmoid``)."""
        return ops.Sigmoid.apply(self)

    def tanh(self):
        """tanh(x) elementwise (see ``F.tanh``)."""
        return ops.Tanh.apply(self)

    def maximum(self, o):
        """The elementwise maximum with ``o`` (broadcast); at ties the gradient is split."""
        return ops.Maximum.apply(self, _operand(o, self))

    def minimum(self, o):
        """The elementwise minimum with ``o`` (broadcast); at ties the gradient is split."""
        return ops.Minimum.apply(self, _operand(o, self))

    def matmul(self, o):
        """self @ other with NumPy's matmul rules (1-D operands, batch broadcasting); both of one dtype."""
        return self @ o

    # ---------------------------------------------------------------- reductions
    def sum(self, axis=None, keepdims=False):
        """The sum over ``axis`` (all when None), ``keepdims`` as in NumPy; the gradient is broadcast back."""
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """The mean over ``axis`` (all when None); the gradient is 1/n broadcast back."""
        return ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """The maximum over ``axis``; the gradient goes to the maxima (split at ties)."""
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        """The minimum over ``axis``; the gradient goes to the minima (split at ties)."""
        return ops.Min.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, keepdims=False, correction=1):
        """The variance over ``axis`` (mean of squared deviations, divided by n - ddof)."""
        return ops.Var.apply(self, axis=axis, keepdims=keepdims, correction=correction)

    def std(self, axis=None, keepdims=False, correction=1):
        """The standard deviation over ``axis``: sqrt(var)."""
        return self.var(axis, keepdims, correction).sqrt()

    def argmax(self, axis=None):
        """The index of the maximum over ``axis`` (not differentiable: an integer tensor)."""
        return Tensor._wrap(self.data.argmax(axis=axis))

    def argmin(self, axis=None):
        """The index of the minimum over ``axis`` (not differentiable: an integer tensor)."""
        return Tensor._wrap(self.data.argmin(axis=axis))

    # ---------------------------------------------------------------- shape
    def reshape(self, *shape):
        """The same values in another shape (one entry may be -1); differentiable."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        """Dims ``start_dim`` to ``end_dim`` merged into one; differentiable."""
        shape = self.shape
        end = end_dim % len(shape) if shape else 0
        new = shape[:start_dim] + (math.prod(shape[start_dim:end + 1]),) + shape[end + 1:]
        return self.reshape(new)

    def permute(self, *axes):
        """The axes reordered as given; the gradient is permuted back."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.Permute.apply(self, axes=tuple(axes))

    def transpose(self, dim0=None, dim1=None):
        """``transpose()`` reverses all axes (NumPy); ``transpose(d0, d1)`` swaps two (PyTorch)."""
        axes = list(range(self.ndim))[::-1]
        if dim0 is not None:
            axes = list(range(self.ndim))
            axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(tuple(axes))

    @property
    def T(self):
        return self.transpose()

    def __getitem__(self, idx):
        return ops.GetItem.apply(self, idx=_raw_index(idx))

    def contiguous(self):
        """A C-contiguous tensor with the same values: ``self`` when it already is one, else a copy
        (differentiable, as in PyTorch), e.g. after ``transpose``."""
        if self.data.flags.c_contiguous:
            return self
        return ops.Contiguous.apply(self)




def _raw(o):
    return o.data if isinstance(o, Tensor) else o


def _raw_index(idx):
    if isinstance(idx, Tensor):
        return idx.data
    if isinstance(idx, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in idx)
    return idx


def _operand(o, like):
    """Tensors pass; Python scalars stay scalars (NumPy keeps the tensor's dtype); arrays are wrapped."""
    if isinstance(o, Tensor) or isinstance(o, (int, float, bool)):
        return o
    if isinstance(o, np.generic):
        return o.item()
    return Tensor(o)


# -------------------------------------------------------------------- creation
def tensor(data, dtype=None, requires_grad=False, device="cpu"):
    """A new tensor from data (lists, scalars, arrays). Python floats become float32; NumPy arrays
    keep their dtype (as torch.tensor does)."""
    if isinstance(data, Tensor):
        array = np.array(data.numpy(), copy=True)
    elif isinstance(data, np.ndarray):
        array = data.copy()
    else:
        array = np.array(data)
        if dtype is None and array.dtype.kind == "f":
            array = array.astype(DEFAULT_DTYPE)
    t = Tensor(array, requires_grad=False, dtype=dtype)
    t = t.to(device) if device != "cpu" else t
    return t.requires_grad_(requires_grad) if requires_grad else t


def from_numpy(a):
    return Tensor(a)


def from_dlpack(obj):
    """A Tensor on the memory of any DLPack producer (a torch, NumPy or CuPy array): CPU memory
    becomes a NumPy array, CUDA memory a CuPy array, without a copy (so writes show on both sides).

    >>> a = np.arange(3.0); t = i2dl.from_dlpack(a); t.data[0] = 7.0; a[0]
    np.float64(7.0)"""
    device = obj.__dlpack_device__()[0] if hasattr(obj, "__dlpack_device__") else None
    if device is None:
        raise TypeError(f"from_dlpack: argument 'obj' must support the DLPack protocol (__dlpack__), got "
                        f"{type(obj).__name__}")
    if device in (2, 13):  # kDLCUDA, kDLCUDAManaged
        import cupy
        return Tensor._wrap(cupy.from_dlpack(obj), False)
    if device not in (1, 3):  # kDLCPU, kDLCUDAHost
        raise ValueError(f"from_dlpack: argument 'obj' lives on DLPack device type {device}; i2dl takes CPU and "
                         f"CUDA memory")
    return Tensor._wrap(np.from_dlpack(obj), False)


def _shape_arg(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def zeros(*shape, dtype=DEFAULT_DTYPE, requires_grad=False):
    return Tensor(np.zeros(_shape_arg(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape, dtype=DEFAULT_DTYPE, requires_grad=False):
    return Tensor(np.ones(_shape_arg(shape), dtype=dtype), requires_grad=requires_grad)


def full(shape, value, dtype=DEFAULT_DTYPE, requires_grad=False):
    return Tensor(np.full(tuple(shape), value, dtype=dtype), requires_grad=requires_grad)


def randn(*shape, dtype=DEFAULT_DTYPE, requires_grad=False):
    """Standard normal samples from i2dl's seedable generator (``i2dl.manual_seed``)."""
    return Tensor(generator().standard_normal(_shape_arg(shape)).astype(dtype), requires_grad=requires_grad)


def rand(*shape, dtype=DEFAULT_DTYPE, requires_grad=False):
    return Tensor(generator().random(_shape_arg(shape)).astype(dtype), requires_grad=requires_grad)


def arange(*args, dtype=None):
    a = np.arange(*args)
    return Tensor(a if dtype is None else a.astype(dtype))


def zeros_like(t, requires_grad=False):
    """A new tensor of zeros with ``t``'s shape, dtype and device (allocated: t's values never enter,
    so a NaN or inf in t stays out)."""
    return Tensor(ops.xp_of(t.data).zeros_like(t.data), requires_grad=requires_grad)


def ones_like(t, requires_grad=False):
    """A new tensor of ones with ``t``'s shape, dtype and device."""
    return Tensor(ops.xp_of(t.data).ones_like(t.data), requires_grad=requires_grad)


def concatenate(tensors, axis=0):
    return ops.Concatenate.apply(*[_operand(t, None) for t in tensors], axis=axis)


cat = concatenate


def stack(tensors, axis=0):
    return ops.Stack.apply(*[_operand(t, None) for t in tensors], axis=axis)


def where(cond, a, b):
    cond = _raw(cond)
    return ops.Where.apply(cond, _operand(a, None), _operand(b, None))


def maximum(a, b):
    return ops.Maximum.apply(_operand(a, None), _operand(b, None))


def minimum(a, b):
    return ops.Minimum.apply(_operand(a, None), _operand(b, None))


def _unary(name):
    def fn(x):
        return getattr(_operand(x, None), name)()
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}(x)``, elementwise: ``Tensor.{name}`` as a function (PyTorch's ``torch.{name}``)."
    return fn


exp, log, sqrt, abs, sigmoid, tanh = (_unary(n) for n in ("exp", "log", "sqrt", "abs", "sigmoid", "tanh"))
