"""ResNet (lecture §IX: residual blocks, y = F(x) + x, let gradients pass through deep stacks), with
torchvision's constructors, arguments and parameter names (``conv1``, ``bn1``, ``layer1.0.conv1``,
``layer2.0.downsample.0``, ``fc``), so a torchvision state_dict loads and gives the same outputs;
and the CIFAR-style ResNet-20 (three stages of 16, 32, 64 channels on 32x32 inputs)."""
from __future__ import annotations

from .. import nn


def _conv3x3(cin, cout, stride=1, dilation=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False)


def _conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), both convs 3x3."""
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, dilation=1):
        super().__init__()
        if dilation > 1:
            raise ValueError("BasicBlock: argument 'dilation' must be 1 (as torchvision's: dilate Bottleneck "
                             f"ResNets), got {dilation}")
        self.conv1, self.bn1 = _conv3x3(inplanes, planes, stride), nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2, self.bn2 = _conv3x3(planes, planes), nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    """1x1 (reduce) -> 3x3 (stride) -> 1x1 (expand x4), plus the shortcut: torchvision's v1.5."""
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, dilation=1):
        super().__init__()
        self.conv1, self.bn1 = _conv1x1(inplanes, planes), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = _conv3x3(planes, planes, stride, dilation), nn.BatchNorm2d(planes)
        self.conv3, self.bn3 = _conv1x1(planes, planes * 4), nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}


class ResNet(nn.Module):
    """torchvision's ResNet: a 7x7 stride-2 stem, 3x3 stride-2 max pool, four stages of ``layers`` blocks
    (64, 128, 256, 512 planes; stride 2 from the second), global average pool, fc.
    ``replace_stride_with_dilation`` (three bools for stages 2-4) keeps a stage's resolution and
    dilates its 3x3 convolutions instead (the atrous backbone of FCN and DeepLab).

    >>> ResNet("basic", [1, 1, 1, 1], num_classes=10)(i2dl.randn(1, 3, 32, 32)).shape
    (1, 10)"""

    def __init__(self, block="basic", layers=(2, 2, 2, 2), num_classes=1000, in_channels=3,
                 replace_stride_with_dilation=None):
        super().__init__()
        if block not in BLOCKS:
            raise ValueError(f"ResNet: argument 'block' must be one of {sorted(BLOCKS)}, got {block!r}")
        dilate = list(replace_stride_with_dilation or (False, False, False))
        if len(dilate) != 3 or not all(isinstance(d, bool) for d in dilate):
            raise ValueError(f"ResNet: argument 'replace_stride_with_dilation' must be three bools, got "
                             f"{replace_stride_with_dilation!r}")
        self.config = dict(block=block, layers=list(layers), num_classes=num_classes, in_channels=in_channels)
        if any(dilate):
            self.config["replace_stride_with_dilation"] = dilate
        B = BLOCKS[block]
        self.inplanes, self.dilation = 64, 1
        self.conv1 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(64), nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._stage(B, 64, layers[0])
        self.layer2 = self._stage(B, 128, layers[1], stride=2, dilate=dilate[0])
        self.layer3 = self._stage(B, 256, layers[2], stride=2, dilate=dilate[1])
        self.layer4 = self._stage(B, 512, layers[3], stride=2, dilate=dilate[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * B.expansion, num_classes, nonlinearity="linear")

    def _stage(self, B, planes, blocks, stride=1, dilate=False):
        previous = self.dilation  # the first block keeps the dilation before this stage's (torchvision's rule)
        if dilate:
            self.dilation, stride = self.dilation * stride, 1
        downsample = None
        if stride != 1 or self.inplanes != planes * B.expansion:
            downsample = nn.Sequential(_conv1x1(self.inplanes, planes * B.expansion, stride),
                                       nn.BatchNorm2d(planes * B.expansion))
        stage = [B(self.inplanes, planes, stride, downsample, dilation=previous)]
        self.inplanes = planes * B.expansion
        stage += [B(self.inplanes, planes, dilation=self.dilation) for _ in range(1, blocks)]
        return nn.Sequential(*stage)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def resnet18(weights=None, num_classes=1000):
    """ResNet-18 (BasicBlock, [2, 2, 2, 2]); ``weights`` must be None (load a state_dict instead)."""
    _no_weights(weights)
    return ResNet("basic", [2, 2, 2, 2], num_classes)


def resnet34(weights=None, num_classes=1000):
    _no_weights(weights)
    return ResNet("basic", [3, 4, 6, 3], num_classes)


def resnet50(weights=None, num_classes=1000, replace_stride_with_dilation=None):
    _no_weights(weights)
    return ResNet("bottleneck", [3, 4, 6, 3], num_classes, replace_stride_with_dilation=replace_stride_with_dilation)


def _no_weights(weights):
    if weights is not None:
        raise ValueError(f"argument 'weights' must be None (no download: load torchvision's state_dict with "
                         f"load_state_dict), got {weights!r}")


class _CifarBlock(nn.Module):
    """BasicBlock with a 1x1 projection shortcut where the shape changes (option B)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = _conv3x3(cin, cout, stride), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = _conv3x3(cout, cout), nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.downsample = (nn.Sequential(_conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))
                           if stride != 1 or cin != cout else None)

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class CifarResNet(nn.Module):
    """He et al.'s CIFAR ResNet: a 3x3 stem of 16 channels, three stages of n blocks (16, 32, 64
    channels, stride 2 from the second), global average pool, fc; depth 6n + 2 (resnet20: n = 3).

    >>> CifarResNet(n=1, num_classes=10)(i2dl.randn(2, 3, 32, 32)).shape
    (2, 10)"""

    def __init__(self, n=3, num_classes=10, in_channels=3):
        super().__init__()
        self.config = dict(n=n, num_classes=num_classes, in_channels=in_channels)
        self.conv1, self.bn1, self.relu = _conv3x3(in_channels, 16), nn.BatchNorm2d(16), nn.ReLU()
        stages, cin = [], 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            stages.append(nn.Sequential(*[_CifarBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1)
                                          for i in range(n)]))
            cin = cout
        self.layer1, self.layer2, self.layer3 = stages
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes, nonlinearity="linear")

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        return self.fc(self.avgpool(self.layer3(self.layer2(self.layer1(x)))).flatten(1))


def resnet20(num_classes=10, in_channels=3):
    """The CIFAR ResNet of depth 20 (0.27 M parameters) for 32x32 inputs (any size of 4 or more)."""
    return CifarResNet(3, num_classes, in_channels)
