"""The data-parallel gradient averaging, timed: DistributedDataParallel's whole sync after backward
(pack the gradients into one flat buffer, one in-place SUM allreduce, scale and unpack) for models
of 60k, 1M and 10M parameters, against the time the machine takes to stream the same bytes
(a NumPy copy of the buffer, read + write), measured in the same run.

    mpirun -n 2 python bench/distributed.py       (rank 0 prints the table)
"""
import time

import numpy as np

import i2dl
import i2dl.distributed as dist
from i2dl import nn
from i2dl.nn.parallel import DistributedDataParallel


def median_ms(f, repeats=15):
    ts = []
    for _ in range(repeats):
        dist.barrier()
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)) * 1e3


def main():
    dist.init_process_group("mpi")
    i2dl.set_num_threads(1)
    rank, world = dist.get_rank(), dist.get_world_size()
    rows = []
    for n in (60_000, 1_000_000, 10_000_000):
        side = int(np.sqrt(n))
        model = DistributedDataParallel(nn.Sequential(nn.Linear(side, side, bias=False)))
        p = next(model.parameters())
        grad = np.random.default_rng(rank).standard_normal(p.shape).astype(np.float32)

        def sync():
            p.grad = grad.copy()
            model._reduce_gradients()
        want = np.mean([np.random.default_rng(r).standard_normal(p.shape).astype(np.float32) for r in range(world)], 0)
        sync()
        np.testing.assert_allclose(p.grad, want, rtol=1e-5, atol=1e-6)   # the mean of the ranks' gradients
        t_sync = median_ms(sync)
        buf = np.empty(p.numel(), np.float32)
        src = grad.ravel()
        t_copy = median_ms(lambda: np.copyto(buf, src))
        rows.append((p.numel(), t_sync, t_copy, 2 * p.numel() * 4 / (t_copy * 1e-3) / 1e9))
    if rank == 0:
        print(f"DDP gradient sync, {world} ranks on one host (float32)")
        print(f"{'parameters':>12} {'sync ms':>9} {'copy ms':>9} {'copy GB/s':>10} {'sync / copy':>12}")
        for n, s, c, bw in rows:
            print(f"{n:>12,} {s:9.3f} {c:9.3f} {bw:10.1f} {s / c:12.1f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
