"""Layers with parameters or modes: Linear, Conv2d, pooling, Dropout, Flatten, Identity.
Parameter layouts are PyTorch's, so weights move between the two through state_dict."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..kernels._checks import as_pair, check_int, check_real
from . import init
from .module import Module, Parameter


def _check_input(fn, x, dim, expected, what):
    """x has ``expected`` entries along ``dim`` (the layer's in_features or in_channels)."""
    shape = tuple(x.shape)
    if len(shape) <= abs(dim) - (dim < 0) or shape[dim] != expected:
        raise ValueError(f"{fn}: argument 'input' must have {expected} {what} (dim {dim}), got shape {shape}")


class Linear(Module):
    """y = x W^T + b; W (out_features, in_features). Initialised for the activation that follows
    (He for ReLU-like, Xavier for tanh/sigmoid/linear); bias zeros."""

    def __init__(self, in_features, out_features, bias=True, nonlinearity="relu", dtype=np.float32):
        super().__init__()
        self.in_features = check_int("Linear", "in_features", in_features, 0)
        self.out_features = check_int("Linear", "out_features", out_features, 0)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        init.init_for(self.weight, nonlinearity)
        self.bias = Parameter(np.zeros(out_features, dtype=dtype)) if bias else None

    def forward(self, x):
        _check_input("Linear", x, -1, self.in_features, "features")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class Conv2d(Module):
    """weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 nonlinearity="relu", dtype=np.float32):
        super().__init__()
        fn = "Conv2d"
        in_channels, out_channels = check_int(fn, "in_channels", in_channels, 1), check_int(fn, "out_channels", out_channels, 1)
        groups = check_int(fn, "groups", groups, 1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: argument 'groups' ({groups}) must divide in_channels ({in_channels}) and "
                             f"out_channels ({out_channels})")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = as_pair(fn, "kernel_size", kernel_size, 1), as_pair(fn, "stride", stride, 1)
        self.padding, self.dilation = as_pair(fn, "padding", padding, 0), as_pair(fn, "dilation", dilation, 1)
        self.groups = groups
        self.weight = Parameter(np.empty((out_channels, in_channels // groups) + self.kernel_size, dtype=dtype))
        init.init_for(self.weight, nonlinearity)
        self.bias = Parameter(np.zeros(out_channels, dtype=dtype)) if bias else None

    def forward(self, x):
        _check_input("Conv2d", x, 1, self.in_channels, "channels")
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}"


class AvgPool2d(MaxPool2d):
    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class GlobalAvgPool2d(Module):
    def forward(self, x):
        return F.global_avg_pool2d(x)


class Dropout(Module):
    """Inverted dropout in training, identity in eval."""

    def __init__(self, p=0.5):
        super().__init__()
        check_real("Dropout", "p", p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: argument 'p' must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Spatial dropout: drops whole channels."""

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)


class Flatten(Module):
    def __init__(self, start_dim=1):
        super().__init__()
        self.start_dim = check_int("Flatten", "start_dim", start_dim, -(2 ** 62))

    def forward(self, x):
        if not -x.ndim <= self.start_dim < max(x.ndim, 1):
            raise IndexError(f"Flatten: argument 'start_dim' ({self.start_dim}) is out of range for a {x.ndim}-D input "
                             f"(expected in [{-max(x.ndim, 1)}, {max(x.ndim, 1) - 1}])")
        return x.flatten(self.start_dim)


class Identity(Module):
    def forward(self, x):
        return x
