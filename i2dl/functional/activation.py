"""Activation functions and softmax. ReLU, sigmoid and tanh are Functions of ``i2dl.ops`` (Tensor
methods call them too); ReLU runs on the kernel triad, the others are NumPy/CuPy expressions,
which are memory-bound and cheap next to the layers around them. The formula and its derivative
are in each docstring."""
from __future__ import annotations

from ..autograd import Function
from ..ops import ReLU, Sigmoid, Tanh, _sigmoid, float_input, unbroadcast, xp_of


def relu(x):
    """relu(x) = max(0, x) elementwise (NaN stays NaN); relu'(x) = [x > 0].

    Any shape. Reference: ``i2dl.kernels.reference.relu_forward``.

    >>> F.relu(i2dl.tensor([-1.0, 0.5])).tolist()
    [0.0, 0.5]"""
    return ReLU.apply(x)


class LeakyReLUFunction(Function):
    """x for x > 0, slope * x otherwise."""

    @staticmethod
    def forward(ctx, x, slope=0.01):
        ctx.x, ctx.slope = x, slope
        return xp_of(x).where(x > 0, x, x * x.dtype.type(slope))

    @staticmethod
    def backward(ctx, g):
        return g * xp_of(g).where(ctx.x > 0, 1, ctx.x.dtype.type(ctx.slope)).astype(g.dtype)


def leaky_relu(x, negative_slope=0.01):
    """leaky_relu(x) = x for x > 0, negative_slope * x otherwise. Any shape.

    >>> F.leaky_relu(i2dl.tensor([-1.0, 2.0]), 0.5).tolist()
    [-0.5, 2.0]"""
    return LeakyReLUFunction.apply(x, slope=negative_slope)


class PReLUFunction(Function):
    """Parametric ReLU: x for x > 0, a_c * x otherwise, with a learned slope per channel (dim 1)
    or one shared slope; dL/da = sum of g * x over the negative inputs."""

    @staticmethod
    def forward(ctx, x, a):
        shape = [1] * x.ndim
        if a.size > 1:
            shape[1] = a.size
        a_b = a.reshape(shape)
        ctx.x, ctx.a_b, ctx.a_shape = x, a_b, a.shape
        return xp_of(x).where(x > 0, x, a_b * x)

    @staticmethod
    def backward(ctx, g):
        neg = ctx.x <= 0
        gx = g * xp_of(g).where(neg, ctx.a_b, 1).astype(g.dtype)
        ga = unbroadcast(g * ctx.x * neg, ctx.a_b.shape).reshape(ctx.a_shape)
        return gx, ga


def prelu(x, weight):
    """prelu(x) = x for x > 0, a_c * x otherwise, with a learned slope per channel (weight (C,) or (1,)).

    x (N, C, ...).

    >>> F.prelu(i2dl.tensor([[-1.0, 2.0]]), i2dl.tensor([0.25])).tolist()
    [[-0.25, 2.0]]"""
    return PReLUFunction.apply(x, weight)


class ELUFunction(Function):
    """x for x > 0, alpha (e^x - 1) otherwise; derivative 1 or y + alpha."""

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        xp = xp_of(x)
        y = xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0))).astype(x.dtype)
        ctx.x, ctx.y, ctx.alpha = x, y, alpha
        return y

    @staticmethod
    def backward(ctx, g):
        return g * xp_of(g).where(ctx.x > 0, 1, ctx.y + ctx.alpha).astype(g.dtype)


def elu(x, alpha=1.0):
    """elu(x) = x for x > 0, alpha (e^x - 1) otherwise. Any shape.

    >>> round(F.elu(i2dl.tensor([-1.0])).item(), 4)
    -0.6321"""
    return ELUFunction.apply(x, alpha=alpha)


def sigmoid(x):
    """sigma(x) = 1 / (1 + e^-x), computed without overflow for large |x|; integers give float32.

    Any shape.

    >>> F.sigmoid(i2dl.tensor([0.0])).item()
    0.5"""
    return Sigmoid.apply(x)


def tanh(x):
    """tanh(x) elementwise; tanh'(x) = 1 - tanh(x)^2. Any shape.

    >>> F.tanh(i2dl.tensor([0.0])).item()
    0.0"""
    return Tanh.apply(x)


