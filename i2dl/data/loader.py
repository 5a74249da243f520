"""DataLoader: batches of Tensors, shuffled per epoch with a seed, optional drop_last, an optional
batch transform (augmentation, applied to groups of consecutive batches at once) and an optional background thread that prepares the next batches
while the model trains on this one.

Randomness is the loader's own: one generator for the order, one for the transform, both seeded
from ``seed`` (or drawn from i2dl's global generator when no seed is given), and both in
``state_dict()`` — so a resumed run draws the same orders and augmentations as an uninterrupted
one, and a prefetch thread never races the model (dropout) for a shared generator."""
from __future__ import annotations

import queue
import threading

import numpy as np

from ..random import generator
from ..tensor import Tensor
from .dataset import _take
from .transforms import Transform


TRANSFORM_SAMPLES = 256   # samples a transform call takes at once (whole batches)


def _bit_state(rng):
    return rng.bit_generator.state


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None, transform=None, prefetch=0,
                 sampler=None):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool):
            raise TypeError(f"DataLoader: argument 'batch_size' must be an int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: argument 'batch_size' must be >= 1, got {batch_size}")
        if not (isinstance(prefetch, (int, np.integer)) and prefetch >= 0):
            raise ValueError(f"DataLoader: argument 'prefetch' must be an integer >= 0 (batches ahead), got {prefetch!r}")
        if transform is not None and not callable(transform):
            raise TypeError(f"DataLoader: argument 'transform' must be callable, got {type(transform).__name__}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: argument 'sampler' is mutually exclusive with shuffle=True (the sampler orders)")
        if sampler is not None and not hasattr(sampler, "__iter__"):
            raise TypeError(f"DataLoader: argument 'sampler' must be an iterable of indices, got {type(sampler).__name__}")
        self.sampler = sampler   # e.g. a DistributedSampler: this rank's indices, in its order
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, int(batch_size), shuffle, drop_last
        self.transform = transform  # applied to the feature batch (augmentation), as arrays
        self.prefetch = int(prefetch)
        self._rng = np.random.default_rng(seed) if seed is not None else None   # None: the global generator
        self._transform_rng = np.random.default_rng(
            [int(seed), 1] if seed is not None else int(generator().integers(2 ** 63)))

    def __len__(self):
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batches(self):
        if self.sampler is not None:
            order = np.asarray(self.sampler.indices() if hasattr(self.sampler, "indices") else list(self.sampler),
                               dtype=np.int64)
        else:
            n = len(self.dataset)
            order = (self._rng or generator()).permutation(n) if self.shuffle else np.arange(n)
        n = len(order)
        bs = self.batch_size
        stop = n - n % bs if self.drop_last else n
        starts = list(range(0, stop, bs))
        # a transform runs on groups of batches (TRANSFORM_SAMPLES samples): its per-call cost, most of
        # it Python's, is paid once a group — on the digits' 32 images of 8x8 a call costs ~0.15 ms,
        # which was 9 % of an epoch per batch and is 2 % per group of 8
        group = max(1, TRANSFORM_SAMPLES // bs) if self.transform is not None else 1
        for g in range(0, len(starts), group):
            batch_starts = starts[g:g + group]
            lo, hi = batch_starts[0], min(batch_starts[-1] + bs, stop)
            fields = _take(self.dataset, order[lo:hi])
            if self.transform is not None:
                x = self.transform(fields[0], self._transform_rng) if isinstance(self.transform, Transform) \
                    else self.transform(fields[0])
                fields = (x,) + tuple(fields[1:])
            fields = tuple(np.ascontiguousarray(f) for f in fields)
            for s in batch_starts:
                yield tuple(f[s - lo:s - lo + bs] for f in fields)

    def __iter__(self):
        if self.prefetch == 0:
            for fields in self._batches():
                yield tuple(Tensor(f) for f in fields)
            return
        yield from self._prefetched()

    def _prefetched(self):
        """Batches made on a background thread, at most ``prefetch`` ahead (NumPy releases the GIL in
        its copies and arithmetic, so they overlap the model's kernels). An exception there is raised
        here; leaving the loop early stops the thread."""
        q, stop, done = queue.Queue(maxsize=self.prefetch), threading.Event(), object()

        def work():
            try:
                for fields in self._batches():
                    while not stop.is_set():
                        try:
                            q.put(fields, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                q.put(done)
            except BaseException as e:  # handed to the consumer, raised there
                q.put(e)

        thread = threading.Thread(target=work, name="i2dl-prefetch", daemon=True)
        thread.start()
        try:
            while True:
                item = q.get()
                if item is done:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield tuple(Tensor(f) for f in item)
        finally:
            stop.set()
            thread.join()

    def state_dict(self):
        """The generators' states (JSON-serialisable), for a checkpoint taken between epochs."""
        return {"order": _bit_state(self._rng) if self._rng is not None else None,
                "transform": _bit_state(self._transform_rng),
                "sampler": self.sampler.state_dict() if hasattr(self.sampler, "state_dict") else None}

    def load_state_dict(self, state):
        if not isinstance(state, dict) or "transform" not in state:
            raise ValueError(f"DataLoader.load_state_dict: expected a dict with 'order' and 'transform', got {state!r:.80}")
        if state.get("order") is not None:
            if self._rng is None:
                self._rng = np.random.default_rng()
            self._rng.bit_generator.state = state["order"]
        self._transform_rng.bit_generator.state = state["transform"]
        if state.get("sampler") is not None and hasattr(self.sampler, "load_state_dict"):
            self.sampler.load_state_dict(state["sampler"])
