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
    """mean (or sum, or none) of |input - target|; same shapes.

    >>> nn.L1Loss()(i2dl.tensor([1.0, 3.0]), i2dl.tensor([0.0, 0.0])).item()
    2.0"""
    fn = staticmethod(F.l1_loss)


class MSELoss(_Loss):
    """mean (or sum, or none) of (input - target)^2; same shapes.

    >>> nn.MSELoss()(i2dl.tensor([1.0, 3.0]), i2dl.tensor([0.0, 0.0])).item()
    5.0"""
    fn = staticmethod(F.mse_loss)


class BCELoss(_Loss):
    """-(t log p + (1 - t) log(1 - p)), p probabilities in (0, 1); same shapes.

    >>> round(nn.BCELoss()(i2dl.tensor([0.5]), i2dl.tensor([1.0])).item(), 4)
    0.6931"""
    fn = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """BCELoss of sigmoid(input), computed stably from the logits; same shapes.

    >>> round(nn.BCEWithLogitsLoss()(i2dl.tensor([0.0]), i2dl.tensor([1.0])).item(), 4)
    0.6931"""
    fn = staticmethod(F.binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """-log softmax(z)_y per row, averaged; z (N, C), labels (N,) in [0, C) (or class probabilities
    (N, C)). Reference: ``i2dl.kernels.reference.cross_entropy_forward``. ``label_smoothing`` as
    ``F.cross_entropy``.

    >>> round(nn.CrossEntropyLoss()(i2dl.zeros(2, 4), np.array([0, 3])).item(), 4)
    1.3863"""
    fn = staticmethod(F.cross_entropy)

    def __init__(self, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, reduction=self.reduction, label_smoothing=self.label_smoothing)


class MultiMarginLoss(_Loss):
    """The multi-class hinge loss: sum over j != y of max(0, margin - z_y + z_j) / C, averaged.

    >>> nn.MultiMarginLoss()(i2dl.zeros(2, 4), np.array([0, 3])).item()
    0.75"""
    fn = staticmethod(F.multi_margin_loss)


HingeLoss = MultiMarginLoss
