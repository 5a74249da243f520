"""Run under mpirun by test_ddp.py: every collective's result, checked on every rank (exit 1 on a
mismatch), plus DistributedSampler coverage, no_sync accumulation and unused parameters."""
import sys

import numpy as np

import i2dl
import i2dl.distributed as dist
import i2dl.functional as F
from i2dl import nn
from i2dl.data import DataLoader, TensorDataset
from i2dl.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
r, w = dist.get_rank(), dist.get_world_size()
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


a = np.full(5, r + 1.0)
dist.all_reduce(a)
check(np.all(a == sum(range(1, w + 1))), "all_reduce sum")
t = i2dl.tensor(np.full(3, float(r), np.float32))
dist.all_reduce(t, dist.ReduceOp.MAX)
check(np.all(t.numpy() == w - 1), "all_reduce max on a Tensor")
b = np.full(4, float(r))
dist.all_reduce(b, "avg")
check(np.allclose(b, (w - 1) / 2), "all_reduce avg")
c = np.full(2, 7.0 if r == 0 else -1.0)
dist.broadcast(c, 0)
check(np.all(c == 7.0), "broadcast")
outs = [np.empty(3) for _ in range(w)]
dist.all_gather(outs, np.full(3, float(r)))
check(all(np.all(o == i) for i, o in enumerate(outs)), "all_gather")
check(dist.all_gather_object({"rank": r}) == [{"rank": i} for i in range(w)], "all_gather_object")

# the sampler: the ranks' shares cover the dataset once (padded to a multiple of w)
ds = TensorDataset(np.arange(23, dtype=np.float32).reshape(23, 1), np.arange(23))
sampler = dist.DistributedSampler(ds, shuffle=True, seed=3)
sampler.set_epoch(2)
mine = [int(v) for _, y in DataLoader(ds, batch_size=4, sampler=sampler) for v in y.numpy()]
every = sum(dist.all_gather_object(mine), [])
check(len(mine) == -(-23 // w) and sorted(set(every)) == list(range(23)) and len(every) == w * -(-23 // w),
      "sampler coverage")

# wrap time: rank 1 built other weights; rank 0's win
i2dl.manual_seed(r)
model = DDP(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)))
ws = dist.all_gather_object(model.module[0].weight.numpy().tolist())
check(all(x == ws[0] for x in ws), "parameters broadcast at wrap time")

# no_sync: two local backward passes, then one synchronised one, equal the sum of all three averaged
rng = np.random.default_rng(10 + r)
xs = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
with model.no_sync():
    for x in xs[:2]:
        F.cross_entropy(model(i2dl.tensor(x)), np.array([0, 1])).backward()
local_after_two = model.module[0].weight.grad.copy()
F.cross_entropy(model(i2dl.tensor(xs[2])), np.array([0, 1])).backward()
synced = model.module[0].weight.grad
alls = dist.all_gather_object(synced.tolist())
check(all(np.allclose(x, alls[0]) for x in alls), "gradients equal on every rank after the sync")
check(not np.allclose(local_after_two, synced), "no_sync accumulated locally")

# unused parameters: the second layer only used on rank 0
class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.unused = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x):
        return self.a(x) + (self.b(x) if dist.get_rank() == 0 else 0 * self.a(x))


m3 = DDP(TwoHeads())
F.cross_entropy(m3(i2dl.tensor(xs[0])), np.array([0, 1])).backward()
check(m3.module.unused.weight.grad is None, "a parameter no rank used keeps grad None")
check(m3.module.b.weight.grad is not None, "a parameter one rank used gets the mean")
if fails:
    print(f"rank {r}: FAILED {fails}", flush=True)
    sys.exit(1)
print(f"rank {r}: ok", flush=True)
dist.destroy_process_group()
