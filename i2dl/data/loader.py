"""DataLoader: batches of Tensors, shuffled per epoch with a seed, optional drop_last."""
from __future__ import annotations

import numpy as np

from ..random import generator
from ..tensor import Tensor
from .dataset import _take


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None, transform=None):
        if batch_size < 1:
            raise ValueError(f"DataLoader: argument 'batch_size' must be >= 1, got {batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.transform = transform  # applied to the feature batch (augmentation), as arrays
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = (self._rng or generator()).permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            fields = _take(self.dataset, order[start:start + self.batch_size])
            if self.transform is not None:
                fields = (self.transform(fields[0]),) + tuple(fields[1:])
            yield tuple(Tensor(np.ascontiguousarray(f)) for f in fields)
