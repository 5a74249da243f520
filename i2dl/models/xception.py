"""Xception (Chollet, 2017; lecture §X: "extreme Inception": every convolution split into a
depthwise 3x3, one filter per channel, and a pointwise 1x1 that mixes the channels, ~9x fewer
multiplications than a full 3x3), with residual connections around every block. The layout and
parameter names are those of the widely used ImageNet port (Cadene's ``pretrainedmodels``, timm's
legacy ``xception``: ``conv1``, ``block1.rep.0.conv1``, ``block1.skip``, ..., ``fc``), so its
weights load by name. The depthwise convolutions run on i2dl's depthwise kernel."""
from __future__ import annotations

from .. import functional as F
from .. import nn
from .resnet import _no_weights


class SeparableConv2d(nn.Module):
    """Depthwise conv (groups = in_channels, ``conv1``) then a 1x1 pointwise conv (``pointwise``)."""

    def __init__(self, in_channels, out_channels, kernel_size=1, stride=1, padding=0, dilation=1, bias=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, in_channels, kernel_size, stride, padding, dilation, groups=in_channels,
                               bias=bias)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.conv1(x))


class Block(nn.Module):
    """``reps`` x (ReLU, separable 3x3, batch norm), the channel change first (``grow_first``) or
    last; a 3x3/2 max pool when strided; plus the shortcut (a strided 1x1 conv and batch norm where
    the shape changes, else the input)."""

    def __init__(self, in_filters, out_filters, reps, strides=1, start_with_relu=True, grow_first=True):
        super().__init__()
        if out_filters != in_filters or strides != 1:
            self.skip = nn.Conv2d(in_filters, out_filters, 1, stride=strides, bias=False)
            self.skipbn = nn.BatchNorm2d(out_filters)
        else:
            self.skip = None
        rep, filters = [], in_filters
        if grow_first:
            rep += [nn.ReLU(), SeparableConv2d(in_filters, out_filters, 3, padding=1), nn.BatchNorm2d(out_filters)]
            filters = out_filters
        for _ in range(reps - 1):
            rep += [nn.ReLU(), SeparableConv2d(filters, filters, 3, padding=1), nn.BatchNorm2d(filters)]
        if not grow_first:
            rep += [nn.ReLU(), SeparableConv2d(in_filters, out_filters, 3, padding=1), nn.BatchNorm2d(out_filters)]
        if not start_with_relu:
            rep = rep[1:]
        if strides != 1:
            rep.append(nn.MaxPool2d(3, strides, 1))
        self.rep = nn.Sequential(*rep)

    def forward(self, x):
        skip = x if self.skip is None else self.skipbn(self.skip(x))
        return self.rep(x) + skip


class Xception(nn.Module):
    """Entry flow (3x3/2 conv 32, 3x3 conv 64, blocks of 128, 256, 728 channels, each halving the
    size), middle flow (8 blocks of 728), exit flow (728 -> 1024 block, separable convs of 1536 and
    2048), global average pool, fc. 22.9 M parameters at 1000 classes; inputs of 299x299 in the
    paper, any size of 64 or more here.

    >>> Xception(num_classes=10)(i2dl.randn(1, 3, 64, 64)).shape
    (1, 10)"""

    def __init__(self, num_classes=1000, in_channels=3):
        super().__init__()
        self.conv1, self.bn1, self.relu = nn.Conv2d(in_channels, 32, 3, 2, 0, bias=False), nn.BatchNorm2d(32), nn.ReLU()
        self.conv2, self.bn2 = nn.Conv2d(32, 64, 3, bias=False), nn.BatchNorm2d(64)
        self.block1 = Block(64, 128, 2, 2, start_with_relu=False, grow_first=True)
        self.block2 = Block(128, 256, 2, 2)
        self.block3 = Block(256, 728, 2, 2)
        for i in range(4, 12):
            setattr(self, f"block{i}", Block(728, 728, 3, 1))
        self.block12 = Block(728, 1024, 2, 2, grow_first=False)
        self.conv3, self.bn3 = SeparableConv2d(1024, 1536, 3, 1, 1), nn.BatchNorm2d(1536)
        self.conv4, self.bn4 = SeparableConv2d(1536, 2048, 3, 1, 1), nn.BatchNorm2d(2048)
        self.fc = nn.Linear(2048, num_classes, nonlinearity="linear")

    def features(self, x):
        x = self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))))
        for i in range(1, 13):
            x = getattr(self, f"block{i}")(x)
        x = self.relu(self.bn3(self.conv3(x)))
        return self.bn4(self.conv4(x))

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(F.relu(self.features(x)), (1, 1)).flatten(1))


def xception(weights=None, num_classes=1000, in_channels=3):
    """Xception (weights: load the ported ImageNet state_dict with load_state_dict)."""
    _no_weights(weights)
    return Xception(num_classes, in_channels)
