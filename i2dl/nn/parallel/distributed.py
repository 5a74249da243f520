"""DistributedDataParallel: the same model on every rank, each rank a slice of the global batch, the
gradients averaged across ranks after backward — so N ranks train what one process trains on the
combined batch (to rounding: the sums run in another order).

* At wrap time rank 0's parameters and buffers are broadcast (one message per dtype: the arrays
  packed flat), then every rank's checksum is compared, so a model built differently on one rank
  fails here instead of training apart.
* After ``backward()`` (an autograd end-of-pass callback queued by ``forward``) every gradient is
  packed into one flat buffer per dtype — with one extra slot per parameter counting the ranks that
  produced a gradient for it — and summed across ranks in place, in buckets of at most
  ``bucket_cap_mb``, then scaled by 1/world size while it is unpacked. The gradient is the mean of the
  ranks' gradients, as PyTorch's; a parameter no rank used keeps ``grad = None``; one used by some
  ranks gets the mean with zeros for the others (``find_unused_parameters`` is accepted, and always
  so). On 2 cores one fused allreduce after backward beats overlapping it with backward: the MPI
  progress would compete with the kernels for the same cores.
* ``no_sync()``: inside it, backward passes accumulate gradients locally; the first backward outside
  it averages everything accumulated.
* ``broadcast_buffers`` (default True, as PyTorch): buffers (batch-norm running statistics) are
  copied from rank 0 at each training forward; with ``nn.SyncBatchNorm`` they agree anyway.
"""
from __future__ import annotations

import contextlib

import numpy as np

from ... import distributed as dist
from ...autograd import is_grad_enabled, queue_callback
from ..module import Module


def _xp(a):
    if isinstance(a, np.ndarray):
        return np
    import cupy
    return cupy


def _groups(arrays):
    """Arrays grouped by (array type, dtype), in order, so that each group packs into one buffer."""
    out = {}
    for i, a in enumerate(arrays):
        out.setdefault((type(a).__module__, str(a.dtype)), []).append(i)
    return list(out.values())


def broadcast_arrays(arrays, src=0):
    """Overwrites every array in place with rank ``src``'s: one broadcast per dtype of the arrays
    packed flat."""
    if dist.get_world_size() == 1 or not arrays:
        return
    for idx in _groups(arrays):
        xp = _xp(arrays[idx[0]])
        flat = xp.concatenate([xp.ravel(arrays[i]) for i in idx])
        dist.broadcast(flat, src)
        off = 0
        for i in idx:
            a = arrays[i]
            a[...] = flat[off:off + a.size].reshape(a.shape)
            off += a.size


def check_equal(arrays, what):
    """Raises on every rank when the arrays differ between ranks (by a float64 checksum)."""
    if dist.get_world_size() == 1:
        return
    sums = np.zeros(2 * len(arrays))
    for i, a in enumerate(arrays):
        h = np.asarray(a.get() if hasattr(a, "get") else a, dtype=np.float64).ravel()
        sums[2 * i] = h.sum()
        sums[2 * i + 1] = (h * np.arange(1, h.size + 1)).sum()   # positions weigh in: a permutation differs
    lo, hi = sums.copy(), sums.copy()
    dist.all_reduce(lo, dist.ReduceOp.MIN)
    dist.all_reduce(hi, dist.ReduceOp.MAX)
    bad = np.flatnonzero(lo != hi)
    if bad.size:
        raise RuntimeError(f"DistributedDataParallel: the {what} differ between ranks after the broadcast from rank 0 "
                           f"(first at array {int(bad[0]) // 2}); build the model the same way on every rank")


class DistributedDataParallel(Module):
    """Wraps ``module`` for data-parallel training across the ranks of ``i2dl.distributed``; its
    parameters appear as ``module.<name>`` (PyTorch's state_dict keys for a DDP model)."""

    def __init__(self, module, broadcast_buffers=True, bucket_cap_mb=25.0, find_unused_parameters=False,
                 device_ids=None, output_device=None):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: argument 'module' must be an nn.Module, got {type(module).__name__}")
        if not dist.is_initialized():
            raise RuntimeError("DistributedDataParallel: call i2dl.distributed.init_process_group() first")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: argument 'bucket_cap_mb' must be > 0, got {bucket_cap_mb!r}")
        self.module = module
        object.__setattr__(self, "broadcast_buffers", bool(broadcast_buffers))
        object.__setattr__(self, "bucket_cap_mb", float(bucket_cap_mb))
        object.__setattr__(self, "find_unused_parameters", bool(find_unused_parameters))
        object.__setattr__(self, "_sync", True)
        object.__setattr__(self, "_pending", False)
        params = [p.data for p in module.parameters()]
        buffers = [b for _, b in module.named_buffers()]
        layout = [(name, tuple(p.shape), str(p.dtype)) for name, p in module.named_parameters()]
        layout += [(name, tuple(b.shape), str(b.dtype)) for name, b in module.named_buffers()]
        layouts = dist.all_gather_object(layout)
        for r, other in enumerate(layouts):
            if other != layout:
                diff = next((f"{a} here, {b} on rank {r}" for a, b in zip(layout, other) if a != b),
                            f"{len(layout)} arrays here, {len(other)} on rank {r}")
                raise RuntimeError(f"DistributedDataParallel: the model differs between ranks: {diff}")
        broadcast_arrays(params + buffers)
        check_equal(params + buffers, "parameters and buffers")

    def forward(self, *args, **kwargs):
        if self.training and self.broadcast_buffers and dist.get_world_size() > 1:
            broadcast_arrays([b for _, b in self.module.named_buffers()])
        if self.training and self._sync and is_grad_enabled() and not self._pending and dist.get_world_size() > 1:
            object.__setattr__(self, "_pending", True)
            queue_callback(self._reduce_gradients)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients on this rank only (gradient accumulation)."""
        previous = self._sync
        object.__setattr__(self, "_sync", False)
        try:
            yield
        finally:
            object.__setattr__(self, "_sync", previous)

    def _reduce_gradients(self):
        object.__setattr__(self, "_pending", False)
        params = [p for p in self.module.parameters() if p.requires_grad]
        if not params:
            return
        world = dist.get_world_size()
        for idx in _groups([p.data for p in params]):
            group = [params[i] for i in idx]
            xp = _xp(group[0].data)
            n = sum(p.numel() for p in group)
            buf = xp.empty(n + len(group), dtype=group[0].dtype)   # the gradients, then one flag per parameter
            off = 0
            for j, p in enumerate(group):
                if p.grad is not None:
                    buf[off:off + p.numel()] = xp.ravel(p.grad)
                else:
                    buf[off:off + p.numel()] = 0
                buf[n + j] = p.grad is not None
                off += p.numel()
            step = max(1, int(self.bucket_cap_mb * 2 ** 20) // buf.itemsize)
            for start in range(0, buf.size, step):
                dist.all_reduce(buf[start:start + step])
            buf[:n] *= 1.0 / world
            off = 0
            for j, p in enumerate(group):
                if buf[n + j] > 0:
                    p.grad = buf[off:off + p.numel()].reshape(p.shape)
                off += p.numel()
