"""DistributedSampler: each rank's share of an epoch, PyTorch's rule. One permutation of the
dataset per (seed, epoch) — the same on every rank — padded by repeating its first indices to a
multiple of the world size (or, with ``drop_last``, cut to one), then rank r takes every
``num_replicas``-th index from position r. Together the ranks cover the (padded) dataset exactly
once an epoch; ``set_epoch(e)`` before each epoch gives a new order."""
from __future__ import annotations

import math

import numpy as np


class DistributedSampler:
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        from . import get_rank, get_world_size
        num_replicas = get_world_size() if num_replicas is None else num_replicas
        rank = get_rank() if rank is None else rank
        if not (isinstance(num_replicas, (int, np.integer)) and num_replicas >= 1):
            raise ValueError(f"DistributedSampler: argument 'num_replicas' must be an integer >= 1, got {num_replicas!r}")
        if not (isinstance(rank, (int, np.integer)) and 0 <= rank < num_replicas):
            raise ValueError(f"DistributedSampler: argument 'rank' must be in [0, {num_replicas}), got {rank!r}")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, int(seed), drop_last, 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def indices(self):
        n = len(self.dataset)
        order = np.random.default_rng(self.seed + self.epoch).permutation(n) if self.shuffle else np.arange(n)
        if not self.drop_last:
            pad = self.total_size - n
            if pad > 0:
                order = np.concatenate([order, np.resize(order, pad)])   # repeats from the start, as PyTorch
        else:
            order = order[:self.total_size]
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples

    def state_dict(self):
        return {"epoch": self.epoch, "seed": self.seed}

    def load_state_dict(self, state):
        self.epoch = int(state["epoch"])
