"""``i2dl bench``: one table of op, shape, reference ms, cpu ms, torch ms (when importable),
speedups, GFLOP/s (or GB/s) and percent of the GEMM ceiling measured in the same run.
Each row validates the cpu output against the reference before anything is timed; cpu and torch
are timed in alternation, so that a slow phase of a shared machine does not skew their ratio."""
from __future__ import annotations

import json
import platform
import sys

import numpy as np

from .. import _C, kernels
from ..kernels.registry import rel_error, to_numpy
from .timing import interleaved_median_ms, median_ms


def gemm_ceiling_gflops(n: int = 2048) -> float:
    """sgemm n^3 through i2dl's BLAS (the linear kernel), in GFLOP/s."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    cpu = kernels.get("cpu")
    ms = median_ms(lambda: cpu.linear_forward(a, b, None), warmup=1, min_repeats=3, max_repeats=10, budget_s=1.5)
    return 2.0 * n ** 3 / (ms * 1e-3) / 1e9


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(_C.get_num_threads())
    return torch


def _to_torch(torch, inputs):
    t = {}
    for k, v in inputs.items():
        tensor = torch.from_numpy(v.copy())
        if k != "dy":
            tensor.requires_grad_(True)
        t[k] = tensor
    return t


def validate(case, inputs, ref, backend, move=None):
    """The backend's result must match the reference (computed in float64) before it is timed;
    ``move`` puts the inputs where the backend computes (CuPy for cuda)."""
    want = case.run(ref, {k: v.astype(np.float64) for k, v in inputs.items()})
    got = case.run(backend, {k: move(v) for k, v in inputs.items()} if move else inputs)
    worst = 0.0
    for g, w in zip(got, want):
        if g is None and w is None:
            continue
        worst = max(worst, rel_error(to_numpy(g), w))
    if not worst <= case.tol:
        raise AssertionError(f"bench {case.op} [{case.shape}]: {backend.NAME} differs from the reference by {worst:.2e}")
    return worst


def run_cases(cases, with_reference=True, reference_budget_s=1.0, budget_s=1.0, log=print):
    ref, cpu = kernels.get("reference"), kernels.get("cpu")
    torch = _torch()
    rows = []
    for case in cases:
        inputs = case.make()
        err = validate(case, inputs, ref, cpu) if case.validate_with_reference else 0.0
        torch_inputs = None
        if torch is not None and case.torch_run is not None:
            torch_inputs = case.torch_inputs(torch, inputs) if case.torch_inputs else _to_torch(torch, inputs)
        if case.validate_step:
            err = case.validate_step(inputs, torch_inputs, torch)
        torch_ms = None
        if torch_inputs is not None:  # timed in alternation with cpu: their ratio is the figure that matters
            cpu_ms, torch_ms = interleaved_median_ms([lambda: case.run(cpu, inputs),
                                                      lambda: case.torch_run(torch, torch_inputs)],
                                                     budget_s=2 * budget_s)
        else:
            cpu_ms = median_ms(lambda: case.run(cpu, inputs), budget_s=budget_s)
        ref_ms = (median_ms(lambda: case.run(ref, inputs), warmup=1, min_repeats=3, budget_s=reference_budget_s)
                  if with_reference and case.reference_timed else None)
        row = dict(op=case.op, shape=case.shape, reference_ms=ref_ms, cpu_ms=cpu_ms, torch_ms=torch_ms,
                   max_rel_error=err, flops=case.flops, bytes=case.bytes)
        rows.append(row)
        log(format_row(row, None), flush=True) if log is print else log(row)
    return rows


def format_row(r, ceiling):
    def f(v, fmt="{:9.3f}"):
        return fmt.format(v) if v is not None else " " * (len(fmt.format(0.0)) - 1) + "-"
    vs_ref = r["reference_ms"] / r["cpu_ms"] if r["reference_ms"] else None
    vs_torch = r["torch_ms"] / r["cpu_ms"] if r["torch_ms"] else None
    rate, pct = "", ""
    if r["flops"]:
        gf = r["flops"] / (r["cpu_ms"] * 1e-3) / 1e9
        rate = f"{gf:7.1f} GFLOP/s"
        if ceiling:
            pct = f"{100 * gf / ceiling:5.1f}%"
    elif r["bytes"]:
        rate = f"{r['bytes'] / (r['cpu_ms'] * 1e-3) / 1e9:7.1f} GB/s   "
    return (f"{r['op']:<34} {r['shape']:<28} {f(r['reference_ms'], '{:10.3f}')} {f(r['cpu_ms'])} {f(r['torch_ms'])} "
            f"{f(vs_ref, '{:8.1f}x')} {f(vs_torch, '{:7.2f}x')} {rate:>16} {pct:>6}")


HEADER = (f"{'op':<34} {'shape':<28} {'ref ms':>10} {'cpu ms':>9} {'torch ms':>9} {'vs ref':>9} {'vs torch':>8} "
          f"{'rate':>16} {'%gemm':>6}")


def environment():
    torch = _torch()
    return dict(python=sys.version.split()[0], machine=platform.machine(), threads=_C.get_num_threads(),
                blas=_C.blas_config(), isa_clone=_C.isa_clone(), torch=getattr(torch, "__version__", None))


def run(filter_text=None, json_path=None, with_reference=True, quick=False):
    from .kernel_cases import kernel_cases
    from .recurrent_cases import recurrent_cases
    from .training_cases import training_cases
    cases = [c for c in kernel_cases() + recurrent_cases() + training_cases() if not filter_text or filter_text in c.op + " " + c.shape]
    env = environment()
    print(f"i2dl bench: {env['threads']} threads, {env['blas']}, clone {env['isa_clone']}, torch {env['torch']}")
    ceiling = gemm_ceiling_gflops(1024 if quick else 2048)
    print(f"GEMM ceiling (sgemm 2048^3 through i2dl's BLAS): {ceiling:.1f} GFLOP/s\n")
    print(HEADER)
    print("-" * len(HEADER))
    rows = run_cases(cases, with_reference=with_reference, budget_s=0.3 if quick else 1.0,
                     reference_budget_s=0.3 if quick else 1.0,
                     log=lambda row: print(format_row(row, ceiling), flush=True))
    if any(r["flops"] for r in rows):
        print("\nconv GFLOP/s count the direct convolution's 2*N*O*OH*OW*(C/groups)*KH*KW flops (x3 with the "
              "backward). The ceiling is OpenBLAS's sgemm, not the cores' peak: Winograd rows (3x3 stride 1) do "
              "fewer multiplications and the strided direct kernel runs closer to the peak, so both can pass it")
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(dict(environment=env, gemm_ceiling_gflops=ceiling, rows=rows), fh, indent=2)
        print(f"\nwrote {json_path}")
    return rows
