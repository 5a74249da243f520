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


def _mover(backend):
    if backend != "cuda":
        return None
    import cupy
    return cupy.asarray


def _check_rows(specs, compare, backends, rng, out) -> bool:
    """One table row per (kernel, backend, dtype): the worst error over the spec's samples."""
    all_ok = True
    for spec in specs:
        for backend in backends:
            mod, move = kernels.get(backend), _mover(backend)
            for dtype in spec.dtypes:
                worst, where = 0.0, ""
                samples = spec.samples(rng)
                for sample in samples:
                    name, err = max(compare(spec, mod, sample, dtype, move).items(), key=lambda kv: kv[1])
                    if not err <= worst:
                        worst, where = err, f"{name} [{sample.desc}]"
                tol = TOLERANCE[np.dtype(dtype)]
                ok = worst <= tol
                all_ok &= ok
                out(f"{spec.name:<20} {backend:<8} {np.dtype(dtype).name:<8} {len(samples):>7} {worst:>12.2e} "
                    f"{tol:>10.0e}  {'pass' if ok else 'FAIL ' + where}")
    return all_ok


def run_check(seed=None, backends=None, out=print) -> bool:
    rng = np.random.default_rng(seed)
    backends = backends or available_backends()
    skipped = cuda_backend.why_unavailable()
    if "cuda" not in backends and skipped:
        out(f"cuda: skipped ({skipped})")
    out(f"{'kernel':<20} {'backend':<8} {'dtype':<8} {'samples':>7} {'worst error':>12} {'tolerance':>10}  result")
    ok = _check_rows(REGISTRY, lambda spec, mod, sample, dtype, move: cross_check(spec, mod, sample, dtype, rng, move),
                     backends, rng, out)
    ok &= _check_rows(INPLACE_REGISTRY, cross_check_inplace, backends, rng, out)
    out("all kernels match the reference" if ok else "SOME KERNELS DIFFER FROM THE REFERENCE")
    return ok
