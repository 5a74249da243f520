"""Run under mpirun by test_ddp.py: rank 1 raises while rank 0 waits in a collective; the job must end
(rank 1's error printed, all ranks stopped) instead of hanging."""
import i2dl.distributed as dist

dist.init_process_group("mpi")
if dist.get_rank() == 1:
    raise RuntimeError("rank 1 failed on purpose")
dist.barrier()   # rank 0 would wait here forever without the abort
