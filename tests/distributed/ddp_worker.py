"""Run under mpirun by tests/distributed/test_ddp.py (also alone, as world size 1): trains the same
model data-parallel and writes its final weights, so the test compares them with one process on
the combined batch. argv: out_dir model optimizer dtype [steps]."""
import sys

import numpy as np

import i2dl
import i2dl.distributed as dist
import i2dl.functional as F
from i2dl import nn, optim
from i2dl.nn.parallel import DistributedDataParallel as DDP


def build(name, dtype):
    i2dl.manual_seed(0)
    if name == "mlp":
        m = nn.Sequential(nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 5))
    else:   # a CNN with batch norm, synced across the ranks
        m = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 25, 5))
        m = nn.SyncBatchNorm.convert_sync_batchnorm(m)
    if dtype == "float64":
        m = m.double() if hasattr(m, "double") else m
    return m


def data(name, dtype, step, batch):
    rng = np.random.default_rng(100 + step)
    shape = (batch, 12) if name == "mlp" else (batch, 2, 5, 5)
    return rng.standard_normal(shape).astype(dtype), rng.integers(0, 5, batch)


def main():
    out, name, opt_name, dtype = sys.argv[1:5]
    steps = int(sys.argv[5]) if len(sys.argv) > 5 else 20
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    model = build(name, dtype)
    if world > 1 or "--ddp" in sys.argv:
        model = DDP(model)
    opt = (optim.SGD(model.parameters(), lr=0.05, momentum=0.9) if opt_name == "sgd"
           else optim.Adam(model.parameters(), lr=1e-2))
    global_batch = 12
    per = global_batch // world
    for step in range(steps):
        x, y = data(name, dtype, step, global_batch)
        x, y = x[rank * per:(rank + 1) * per], y[rank * per:(rank + 1) * per]
        opt.zero_grad()
        F.cross_entropy(model(i2dl.tensor(x)), y).backward()
        opt.step()
    if rank == 0:
        state = model.state_dict()
        np.savez(f"{out}/{name}-{opt_name}-{dtype}-w{world}.npz",
                 **{k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()})
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
