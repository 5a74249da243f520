"""Datasets: anything with __len__ and __getitem__; TensorDataset over equal-length arrays."""
from __future__ import annotations

import numpy as np

from ..random import generator
from ..tensor import Tensor


class Dataset:
    def __len__(self):
        raise NotImplementedError

    def __getitem__(self, i):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are rows of the given arrays (features, labels, ...), indexed together."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array")
        arrays = tuple(a.numpy() if isinstance(a, Tensor) else np.asarray(a) for a in arrays)
        n = len(arrays[0])
        for i, a in enumerate(arrays):
            if len(a) != n:
                raise ValueError(f"TensorDataset: array {i} has {len(a)} rows, array 0 has {n}")
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, i):
        return tuple(a[i] for a in self.arrays)

    def take(self, indices):
        """The rows ``indices`` of every array at once (the DataLoader's fast path)."""
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, np.asarray(indices)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        return self.dataset[self.indices[i]]

    def take(self, indices):
        return _take(self.dataset, self.indices[indices])


def _take(dataset, indices):
    if hasattr(dataset, "take"):
        return dataset.take(indices)
    samples = [dataset[int(i)] for i in indices]
    return tuple(np.stack(field) for field in zip(*samples))


def random_split(dataset, lengths, seed=None):
    """Splits into non-overlapping Subsets of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    if all(isinstance(x, float) for x in lengths):
        if abs(sum(lengths) - 1.0) > 1e-6:
            raise ValueError(f"random_split: fractions must sum to 1, got {lengths}")
        counts = [int(np.floor(f * n)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = list(lengths)
    if sum(counts) != n:
        raise ValueError(f"random_split: lengths {counts} must sum to the dataset size {n}")
    rng = np.random.default_rng(seed) if seed is not None else generator()
    perm = rng.permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start:start + c]))
        start += c
    return out
