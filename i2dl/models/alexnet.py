"""AlexNet (Krizhevsky et al., 2012; lecture §X: the first deep CNN to win ImageNet: large first
filters with stride 4, ReLU, overlapping 3x3/2 max pools, dropout in the classifier), with
torchvision's constructor and parameter names (``features.<i>``, ``classifier.1/4/6``), so a
torchvision state_dict loads and gives the same outputs."""
from __future__ import annotations

from .. import nn
from .resnet import _no_weights


class AlexNet(nn.Module):
    """features: conv 11x11/4 (64) - pool - conv 5x5 (192) - pool - conv 3x3 (384, 256, 256) - pool;
    adaptive average pool to 6x6; classifier Dropout - Linear(9216, 4096) - ReLU - Dropout -
    Linear(4096, 4096) - ReLU - Linear(4096, num_classes). Input 3 x H x W with H, W >= 63.

    >>> AlexNet(num_classes=10)(i2dl.randn(1, 3, 64, 64)).shape
    (1, 10)"""

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def alexnet(weights=None, num_classes=1000, dropout=0.5):
    """AlexNet with torchvision's names (weights: load torchvision's state_dict with load_state_dict)."""
    _no_weights(weights)
    return AlexNet(num_classes, dropout)
