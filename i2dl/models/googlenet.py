"""GoogLeNet, Inception v1 (Szegedy et al., 2015; lecture §X: the Inception layer runs 1x1, 3x3 and
5x5 convolutions and a pool side by side and concatenates them, with 1x1 convolutions that shrink
the channels first to keep it affordable), as torchvision builds it: batch norm after every
convolution, the auxiliary classifiers in training (``aux_logits``), and torchvision's parameter
names, so a torchvision state_dict loads and gives the same outputs.

As in torchvision, the "5x5" branch uses a 3x3 convolution (a slip in its first release that its
weights keep); the 3x3/2 pools use ceil mode.
"""
from __future__ import annotations

from collections import namedtuple

from .. import functional as F
from .. import nn
from ..tensor import cat
from .resnet import _no_weights

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])


class BasicConv2d(nn.Module):
    """conv (no bias) - batch norm (eps 1e-3) - ReLU."""

    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four branches on the same input, concatenated along the channels: 1x1; 1x1 then 3x3; 1x1 then
    3x3 (torchvision's "5x5"); 3x3/1 max pool then 1x1."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))

    def forward(self, x):
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """The auxiliary classifier: adaptive average pool to 4x4, 1x1 conv (128), Linear(2048, 1024),
    ReLU, dropout, Linear(1024, num_classes)."""

    def __init__(self, in_channels, num_classes, dropout=0.7):
        super().__init__()
        self.conv = BasicConv2d(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = self.conv(F.adaptive_avg_pool2d(x, (4, 4))).flatten(1)
        return self.fc2(self.dropout(F.relu(self.fc1(x))))


class GoogLeNet(nn.Module):
    """Stem (7x7/2 conv, pool, 1x1 and 3x3 convs, pool), Inception 3a-3b, pool, 4a-4e, pool, 5a-5b,
    global average pool, dropout, Linear(1024, num_classes). In training with ``aux_logits`` the
    output is ``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)``, else the logits.
    ``transform_input`` maps ImageNet-normalised input to the (x - 0.5) / 0.5 scaling the original
    weights were trained on.

    >>> m = GoogLeNet(num_classes=10, aux_logits=False).eval()
    >>> m(i2dl.randn(1, 3, 64, 64)).shape
    (1, 10)"""

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, init_weights=None, dropout=0.2,
                 dropout_aux=0.7):
        super().__init__()
        self.aux_logits, self.transform_input = aux_logits, transform_input
        self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
        if aux_logits:
            self.aux1 = InceptionAux(512, num_classes, dropout=dropout_aux)
            self.aux2 = InceptionAux(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)
        if init_weights is None or init_weights:  # torchvision: truncated normal (std 0.01), clipped at 2 std
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)

    def _transform(self, x):
        if not self.transform_input:
            return x
        scale, shift = (0.229, 0.224, 0.225), (0.485, 0.456, 0.406)
        return cat([x[:, c:c + 1] * (scale[c] / 0.5) + (shift[c] - 0.5) / 0.5 for c in range(3)], 1)

    def forward(self, x):
        x = self.maxpool2(self.conv3(self.conv2(self.maxpool1(self.conv1(self._transform(x))))))
        x = self.inception4a(self.maxpool3(self.inception3b(self.inception3a(x))))
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.inception5b(self.inception5a(self.maxpool4(self.inception4e(x))))
        x = self.fc(self.dropout(self.avgpool(x).flatten(1)))
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(x, aux2, aux1)
        return x


def googlenet(weights=None, num_classes=1000, aux_logits=True, transform_input=False, init_weights=None,
              dropout=0.2, dropout_aux=0.7):
    """GoogLeNet with torchvision's names and defaults (weights: load torchvision's state_dict)."""
    _no_weights(weights)
    return GoogLeNet(num_classes, aux_logits, transform_input, init_weights, dropout, dropout_aux)
