"""Max, average, adaptive and global average pooling modules, and max unpooling."""
from __future__ import annotations

from .. import functional as F
from .module import Module


class MaxPool2d(Module):
    """y[n, c, i, j] = max of the kernel_size window (taps ``dilation`` apart) at (i*stride, j*stride)
    of the padded x; (N, C, H, W) -> (N, C, OH, OW), stride defaults to kernel_size; ``ceil_mode``
    rounds the output size up; ``return_indices`` also returns the maxima's positions (for
    MaxUnpool2d). Reference: ``i2dl.kernels.reference.max_pool2d_forward``.

    >>> nn.MaxPool2d(2)(i2dl.randn(1, 3, 8, 8)).shape
    (1, 3, 4, 4)"""
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """y = the mean of each kernel_size window: padding counted as zeros (``count_include_pad``),
    or the divisor ``divisor_override``; (N, C, H, W) -> (N, C, OH, OW), ``ceil_mode`` as MaxPool2d.
    Reference: ``i2dl.kernels.reference.avg_pool2d_forward``.

    >>> nn.AvgPool2d(2)(i2dl.randn(1, 3, 8, 8)).shape
    (1, 3, 4, 4)"""
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(Module):
    """The partial inverse of MaxPool2d: ``forward(input, indices, output_size=None)`` puts every
    value back at its maximum's position, zeros elsewhere (see :func:`i2dl.functional.max_unpool2d`).

    >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    >>> y, idx = pool(i2dl.randn(1, 2, 4, 4)); unpool(y, idx).shape
    (1, 2, 4, 4)"""
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class GlobalAvgPool2d(Module):
    """y[n, c] = the mean over H x W; (N, C, H, W) -> (N, C, 1, 1). Reference:
    ``i2dl.kernels.reference.global_avg_pool2d_forward``.

    >>> nn.GlobalAvgPool2d()(i2dl.randn(2, 3, 4, 4)).shape
    (2, 3, 1, 1)"""
    def forward(self, x):
        return F.global_avg_pool2d(x)


class AdaptiveAvgPool2d(Module):
    """Average pooling to ``output_size`` (int, pair, None entries keep that dim), PyTorch's bins; see
    :func:`i2dl.functional.adaptive_avg_pool2d`.

    >>> nn.AdaptiveAvgPool2d((7, 7))(i2dl.randn(1, 4, 2, 2)).shape
    (1, 4, 7, 7)"""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to ``output_size`` over PyTorch's adaptive bins; see
    :func:`i2dl.functional.adaptive_max_pool2d`.

    >>> nn.AdaptiveMaxPool2d(2)(i2dl.randn(1, 4, 5, 5)).shape
    (1, 4, 2, 2)"""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, x):
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"
