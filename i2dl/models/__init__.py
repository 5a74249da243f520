"""``i2dl.models``: the lecture's networks, built from ``i2dl.nn``; saving and loading them as one
safetensors file holding the weights and the class and constructor config — no pickle."""
from __future__ import annotations

from . import checkpoint
from .alexnet import AlexNet, alexnet
from .fcn import FCN, FCNHead, fcn_resnet50
from .googlenet import GoogLeNet, GoogLeNetOutputs, googlenet
from .lenet import DigitsCNN, LeNet5
from .mlp import MLP
from .recurrent import RowSequenceClassifier
from .resnet import CifarResNet, ResNet, resnet18, resnet20, resnet34, resnet50
from .report import layer_table, summary
from .unet import UNet
from .xception import SeparableConv2d, Xception, xception
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn

MODELS = {"LeNet5": LeNet5, "DigitsCNN": DigitsCNN, "MLP": MLP, "RowSequenceClassifier": RowSequenceClassifier,
          "ResNet": ResNet, "CifarResNet": CifarResNet, "VGG": VGG, "UNet": UNet}


def save(model, path, **extra):
    """Writes the model's weights and config (and ``extra``, JSON values) to ``<path>.safetensors``,
    atomically; returns that file. See :mod:`i2dl.models.checkpoint`."""
    return checkpoint.save(model, path, MODELS, **extra)


def load(path):
    """Rebuilds the model saved at ``path`` (the stem given to :func:`save`, or the file) and loads
    its weights, after checking them against the architecture."""
    return checkpoint.load(path, MODELS)


def read_metadata(path) -> dict:
    """The saved ``{"model", "config", extras...}`` of a checkpoint, without reading its weights."""
    return checkpoint.read_metadata(path)