class SwishFunction(Function):
    """swish(x) = x sigma(beta x); d/dx = s + beta x s (1 - s) with s = sigma(beta x)."""

    @staticmethod
    def forward(ctx, x, beta=1.0):
        x = float_input(x)
        s = _sigmoid(x * x.dtype.type(beta))
        ctx.x, ctx.s, ctx.beta = x, s, beta
        return x * s

    @staticmethod
    def backward(ctx, g):
        s, x = ctx.s, ctx.x
        return g * (s + ctx.beta * x * s * (1 - s))


def swish(x, beta=1.0):
    """swish(x) = x * sigma(beta x) elementwise. Any shape.

    >>> F.swish(i2dl.tensor([0.0])).item()
    0.0"""
    return SwishFunction.apply(x, beta=beta)


def silu(x):
    """swish with beta = 1."""
    return SwishFunction.apply(x, beta=1.0)


class MaxoutFunction(Function):
    """Maxout over ``pieces`` consecutive channels along ``dim``: (N, C, ...) -> (N, C/pieces, ...);
    the gradient goes to the first maximal piece."""

    @staticmethod
    def forward(ctx, x, pieces, dim=1):
        dim = dim % x.ndim
        if x.shape[dim] % pieces:
            raise ValueError(f"maxout: argument 'pieces' ({pieces}) must divide dim {dim} of size {x.shape[dim]}")
        shape = x.shape[:dim] + (x.shape[dim] // pieces, pieces) + x.shape[dim + 1:]
        xr = x.reshape(shape)
        arg = xr.argmax(axis=dim + 1)
        ctx.shape, ctx.x_shape, ctx.arg, ctx.dim = shape, x.shape, arg, dim
        return xp_of(x).take_along_axis(xr, xp_of(x).expand_dims(arg, dim + 1), axis=dim + 1).squeeze(dim + 1)

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        full = xp.zeros(ctx.shape, dtype=g.dtype)
        xp.put_along_axis(full, xp.expand_dims(ctx.arg, ctx.dim + 1), xp.expand_dims(g, ctx.dim + 1), axis=ctx.dim + 1)
        return full.reshape(ctx.x_shape)


def maxout(x, pieces, dim=1):
    """Maxout: the maximum over ``pieces`` consecutive channels along ``dim``: (N, C, ...) -> (N, C/pieces, ...).

    >>> F.maxout(i2dl.randn(2, 6, 4), pieces=3).shape
    (2, 2, 4)"""
    return MaxoutFunction.apply(x, pieces=pieces, dim=dim)


def _log_softmax(x, axis):
    xp = xp_of(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class SoftmaxFunction(Function):
    """softmax(x)_i = e^{x_i - max x} / sum_j e^{x_j - max x}; J^T g = s (g - <g, s>)."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        x = float_input(x)
        s = xp_of(x).exp(_log_softmax(x, dim))
        ctx.s, ctx.dim = s, dim
        return s

    @staticmethod
    def backward(ctx, g):
        s = ctx.s
        return s * (g - (g * s).sum(axis=ctx.dim, keepdims=True))


def softmax(x, dim=-1):
    """softmax(x)_i = e^(x_i - max x) / sum_j e^(x_j - max x) along ``dim``. Any shape.

    >>> F.softmax(i2dl.tensor([[1.0, 1.0]])).tolist()
    [[0.5, 0.5]]"""
    return SoftmaxFunction.apply(x, dim=dim)


class LogSoftmaxFunction(Function):
    """log softmax(x) = x - max x - log sum e^{x - max x}; J^T g = g - softmax(x) sum g."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        x = float_input(x)
        y = _log_softmax(x, dim)
        ctx.y, ctx.dim = y, dim
        return y

    @staticmethod
    def backward(ctx, g):
        return g - xp_of(g).exp(ctx.y) * g.sum(axis=ctx.dim, keepdims=True)


def log_softmax(x, dim=-1):
    """log softmax(x) = x - max x - log sum e^(x - max x) along ``dim`` (stable for large |x|).

    >>> round(F.log_softmax(i2dl.tensor([[0.0, 0.0]]))[0, 0].item(), 4)
    -0.6931"""
    return LogSoftmaxFunction.apply(x, dim=dim)
