"""U-Net (lecture §X, Ronneberger et al.): a contracting path of two 3x3 convolutions and a 2x2 max
pool per stage, doubling the channels; an expanding path of 2x2 up-convolutions (ConvTranspose2d,
stride 2) that halve them, each followed by the concatenation with the same stage's features (the skip
connection) and two 3x3 convolutions; a final 1x1 convolution to the classes. Padding 1 keeps the
sizes, so an input whose sides divide by 2**depth comes back at its own size."""
from __future__ import annotations

from .. import nn
from ..ops import Concatenate


def _double_conv(cin, cout, batch_norm):
    layers = []
    for a, b in ((cin, cout), (cout, cout)):
        layers += [nn.Conv2d(a, b, 3, padding=1, bias=not batch_norm)]
        layers += [nn.BatchNorm2d(b)] if batch_norm else []
        layers += [nn.ReLU()]
    return nn.Sequential(*layers)


class UNet(nn.Module):
    """in_channels -> num_classes logits per pixel, ``base`` channels at the top, ``depth`` poolings.

    >>> UNet(in_channels=1, num_classes=3, base=8, depth=2)(i2dl.randn(2, 1, 16, 16)).shape
    (2, 3, 16, 16)"""

    def __init__(self, in_channels=1, num_classes=2, base=16, depth=3, batch_norm=True):
        super().__init__()
        self.config = dict(in_channels=in_channels, num_classes=num_classes, base=base, depth=depth,
                           batch_norm=batch_norm)
        widths = [base * 2 ** i for i in range(depth + 1)]
        self.down = nn.ModuleList([_double_conv(in_channels if i == 0 else widths[i - 1], widths[i], batch_norm)
                                   for i in range(depth)])
        self.pool = nn.MaxPool2d(2)
        self.bottom = _double_conv(widths[depth - 1], widths[depth], batch_norm)
        self.up = nn.ModuleList([nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2)
                                 for i in reversed(range(depth))])
        self.merge = nn.ModuleList([_double_conv(2 * widths[i], widths[i], batch_norm) for i in reversed(range(depth))])
        self.head = nn.Conv2d(base, num_classes, 1)

    def forward(self, x):
        skips = []
        for stage in self.down:
            x = stage(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips)):
            x = merge(Concatenate.apply(skip, up(x), axis=1))
        return self.head(x)
