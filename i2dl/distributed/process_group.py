"""The process group: one per process, over MPI's COMM_WORLD (backend "mpi") or an NCCL
communicator whose unique id rank 0 sends over MPI (backend "nccl", llm.c's pattern).

A rank that raises while the group is up takes the others down with it (``MPI_Abort`` from the
exception hook) after printing its error, so no rank waits forever in a collective for a peer that
is gone; Open MPI also ends the job when a rank dies."""
from __future__ import annotations

import os
import sys
import threading
from enum import Enum

import numpy as np

from ..tensor import Tensor

# the environment variables launchers set: (size, rank), in the order they are tried
_LAUNCHERS = (("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"), ("PMIX_SIZE", "PMIX_RANK"), ("PMI_SIZE", "PMI_RANK"),
              ("MPI_LOCALNRANKS", "MPI_LOCALRANKID"), ("SLURM_NTASKS", "SLURM_PROCID"))


class ReduceOp(Enum):
    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


class _Group:
    def __init__(self, backend, comm, rank, size, nccl=None):
        self.backend, self.comm, self.rank, self.size, self.nccl = backend, comm, rank, size, nccl


_group = None
_lock = threading.Lock()


def launched_world_size() -> int:
    """The world size the launcher announced (1 without a launcher)."""
    for size_var, _ in _LAUNCHERS:
        v = os.environ.get(size_var)
        if v and v.isdigit():
            return int(v)
    return 1


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError("i2dl.distributed: this process was started by an MPI launcher "
                           f"(world size {launched_world_size()}) but mpi4py is not installed: "
                           "pip install 'i2dl[distributed]'") from e
    return MPI


def init_process_group(backend="mpi", world_size=None, rank=None, abort_on_error=True):
    """Joins the group of processes the launcher started. ``backend``: "mpi" (CPU arrays) or "nccl"
    (CuPy arrays, one GPU per rank: rank r uses device r mod the visible GPUs). ``world_size`` and
    ``rank``, when given, must be what the launcher says. Without a launcher this is world size 1."""
    global _group
    fn = "init_process_group"
    if backend not in ("mpi", "nccl"):
        raise ValueError(f"{fn}: argument 'backend' must be 'mpi' or 'nccl', got {backend!r}")
    with _lock:
        if _group is not None:
            raise RuntimeError(f"{fn}: the process group is already initialised (backend {_group.backend!r})")
        launched = launched_world_size()
        if launched > 1 or backend == "nccl":
            MPI = _mpi()
            comm = MPI.COMM_WORLD
            r, size = comm.Get_rank(), comm.Get_size()
        else:
            comm, r, size = None, 0, 1
        if world_size is not None and world_size != size:
            raise ValueError(f"{fn}: argument 'world_size' is {world_size}, the launcher started {size} processes")
        if rank is not None and rank != r:
            raise ValueError(f"{fn}: argument 'rank' is {rank}, the launcher gave this process rank {r}")
        nccl = _nccl_comm(comm, r, size) if backend == "nccl" else None
        _group = _Group(backend, comm, r, size, nccl)
        if abort_on_error and size > 1:
            _install_abort_hook()


def _nccl_comm(comm, rank, size):
    try:
        import cupy
        from cupy.cuda import nccl
    except ImportError as e:
        raise RuntimeError("init_process_group: backend 'nccl' needs CuPy with NCCL: pip install 'i2dl[cuda]'") from e
    cupy.cuda.Device(rank % cupy.cuda.runtime.getDeviceCount()).use()
    uid = nccl.get_unique_id() if rank == 0 else None
    uid = comm.bcast(uid, root=0) if comm is not None else uid
    return nccl.NcclCommunicator(size, uid, rank)


def _install_abort_hook():
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        g = _group
        if g is not None and g.comm is not None and g.size > 1:
            sys.stderr.write(f"i2dl.distributed: rank {g.rank} raised {kind.__name__}; stopping all {g.size} ranks\n")
            sys.stderr.flush()
            g.comm.Abort(1)
    sys.excepthook = hook


def is_initialized() -> bool:
    return _group is not None


def _require(fn):
    if _group is None:
        raise RuntimeError(f"{fn}: call i2dl.distributed.init_process_group() first")
    return _group


def get_rank() -> int:
    """This process's rank (0 when the group is not initialised)."""
    return _group.rank if _group is not None else 0


def get_world_size() -> int:
    return _group.size if _group is not None else 1


def get_backend() -> str:
    return _require("get_backend").backend


def destroy_process_group() -> None:
    """Leaves the group (MPI itself is finalised when the interpreter exits, by mpi4py)."""
    global _group
    with _lock:
        g, _group = _group, None
    if g is not None and g.comm is not None:
        g.comm.Barrier()


def _array(fn, name, tensor):
    a = tensor.data if isinstance(tensor, Tensor) else tensor
    if not hasattr(a, "dtype") or not hasattr(a, "flags"):
        raise TypeError(f"{fn}: argument '{name}' must be a Tensor or an array, got {type(tensor).__name__}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: argument '{name}' must be contiguous, got a strided view of shape {tuple(a.shape)}")
    if not a.flags.writeable:
        raise ValueError(f"{fn}: argument '{name}' must be writable (the collective works in place)")
    return a


