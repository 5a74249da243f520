"""Every activation of i2dl.functional as a module (PReLU learns its slope)."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .module import Module, Parameter


class ReLU(Module):
    """y = max(x, 0) elementwise, any shape. Reference: ``i2dl.kernels.reference.relu_forward``.

    >>> nn.ReLU()(i2dl.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]"""
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace  # PyTorch's argument; the result is always a new tensor (autograd needs x)

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """y = x for x > 0, negative_slope * x otherwise; any shape.

    >>> nn.LeakyReLU(0.5)(i2dl.tensor([-1.0, 2.0])).tolist()
    [-0.5, 2.0]"""
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Learned negative slope: one shared (num_parameters=1) or one per channel."""

    def __init__(self, num_parameters=1, init=0.25, dtype=np.float32):
        super().__init__()
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))

    def forward(self, x):
        return F.prelu(x, self.weight)


class ELU(Module):
    """y = x for x > 0, alpha (e^x - 1) otherwise; any shape.

    >>> nn.ELU()(i2dl.tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]"""
    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)


class Sigmoid(Module):
    """y = 1 / (1 + e^-x) elementwise; any shape.

    >>> nn.Sigmoid()(i2dl.tensor([0.0])).tolist()
    [0.5]"""
    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """y = tanh(x) elementwise; any shape.

    >>> nn.Tanh()(i2dl.tensor([0.0])).tolist()
    [0.0]"""
    def forward(self, x):
        return F.tanh(x)


class Swish(Module):
    """y = x * sigmoid(beta x) elementwise; any shape.

    >>> nn.Swish()(i2dl.tensor([0.0])).tolist()
    [0.0]"""
    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, x):
        return F.swish(x, self.beta)


class SiLU(Swish):
    """y = x * sigmoid(x) (Swish with beta = 1).

    >>> nn.SiLU()(i2dl.tensor([0.0])).tolist()
    [0.0]"""
    def __init__(self):
        super().__init__(1.0)


class Maxout(Module):
    """y = the maximum over groups of ``pieces`` consecutive entries along ``dim`` (its size / pieces
    remain).

    >>> nn.Maxout(2)(i2dl.randn(3, 6)).shape
    (3, 3)"""
    def __init__(self, pieces, dim=1):
        super().__init__()
        self.pieces, self.dim = pieces, dim

    def forward(self, x):
        return F.maxout(x, self.pieces, self.dim)


class Softmax(Module):
    """y_i = e^(x_i) / sum_j e^(x_j) along ``dim``; any shape.

    >>> round(float(nn.Softmax(dim=1)(i2dl.randn(2, 5)).numpy()[0].sum()), 5)
    1.0"""
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)


class LogSoftmax(Softmax):
    """y_i = x_i - log sum_j e^(x_j) along ``dim``; any shape.

    >>> nn.LogSoftmax(dim=1)(i2dl.randn(2, 5)).shape
    (2, 5)"""
    def forward(self, x):
        return F.log_softmax(x, self.dim)
