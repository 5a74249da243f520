"""VGG (lecture §IX: stacks of 3x3 convolutions, the receptive field grown by depth), with
torchvision's constructors and parameter names (``features.<i>``, ``classifier.0/3/6``), batch-norm
variants included, so a torchvision state_dict loads and gives the same outputs."""
from __future__ import annotations

from .. import nn
from .resnet import _no_weights

CFGS = {"A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
        "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
        "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
        "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]}


class VGG(nn.Module):
    """features (3x3 convs, optional batch norm, ReLU; 2x2 max pools at "M"), adaptive average pool to
    7x7, classifier Linear(25088, 4096) - ReLU - Dropout - Linear(4096, 4096) - ReLU - Dropout - Linear.

    >>> VGG("A", batch_norm=True, num_classes=10)(i2dl.randn(1, 3, 32, 32)).shape
    (1, 10)"""

    def __init__(self, cfg="A", batch_norm=False, num_classes=1000, dropout=0.5):
        super().__init__()
        if cfg not in CFGS:
            raise ValueError(f"VGG: argument 'cfg' must be one of {sorted(CFGS)}, got {cfg!r}")
        self.config = dict(cfg=cfg, batch_norm=batch_norm, num_classes=num_classes, dropout=dropout)
        layers, cin = [], 3
        for v in CFGS[cfg]:
            if v == "M":
                layers.append(nn.MaxPool2d(2, stride=2))
                continue
            layers.append(nn.Conv2d(cin, v, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            cin = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(dropout),
                                        nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(dropout),
                                        nn.Linear(4096, num_classes, nonlinearity="linear"))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def _vgg(cfg, bn):
    def make(weights=None, num_classes=1000, dropout=0.5):
        _no_weights(weights)
        return VGG(cfg, bn, num_classes, dropout)
    make.__doc__ = f"VGG configuration {cfg}{' with batch norm' if bn else ''} (torchvision's names)."
    return make


vgg11, vgg11_bn, vgg13, vgg13_bn = _vgg("A", False), _vgg("A", True), _vgg("B", False), _vgg("B", True)
vgg16, vgg16_bn, vgg19, vgg19_bn = _vgg("D", False), _vgg("D", True), _vgg("E", False), _vgg("E", True)
