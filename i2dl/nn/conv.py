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


class ConvTranspose2d(Module):
    """The transposed convolution (U-Net's up-convolution): weight (in_channels, out_channels/groups, kh, kw),
    bias (out_channels,), PyTorch's layout, arguments and initialisation (U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    with fan_in = out_channels/groups * kh * kw, as its kaiming_uniform_(a=sqrt(5)) gives).
    ``forward(x, output_size=None)``: an ``output_size`` (H, W) picks the output_padding that reaches it.

    >>> up = nn.ConvTranspose2d(8, 4, 2, stride=2)
    >>> up(i2dl.randn(1, 8, 5, 5)).shape
    (1, 4, 10, 10)"""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", dtype=np.float32):
        super().__init__()
        fn = "ConvTranspose2d"
        if padding_mode != "zeros":
            raise ValueError(f"{fn}: argument 'padding_mode' must be 'zeros' (the only mode of a transposed "
                             f"convolution), got {padding_mode!r}")
        in_channels, out_channels = check_int(fn, "in_channels", in_channels, 1), check_int(fn, "out_channels", out_channels, 1)
        groups = check_int(fn, "groups", groups, 1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{fn}: argument 'groups' ({groups}) must divide in_channels ({in_channels}) and "
                             f"out_channels ({out_channels})")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = as_pair(fn, "kernel_size", kernel_size, 1), as_pair(fn, "stride", stride, 1)
        self.padding, self.dilation = as_pair(fn, "padding", padding, 0), as_pair(fn, "dilation", dilation, 1)
        self.output_padding = as_pair(fn, "output_padding", output_padding, 0)
        self.weight = Parameter(np.empty((in_channels, out_channels // groups) + self.kernel_size, dtype=dtype))
        fan_in = (out_channels // groups) * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / np.sqrt(fan_in)
        init.uniform_(self.weight, -bound, bound)
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def _output_padding(self, x, output_size):
        if output_size is None:
            return self.output_padding
        size = tuple(int(v) for v in output_size)[-2:]
        pads = []
        for d, want in enumerate(size):
            least = ((int(x.shape[2 + d]) - 1) * self.stride[d] - 2 * self.padding[d]
                     + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            if not least <= want < least + max(self.stride[d], self.dilation[d]):
                raise ValueError(f"ConvTranspose2d: argument 'output_size' {tuple(size)} must lie between "
                                 f"{least} and {least + max(self.stride[d], self.dilation[d]) - 1} along dim {2 + d}, "
                                 f"got {want}")
            pads.append(want - least)
        return tuple(pads)

    def forward(self, x, output_size=None):
        check_input("ConvTranspose2d", x, 1, self.in_channels, "channels")
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(x, output_size), self.groups, self.dilation)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        for name, default in (("padding", (0, 0)), ("output_padding", (0, 0)), ("dilation", (1, 1))):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s