def _mpi_op(op):
    MPI = _mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX}[op]


def _check_op(fn, op):
    if isinstance(op, str):
        try:
            op = ReduceOp(op.lower())
        except ValueError:
            pass
    if not isinstance(op, ReduceOp):
        raise ValueError(f"{fn}: argument 'op' must be a ReduceOp ({[o.name for o in ReduceOp]}), got {op!r}")
    return op


def all_reduce(tensor, op=ReduceOp.SUM):
    """Reduces ``tensor`` (a Tensor or an array) over all ranks, in place; every rank gets the result."""
    fn = "all_reduce"
    g = _require(fn)
    op = _check_op(fn, op)
    a = _array(fn, "tensor", tensor)
    if g.size == 1:
        return tensor
    if g.nccl is not None and not isinstance(a, np.ndarray):
        _nccl_all_reduce(g, a, op)
        return tensor
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: backend 'mpi' reduces NumPy arrays; this one is {type(a).__module__}."
                        f"{type(a).__name__} (use backend 'nccl' for GPU arrays)")
    g.comm.Allreduce(_mpi().IN_PLACE, a, op=_mpi_op(op))
    if op is ReduceOp.AVG:
        a /= g.size
    return tensor


def _nccl_all_reduce(g, a, op):
    import cupy
    from cupy.cuda import nccl
    types = {np.dtype(np.float32): nccl.NCCL_FLOAT32, np.dtype(np.float64): nccl.NCCL_FLOAT64,
             np.dtype(np.int64): nccl.NCCL_INT64, np.dtype(np.int32): nccl.NCCL_INT32}
    ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.AVG: nccl.NCCL_SUM, ReduceOp.PRODUCT: nccl.NCCL_PROD,
           ReduceOp.MIN: nccl.NCCL_MIN, ReduceOp.MAX: nccl.NCCL_MAX}
    if np.dtype(a.dtype) not in types:
        raise TypeError(f"all_reduce: NCCL reduces {sorted(map(str, types))}, got {a.dtype}")
    # on the current stream, after the kernels that made the gradients (NCCL in place: send == receive)
    g.nccl.allReduce(a.data.ptr, a.data.ptr, a.size, types[np.dtype(a.dtype)], ops[op],
                     cupy.cuda.get_current_stream().ptr)
    if op is ReduceOp.AVG:
        a /= g.size


def broadcast(tensor, src=0):
    """Overwrites ``tensor`` on every rank with rank ``src``'s, in place."""
    fn = "broadcast"
    g = _require(fn)
    if not 0 <= src < g.size:
        raise ValueError(f"{fn}: argument 'src' must be a rank in [0, {g.size}), got {src}")
    a = _array(fn, "tensor", tensor)
    if g.size > 1:
        if g.nccl is not None and not isinstance(a, np.ndarray):
            import cupy
            g.nccl.bcast(a.data.ptr, a.nbytes, 0x0, src, cupy.cuda.get_current_stream().ptr)  # ncclInt8 = 0: bytes
        else:
            g.comm.Bcast(a, root=src)
    return tensor


def all_gather(tensor_list, tensor):
    """Fills ``tensor_list`` (one tensor per rank, each of ``tensor``'s shape and dtype) with every
    rank's ``tensor``, in rank order."""
    fn = "all_gather"
    g = _require(fn)
    a = _array(fn, "tensor", tensor)
    if len(tensor_list) != g.size:
        raise ValueError(f"{fn}: argument 'tensor_list' must hold {g.size} tensors (one per rank), got {len(tensor_list)}")
    outs = [_array(fn, "tensor_list", t) for t in tensor_list]
    for o in outs:
        if o.shape != a.shape or o.dtype != a.dtype:
            raise ValueError(f"{fn}: every tensor of 'tensor_list' must be {a.dtype} {a.shape} like 'tensor', got "
                             f"{o.dtype} {o.shape}")
    if g.size == 1:
        outs[0][...] = a
        return tensor_list
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: gathers NumPy arrays (the mpi backend)")
    buf = np.empty((g.size,) + a.shape, a.dtype)
    g.comm.Allgather(a, buf)
    for o, b in zip(outs, buf):
        o[...] = b
    return tensor_list


def all_gather_object(*args):
    """``all_gather_object(obj)`` returns every rank's ``obj`` (a small picklable value) in rank order;
    ``all_gather_object(object_list, obj)`` fills ``object_list`` with them, as PyTorch's."""
    fn = "all_gather_object"
    g = _require(fn)
    if len(args) not in (1, 2):
        raise TypeError(f"{fn}: takes (obj) or (object_list, obj), got {len(args)} arguments")
    obj = args[-1]
    values = [obj] if g.size == 1 else g.comm.allgather(obj)
    if len(args) == 2:
        out = args[0]
        if len(out) != g.size:
            raise ValueError(f"{fn}: argument 'object_list' must have {g.size} entries (one per rank), got {len(out)}")
        out[:] = values
        return None
    return values


def broadcast_object(obj, src=0):
    """Rank ``src``'s ``obj`` on every rank."""
    g = _require("broadcast_object")
    return obj if g.size == 1 else g.comm.bcast(obj, root=src)


def barrier():
    g = _require("barrier")
    if g.size > 1:
        g.comm.Barrier()
