"""``i2dl check``: the registry's cross-check on fresh random inputs, for every kernel and every
backend present, as a pass/fail table with the worst errors."""
from __future__ import annotations

import numpy as np

from . import kernels
from .kernels import cuda as cuda_backend
from .kernels.registry import INPLACE_REGISTRY, REGISTRY, TOLERANCE, cross_check, cross_check_inplace


def available_backends():
    names = ["cpu"]
    if cuda_backend.is_available():
        names.append("cuda")
    return names


def run_check(seed=None, backends=None, out=print) -> bool:
    rng = np.random.default_rng(seed)
    backends = backends or available_backends()
    skipped = cuda_backend.why_unavailable()
    if "cuda" not in backends and skipped:
        out(f"cuda: skipped ({skipped})")
    out(f"{'kernel':<20} {'backend':<8} {'dtype':<8} {'samples':>7} {'worst error':>12} {'tolerance':>10}  result")
    all_ok = True
    for spec in REGISTRY:
        for backend in backends:
            mod = kernels.get(backend)
            move = None
            if backend == "cuda":
                import cupy
                move = cupy.asarray
            for dtype in spec.dtypes:
                worst, where = 0.0, ""
                samples = spec.samples(rng)
                for sample in samples:
                    errors = cross_check(spec, mod, sample, dtype, rng, move)
                    name, err = max(errors.items(), key=lambda kv: kv[1])
                    if not err <= worst:
                        worst, where = err, f"{name} [{sample.desc}]"
                tol = TOLERANCE[np.dtype(dtype)]
                ok = worst <= tol
                all_ok &= ok
                out(f"{spec.name:<20} {backend:<8} {np.dtype(dtype).name:<8} {len(samples):>7} {worst:>12.2e} "
                    f"{tol:>10.0e}  {'pass' if ok else 'FAIL ' + where}")
    for spec in INPLACE_REGISTRY:
        for backend in backends:
            mod = kernels.get(backend)
            move = None
            if backend == "cuda":
                import cupy
                move = cupy.asarray
            for dtype in spec.dtypes:
                worst, where = 0.0, ""
                samples = spec.samples(rng)
                for sample in samples:
                    errors = cross_check_inplace(spec, mod, sample, dtype, move)
                    name, err = max(errors.items(), key=lambda kv: kv[1])
                    if not err <= worst:
                        worst, where = err, f"{name} [{sample.desc}]"
                tol = TOLERANCE[np.dtype(dtype)]
                ok = worst <= tol
                all_ok &= ok
                out(f"{spec.name:<20} {backend:<8} {np.dtype(dtype).name:<8} {len(samples):>7} {worst:>12.2e} "
                    f"{tol:>10.0e}  {'pass' if ok else 'FAIL ' + where}")
    out("all kernels match the reference" if all_ok else "SOME KERNELS DIFFER FROM THE REFERENCE")
    return all_ok
