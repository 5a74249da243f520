"""``i2dl.distributed``: data-parallel training on MPI (mpi4py; ``mpirun``, ``srun``) and, on GPUs, NCCL
(CuPy), with PyTorch's names: ``init_process_group``, ``get_rank``, ``get_world_size``,
``all_reduce``, ``broadcast``, ``all_gather``, ``all_gather_object``, ``barrier``,
``destroy_process_group``, ``ReduceOp``.

Rank and world size come from the launcher; a process started without one is world size 1 and
needs no MPI at all. Collectives move NumPy (or, with NCCL, CuPy) buffers in place — mpi4py's
buffer methods, never pickles — except the ``*_object`` ones, which exchange small Python values.
"""
from .process_group import (ReduceOp, all_gather, all_gather_object, all_reduce, barrier, broadcast,
                            broadcast_object, destroy_process_group, get_backend, get_rank, get_world_size,
                            init_process_group, is_initialized, launched_world_size)
from .sampler import DistributedSampler

__all__ = ["ReduceOp", "all_gather", "all_gather_object", "all_reduce", "barrier", "broadcast", "broadcast_object",
           "destroy_process_group", "get_backend", "get_rank", "get_world_size", "init_process_group",
           "is_initialized", "launched_world_size", "DistributedSampler"]
