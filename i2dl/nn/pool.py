"""Max, average and global average pooling modules."""
from __future__ import annotations

from .. import functional as F
from .module import Module


class MaxPool2d(Module):
    """y[n, c, i, j] = max of the kernel_size window at (i*stride, j*stride) of the padded x;
    (N, C, H, W) -> (N, C, OH, OW), stride defaults to kernel_size. Reference:
    ``i2dl.kernels.reference.max_pool2d_forward``.

    >>> nn.MaxPool2d(2)(i2dl.randn(1, 3, 8, 8)).shape
    (1, 3, 4, 4)"""
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}"


class AvgPool2d(MaxPool2d):
    """y = the mean of each kernel_size window (padding counted as zeros); (N, C, H, W) -> (N, C, OH, OW).
    Reference: ``i2dl.kernels.reference.avg_pool2d_forward``.

    >>> nn.AvgPool2d(2)(i2dl.randn(1, 3, 8, 8)).shape
    (1, 3, 4, 4)"""
    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


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
