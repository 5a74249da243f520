"""Differentiable tensor ops (arithmetic with broadcasting, reductions, shape ops, indexing) as
autograd Functions on raw NumPy/CuPy arrays. The gradient formulas are the lecture's: for
y = f(x), dL/dx = dL/dy * f'(x), and a broadcast input receives the sum of its gradient over the
broadcast axes (:func:`unbroadcast`)."""
from __future__ import annotations

import math

import numpy as np

from . import kernels
from .autograd import Function


def xp_of(a):
    """numpy or cupy, whichever holds ``a``."""
    if isinstance(a, np.ndarray) or np.isscalar(a):
        return np
    import cupy
    return cupy


def float_input(a):
    """The input of an op whose values are real numbers (exp, log, sqrt, true division, the
    activations): an integer or bool array becomes float32, the default dtype, as in PyTorch
    (NumPy would give float64, or truncate back to ints when writing the result)."""
    kind = getattr(getattr(a, "dtype", None), "kind", "f")
    return a.astype(np.float32) if kind in "biu" else a


def contiguous_array(a):
    """``a`` itself when C-contiguous (or None), else a contiguous copy: kernels take C-contiguous
    arrays, and a strided input (a transposed view, say) is copied once, here."""
    return a if a is None or a.flags.c_contiguous else xp_of(a).ascontiguousarray(a)


