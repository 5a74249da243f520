"""Linear (y = x W^T + b; W (out_features, in_features), PyTorch's layout), Flatten, Identity."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..kernels.checks import check_int
from . import init
from .module import Module, Parameter, check_input


class Linear(Module):
    """y = x W^T + b; x (..., in_features) -> (..., out_features), W (out_features, in_features), b
    (out_features,). Initialised for the activation that follows (He for ReLU-like, Xavier for
    tanh/sigmoid/linear); bias zeros. Reference: ``i2dl.kernels.reference.linear_forward``.

    >>> nn.Linear(5, 3)(i2dl.randn(4, 5)).shape
    (4, 3)"""

    def __init__(self, in_features, out_features, bias=True, nonlinearity="relu", dtype=np.float32):
        super().__init__()
        self.in_features = check_int("Linear", "in_features", in_features, 0)
        self.out_features = check_int("Linear", "out_features", out_features, 0)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        init.init_for(self.weight, nonlinearity)
        self.bias = Parameter(np.zeros(out_features, dtype=dtype)) if bias else None

    def forward(self, x):
        check_input("Linear", x, -1, self.in_features, "features")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flattens dims start_dim.. into one: (N, C, H, W) -> (N, C*H*W) at start_dim=1.

    >>> nn.Flatten()(i2dl.randn(2, 3, 4, 5)).shape
    (2, 60)"""
    def __init__(self, start_dim=1):
        super().__init__()
        self.start_dim = check_int("Flatten", "start_dim", start_dim, -(2 ** 62))

    def forward(self, x):
        if not -x.ndim <= self.start_dim < max(x.ndim, 1):
            raise IndexError(f"Flatten: argument 'start_dim' ({self.start_dim}) is out of range for a {x.ndim}-D input "
                             f"(expected in [{-max(x.ndim, 1)}, {max(x.ndim, 1) - 1}])")
        return x.flatten(self.start_dim)


class Identity(Module):
    """y = x (a placeholder, e.g. where a BatchNorm2d was folded into its conv).

    >>> nn.Identity()(i2dl.tensor([1.0, 2.0])).tolist()
    [1.0, 2.0]"""
    def forward(self, x):
        return x
