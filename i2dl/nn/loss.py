"""Losses as modules (PyTorch's names)."""
from __future__ import annotations

from .. import functional as F
from .module import Module


class _Loss(Module):
    fn = None

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return type(self).fn(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    fn = staticmethod(F.l1_loss)


class MSELoss(_Loss):
    fn = staticmethod(F.mse_loss)


class BCELoss(_Loss):
    fn = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    fn = staticmethod(F.binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    fn = staticmethod(F.cross_entropy)


class MultiMarginLoss(_Loss):
    fn = staticmethod(F.multi_margin_loss)


HingeLoss = MultiMarginLoss
