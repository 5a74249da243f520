"""Fully convolutional network for segmentation (Long et al., 2015; lecture §XI.1: no fully connected
layer, so any input size works; the coarse class map is upsampled back to the input's size), as
torchvision's ``fcn_resnet50``: a ResNet-50 backbone whose last two stages keep the resolution by
dilation (output stride 8), the FCN head, bilinear upsampling, and torchvision's parameter names
(``backbone.*``, ``classifier.*``, ``aux_classifier.*``) so its state_dict loads."""
from __future__ import annotations

from .. import functional as F
from .. import nn
from .resnet import _no_weights, resnet50


class FCNHead(nn.Sequential):
    """3x3 conv to in/4 channels (no bias), batch norm, ReLU, dropout 0.1, 1x1 conv to the classes."""

    def __init__(self, in_channels, channels):
        inter = in_channels // 4
        super().__init__(nn.Conv2d(in_channels, inter, 3, padding=1, bias=False), nn.BatchNorm2d(inter), nn.ReLU(),
                         nn.Dropout(0.1), nn.Conv2d(inter, channels, 1))


class _Backbone(nn.Module):
    """A ResNet's layers up to layer4 (no pool, no fc); ``forward`` returns layer4's features and,
    for the auxiliary head, layer3's."""

    def __init__(self, resnet):
        super().__init__()
        for name in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"):
            setattr(self, name, getattr(resnet, name))

    def forward(self, x):
        x = self.layer2(self.layer1(self.maxpool(self.relu(self.bn1(self.conv1(x))))))
        aux = self.layer3(x)
        return self.layer4(aux), aux


class FCN(nn.Module):
    """``forward(x)`` -> {"out": (N, classes, H, W)} (and "aux" with ``aux_loss``), each map
    bilinearly upsampled (align_corners=False) to the input's H x W.

    >>> m = fcn_resnet50(num_classes=3).eval()
    >>> m(i2dl.randn(1, 3, 32, 32))["out"].shape
    (1, 3, 32, 32)"""

    def __init__(self, backbone, classifier, aux_classifier=None):
        super().__init__()
        self.backbone, self.classifier, self.aux_classifier = backbone, classifier, aux_classifier

    def forward(self, x):
        size = tuple(x.shape[-2:])
        out, aux = self.backbone(x)
        result = {"out": F.interpolate(self.classifier(out), size=size, mode="bilinear", align_corners=False)}
        if self.aux_classifier is not None:
            result["aux"] = F.interpolate(self.aux_classifier(aux), size=size, mode="bilinear", align_corners=False)
        return result


def fcn_resnet50(weights=None, num_classes=None, aux_loss=None, weights_backbone=None):
    """torchvision's fcn_resnet50 (21 classes by default); ``weights`` and ``weights_backbone`` must
    be None (load a torchvision state_dict with load_state_dict)."""
    _no_weights(weights)
    _no_weights(weights_backbone)
    num_classes = 21 if num_classes is None else num_classes
    backbone = _Backbone(resnet50(replace_stride_with_dilation=[False, True, True]))
    return FCN(backbone, FCNHead(2048, num_classes), FCNHead(1024, num_classes) if aux_loss else None)
