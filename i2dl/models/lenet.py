"""LeNet-style convolutional networks (LeCun et al., 1998), with ReLU and max pooling as the
lecture presents them."""
from __future__ import annotations

from .. import nn


class LeNet5(nn.Module):
    """The classic LeNet-5 on 1x28x28 (or 1x32x32 with padding=0 on the first conv):
    conv 6@5x5 -> pool -> conv 16@5x5 -> pool -> 120 -> 84 -> classes."""

    def __init__(self, in_channels=1, num_classes=10, image_size=28):
        super().__init__()
        self.config = dict(in_channels=in_channels, num_classes=num_classes, image_size=image_size)
        side = ((image_size - 4) // 2 - 4) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * side * side, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes, nonlinearity="linear"))

    def forward(self, x):
        return self.classifier(self.features(x))


class DigitsCNN(nn.Module):
    """A small LeNet-style CNN for 1x8x8 digits (or any square ``image_size`` and ``in_channels``): two
    3x3 conv blocks (same padding) with 2x2 max pooling (8 -> 4 -> 2), then a two-layer classifier with dropout. ``batch_norm=True`` puts a
    BatchNorm2d after each conv (whose bias it makes redundant, so the convs have none)."""

    def __init__(self, in_channels=1, num_classes=10, width=32, dropout=0.25, batch_norm=False, image_size=8):
        super().__init__()
        if not (isinstance(image_size, int) and image_size >= 4):
            raise ValueError(f"DigitsCNN: argument 'image_size' must be an integer >= 4 (square images), got {image_size!r}")
        self.config = dict(in_channels=in_channels, num_classes=num_classes, width=width, dropout=dropout,
                           batch_norm=batch_norm, image_size=image_size)
        side = image_size // 2 // 2

        def block(cin, cout):
            if batch_norm:
                return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                        nn.MaxPool2d(2)]
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*block(in_channels, width), *block(width, 2 * width))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(2 * width * side * side, 128), nn.ReLU(),
            nn.Linear(128, num_classes, nonlinearity="linear"))

    def forward(self, x):
        return self.classifier(self.features(x))