def unbroadcast(g, shape):
    """Sums ``g`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if g.shape == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def _shape(a):
    return a.shape if hasattr(a, "shape") else ()


# ------------------------------------------------------------------ arithmetic
class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return a + b

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g, ctx.shapes[0]) if na else None, unbroadcast(g, ctx.shapes[1]) if nb else None)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return a - b

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g, ctx.shapes[0]) if na else None, unbroadcast(-g, ctx.shapes[1]) if nb else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return a * b

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g * ctx.b, _shape(ctx.a)) if na else None,
                unbroadcast(g * ctx.a, _shape(ctx.b)) if nb else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        a, b = float_input(a), float_input(b)  # true division: ints give floats
        ctx.a, ctx.b = a, b
        return a / b

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        ga = unbroadcast(g / ctx.b, _shape(ctx.a)) if na else None
        gb = unbroadcast(-g * ctx.a / (ctx.b * ctx.b), _shape(ctx.b)) if nb else None
        return ga, gb


class Pow(Function):
    """a ** b; d/da = b a^(b-1), d/db = a^b ln a (defined for a > 0)."""

    @staticmethod
    def forward(ctx, a, b):
        y = a ** b
        ctx.a, ctx.b, ctx.y = a, b, y
        return y

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        a, b = ctx.a, ctx.b
        ga = unbroadcast(g * b * a ** (b - 1), _shape(a)) if na else None
        gb = None
        if nb:
            xp = xp_of(ctx.y)
            gb = unbroadcast(g * ctx.y * xp.log(xp.where(a > 0, a, 1)), _shape(b))
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        a = float_input(a)
        ctx.y = xp_of(a).exp(a)
        return ctx.y

    @staticmethod
    def backward(ctx, g):
        return g * ctx.y


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        a = float_input(a)
        ctx.a = a
        return xp_of(a).log(a)

    @staticmethod
    def backward(ctx, g):
        return g / ctx.a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        a = float_input(a)
        ctx.y = xp_of(a).sqrt(a)
        return ctx.y

    @staticmethod
    def backward(ctx, g):
        return g / (2 * ctx.y)


class Abs(Function):
    """|a|; the subgradient at 0 is 0 (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return xp_of(a).abs(a)

    @staticmethod
    def backward(ctx, g):
        return g * xp_of(ctx.a).sign(ctx.a)


class Clip(Function):
    """clip(a, lo, hi); the gradient passes where lo <= a <= hi."""

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        ctx.a, ctx.lo, ctx.hi = a, lo, hi
        return xp_of(a).clip(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        mask = True
        if ctx.lo is not None:
            mask = mask & (ctx.a >= ctx.lo)
        if ctx.hi is not None:
            mask = mask & (ctx.a <= ctx.hi)
        return g * mask


def _split_at_ties(ctx, g, a_wins):
    """Gradient of an elementwise max/min: to the side that won, half to each side at a tie."""
    a, b = ctx.a, ctx.b
    wa = a_wins + 0.5 * (a == b)
    na, nb = ctx.needs_input_grad
    return (unbroadcast(g * wa, _shape(a)) if na else None, unbroadcast(g * (1 - wa), _shape(b)) if nb else None)


class Maximum(Function):
    """Elementwise max; a tie sends half the gradient to each side."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return xp_of(a if hasattr(a, "shape") else b).maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        return _split_at_ties(ctx, g, ctx.a > ctx.b)


class Minimum(Function):
    """Elementwise min; a tie sends half the gradient to each side."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return xp_of(a if hasattr(a, "shape") else b).minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        return _split_at_ties(ctx, g, ctx.a < ctx.b)


class MatMul(Function):
    """a @ b with NumPy's matmul semantics (1-D operands, batch broadcasting). F.linear is the
    hot path for layers and runs on i2dl's own BLAS; this is the general operator."""

    @staticmethod
    def forward(ctx, a, b):
        if hasattr(a, "dtype") and hasattr(b, "dtype") and a.dtype != b.dtype:  # PyTorch does not promote here
            raise TypeError(f"matmul: argument 'other' must have dtype {a.dtype} (the dtype of 'input'), got {b.dtype}")
        ctx.a, ctx.b = a, b
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.a, ctx.b
        xp = xp_of(g)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g  # back to the 2-D shapes a2 @ b2 had: b's axis first (a 1-D @ 1-D gives a 0-D g)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            ga = unbroadcast(g2 @ xp.swapaxes(b2, -1, -2), a2.shape)
            ga = ga.reshape(a.shape)
        if nb:
            gb = unbroadcast(xp.swapaxes(a2, -1, -2) @ g2, b2.shape)
            gb = gb.reshape(b.shape)
        return ga, gb


# ------------------------------------------------------------------ reductions
def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else a for a in axis)


def _expand(g, shape, axes, keepdims):
    """Reshapes a reduced gradient so that it broadcasts against the input again."""
    if not keepdims:
        g = g.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    return g


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, _norm_axes(axis, a.ndim), keepdims
        return xp_of(a).asarray(a.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, g):
        return _spread(g, ctx.shape, ctx.axes, ctx.keepdims)


def _spread(g, shape, axes, keepdims):
    """The reduced gradient copied back over the reduced axes (a fresh contiguous array)."""
    out = xp_of(g).empty(shape, dtype=g.dtype)
    out[...] = _expand(g, shape, axes, keepdims)
    return out


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, _norm_axes(axis, a.ndim), keepdims
        ctx.count = math.prod(a.shape[i] for i in ctx.axes) if a.ndim else 1
        return xp_of(a).asarray(a.mean(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, g):
        return _spread(g / ctx.count, ctx.shape, ctx.axes, ctx.keepdims)


class _Extremum(Function):
    """max/min over axes; tied extrema share the gradient equally."""
    reducer = None

    @classmethod
    def _forward(cls, ctx, a, axis, keepdims):
        xp = xp_of(a)
        y = xp.asarray(getattr(a, cls.reducer)(axis=axis, keepdims=True))
        ctx.a, ctx.y_keep, ctx.axes, ctx.keepdims = a, y, _norm_axes(axis, a.ndim), keepdims
        return y if keepdims else y.reshape([n for i, n in enumerate(y.shape) if i not in ctx.axes])

    @staticmethod
    def backward(ctx, g):
        mask = ctx.a == ctx.y_keep
        share = mask / mask.sum(axis=ctx.axes, keepdims=True)
        return _expand(g, ctx.a.shape, ctx.axes, ctx.keepdims) * share


class Max(_Extremum):
    reducer = "max"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return Max._forward(ctx, a, axis, keepdims)


class Min(_Extremum):
    reducer = "min"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return Min._forward(ctx, a, axis, keepdims)


class Var(Function):
    """Variance over axes with Bessel's ``correction`` (1: unbiased, PyTorch's default; 0: biased)."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False, correction=1):
        axes = _norm_axes(axis, a.ndim)
        n = math.prod(a.shape[i] for i in axes) if a.ndim else 1
        ctx.centered = a - a.mean(axis=axes, keepdims=True)
        ctx.axes, ctx.keepdims, ctx.denom = axes, keepdims, max(n - correction, 0)
        return xp_of(a).asarray(a.var(axis=axes, keepdims=keepdims, ddof=correction))

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx.centered.shape, ctx.axes, ctx.keepdims) * (2.0 / ctx.denom) * ctx.centered


# ------------------------------------------------------------------ shape ops and indexing
class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.inverse = tuple(np.argsort(axes))
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.inverse)


def _is_basic_index(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (int, np.integer, slice, type(None), type(Ellipsis))) for i in items)


class GetItem(Function):
    """a[idx] with basic or integer-array indexing; repeated indices accumulate their gradients."""

    @staticmethod
    def forward(ctx, a, idx):
        ctx.shape, ctx.dtype, ctx.idx = a.shape, a.dtype, idx
        return a[idx]

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        full = xp.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic_index(ctx.idx):
            full[ctx.idx] = g
        elif xp is np:
            np.add.at(full, ctx.idx, g)
        else:
            import cupyx
            cupyx.scatter_add(full, ctx.idx, g)
        return full


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return xp_of(arrays[0]).concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        cuts = np.cumsum(ctx.sizes)[:-1]
        return tuple(xp.split(g, cuts, axis=ctx.axis))


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return xp_of(arrays[0]).stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        return tuple(xp.take(g, i, axis=ctx.axis) for i in range(g.shape[ctx.axis]))


class Where(Function):
    """where(cond, a, b): the gradient flows to a where cond holds and to b elsewhere."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond, ctx.shapes = cond, (_shape(a), _shape(b))
        return xp_of(cond).where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        _, na, nb = ctx.needs_input_grad
        return (None, unbroadcast(g * ctx.cond, ctx.shapes[0]) if na else None,
                unbroadcast(g * ~ctx.cond, ctx.shapes[1]) if nb else None)


class Contiguous(Function):
    """A C-contiguous copy; the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx, a):
        return xp_of(a).ascontiguousarray(a)

    @staticmethod
    def backward(ctx, g):
        return g


# ------------------------------------------------------------------ activations a Tensor method calls
# (Tensor.relu / sigmoid / tanh): here, below tensor.py, so that tensor.py never imports functional.
# ReLU runs on the kernel triad (a threaded single pass: NumPy took two passes on one thread, 3x
# slower in a LeNet step).
class ReLU(Function):
    """relu(x) = max(0, x); relu'(x) = 1 for x > 0, else 0."""

    @staticmethod
    def forward(ctx, x):
        x = contiguous_array(x)
        ctx.k = kernels.for_array(x)
        ctx.y = ctx.k.relu_forward(x)
        return ctx.y

    @staticmethod
    def backward(ctx, g):
        g = contiguous_array(g)
        return ctx.k.relu_backward(g, ctx.y)


def _sigmoid(x):
    """1 / (1 + e^-x) without overflow for large |x|."""
    xp = xp_of(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


class Sigmoid(Function):
    """sigma(x) = 1 / (1 + e^-x); sigma' = sigma (1 - sigma)."""

    @staticmethod
    def forward(ctx, x):
        x = float_input(x)
        ctx.y = _sigmoid(x)
        return ctx.y

    @staticmethod
    def backward(ctx, g):
        return g * ctx.y * (1 - ctx.y)


class Tanh(Function):
    """tanh'(x) = 1 - tanh^2(x)."""

    @staticmethod
    def forward(ctx, x):
        x = float_input(x)
        ctx.y = xp_of(x).tanh(x)
        return ctx.y

    @staticmethod
    def backward(ctx, g):
        return g * (1 - ctx.y * ctx.y)


class Cast(Function):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype)
