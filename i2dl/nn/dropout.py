"""Dropout (inverted, identity in eval) and Dropout2d (whole channels)."""
from __future__ import annotations

from .. import functional as F
from ..kernels.checks import check_real
from .module import Module


class Dropout(Module):
    """Inverted dropout in training, identity in eval."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        check_real("Dropout", "p", p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: argument 'p' must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Spatial dropout: drops whole channels."""

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)
