"""``i2dl info``: what this installation is and how it will run."""
from __future__ import annotations

import os
import platform

import numpy as np

from . import _C, __version__, blas
from .kernels import cuda as cuda_backend


def _coretype_note():
    """OpenBLAS picks its kernels for the CPU unless OPENBLAS_CORETYPE names them (honoured as set)."""
    core = os.environ.get("OPENBLAS_CORETYPE")
    return f" (OPENBLAS_CORETYPE={core} in the environment)" if core else " (detected)"


def _gemm_line():
    """Which library the GEMMs call, why, and how they are threaded (``i2dl.blas``)."""
    how = f"single-threaded; GEMMs split over {_C.blas_num_threads()} OpenMP threads"
    chosen = os.environ.get("I2DL_BLAS")
    why = f"I2DL_BLAS={chosen}" if chosen else f"chosen for a {blas.cpu_vendor() or 'unknown'} CPU"
    openblas = f"OpenBLAS ({_C.blas_config()}), its {_C.blas_core()} kernels{_coretype_note()}"
    if blas.library() == "OpenBLAS":
        return f"GEMM: {openblas} ({why}), {how}"
    return f"GEMM: {blas.library()} ({why}; OpenBLAS also linked), {how}"


def info_lines():
    lines = [
        f"i2dl {__version__}",
        f"python {platform.python_version()} on {platform.machine()}, numpy {np.__version__}",
        f"compiler: {_C.compiler()}, OpenMP {_C.openmp_version()}",
        f"CPU kernels: per-ISA clone in use: {_C.isa_clone()}",
        _gemm_line(),
        f"OpenMP threads: {_C.get_num_threads()} (cores visible: {os.cpu_count()})",
        "malloc: large freed blocks kept for reuse (I2DL_MALLOC_TUNING=0 turns this off)" if _C.malloc_tuned()
        else "malloc: default behaviour",
    ]
    built = cuda_backend.is_built()
    reason = cuda_backend.why_unavailable()
    if built:
        import importlib
        m = importlib.import_module("i2dl._C_cuda")
        lines.append(f"CUDA module: built (nvcc {m.nvcc_version}, architectures {m.architectures})")
    else:
        lines.append("CUDA module: not built (nvcc was not found at build time)")
    lines.append("CUDA: available" if reason is None else f"CUDA: not available: {reason}")
    try:
        import torch
        lines.append(f"torch {torch.__version__} importable (benchmarks compare against it)")
    except ImportError:
        lines.append("torch not installed (benchmarks run without the torch column)")
    return lines
