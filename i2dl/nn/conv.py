"""Conv2d: weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,), PyTorch's layout."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..kernels.checks import as_pair, check_int
from . import init
from .module import Module, Parameter, check_input


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
        check_input("Conv2d", x, 1, self.in_channels, "channels")
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
