"""The GEMM library every C++ kernel calls, chosen once at import: MKL on Intel CPUs where MKL's
runtime library is installed (the ``mkl`` wheel, a dependency on Linux x86-64), OpenBLAS (the
``scipy-openblas32`` wheel, always linked) everywhere else. Both run single-threaded inside
i2dl's own split of each GEMM over the OpenMP threads (``csrc/cpu/blas.cpp``).

Why (``python bench/gemm_choice.py``, float32, 2 threads, the same split, interleaved in one
process): on a Xeon with AVX-512, MKL 2026.2's sequential sgemm ran the lecture's shapes 1.2-1.7x
faster than OpenBLAS 0.3.34's SkylakeX kernels (LeNet conv2's im2col product 16 x 150 x 6400 1.66x,
the MLP's 64 x 784 x 256 1.30x, an LSTM step 64 x 256 x 1024 1.43x, 1024^3 1.05x; a 64 x 256 x 10
product 0.87x, 1 us in 10); on AMD EPYC (Zen 4) MKL was no faster than OpenBLAS.

``I2DL_BLAS=openblas`` or ``I2DL_BLAS=mkl`` overrides the choice (``mkl`` where MKL is missing is
an error); ``use(name)`` switches at run time (for comparisons; not while kernels run).
"""
from __future__ import annotations

import glob
import os
import sys

from . import _C

CHOICES = ("auto", "openblas", "mkl")


def cpu_vendor() -> str:
    """The CPU's vendor string (GenuineIntel, AuthenticAMD, ...) from /proc/cpuinfo; "" elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def find_mkl() -> str | None:
    """The path of MKL's runtime library (libmkl_rt.so.*) in this environment, or None."""
    try:
        from importlib import metadata
        files = metadata.files("mkl") or []
        for f in files:
            name = os.path.basename(str(f))
            if name.startswith("libmkl_rt.so"):
                path = str(f.locate())
                if os.path.exists(path):
                    return path
    except Exception:  # no mkl distribution, or one without a file list
        pass
    hits = sorted(glob.glob(os.path.join(sys.prefix, "lib", "libmkl_rt.so*")))
    return hits[0] if hits else None


def library() -> str:
    """The library gemm() calls now: "OpenBLAS" or MKL's version string."""
    return _C.blas_library()


def use(name: str) -> str:
    """Routes every later GEMM through ``name`` ("openblas", "mkl" or "auto"); returns the library:
    ``i2dl.blas.use("openblas")`` gives "OpenBLAS". "auto" is the choice made at import (MKL on an
    Intel CPU where it is installed), without I2DL_BLAS."""
    if not isinstance(name, str) or name.lower() not in CHOICES:
        raise ValueError(f"argument 'name' must be one of {', '.join(CHOICES)}, got {name!r}")
    name = name.lower()
    if name == "auto":
        path = find_mkl() if cpu_vendor() == "GenuineIntel" else None
        if path is None or _C.blas_use_mkl(path):  # "" when MKL took over
            _C.blas_use_openblas()
        return library()
    if name == "openblas":
        _C.blas_use_openblas()
        return library()
    path = find_mkl()
    if path is None:
        raise RuntimeError("argument 'name' is 'mkl' but MKL's runtime library is not installed (pip install mkl)")
    why = _C.blas_use_mkl(path)
    if why:
        raise RuntimeError(f"argument 'name' is 'mkl' but {path} could not be used: {why}")
    return library()


def _select_at_import() -> None:
    choice = os.environ.get("I2DL_BLAS", "auto")
    if choice.lower() not in CHOICES:
        raise ValueError(f"I2DL_BLAS must be one of {', '.join(CHOICES)}, got {choice!r}")
    use(choice)
