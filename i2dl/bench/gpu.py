"""``i2dl bench --device cuda``: the same kernel rows as the CPU table, run by the ``cuda``
backend on CuPy arrays against PyTorch on the GPU (when torch sees one), plus LeNet-5 and MLP
training steps with the model on the GPU.

Every row first checks the cuda result against the float64 NumPy reference (kernels) or one
cpu-backend step on the same weights (training steps). Each timed call ends with a device
synchronisation, so a time is the whole call as a user sees it (launches, Python, GPU work);
i2dl and torch are timed in alternating rounds as on the CPU."""
from __future__ import annotations

import json

import numpy as np

from .. import functional as F
from .. import kernels, models, optim
from ..kernels.registry import rel_error
from ..tensor import Tensor
from .kernel_cases import kernel_cases
from .runner import validate
from .timing import interleaved_median_ms, median_ms


def _torch_cuda():
    """torch with a visible GPU, or None. Its TF32 shortcuts are turned off (cuDNN convolutions
    default to TF32, 10-bit mantissas): both sides then compute in float32."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    return torch


def _kernel_rows(cp, torch, sync, budget_s, log, keep):
    ref, cuda = kernels.get("reference"), kernels.get("cuda")
    rows = []
    for case in [c for c in kernel_cases() if keep(c.op + " " + c.shape)]:
        inputs = case.make()
        err = validate(case, inputs, ref, cuda, move=cp.asarray)
        gpu_inputs = {k: cp.asarray(v) for k, v in inputs.items()}

        def ours():
            case.run(cuda, gpu_inputs)
            sync()
        if torch is not None:
            if case.torch_inputs:  # the case's own torch inputs (which of them need a gradient), on the GPU
                t_in = {k: v.detach().cuda().requires_grad_(v.requires_grad)
                        for k, v in case.torch_inputs(torch, inputs).items()}
            else:
                t_in = {k: torch.from_numpy(v).cuda().requires_grad_(k != "dy") for k, v in inputs.items()}

            def theirs():
                case.torch_run(torch, t_in)
                sync()
            cuda_ms, torch_ms = interleaved_median_ms([ours, theirs], budget_s=2 * budget_s)
        else:
            cuda_ms, torch_ms = median_ms(ours, budget_s=budget_s), None
        rows.append(dict(op=case.op, shape=case.shape, cuda_ms=cuda_ms, torch_ms=torch_ms, max_rel_error=err,
                         flops=case.flops, bytes=case.bytes))
        log(rows[-1])
    return rows


def _step_rows(cp, torch, sync, budget_s, log, keep):
    from .training_cases import _torch_model
    rows = []
    for name, label, make_model in (("lenet", "LeNet-5", models.LeNet5),
                                    ("mlp", "MLP 784-256-10", lambda: models.MLP((784, 256, 10)))):
        if not keep(f"train step {label} batch 64, 1x28x28"):
            continue
        rng = np.random.default_rng(0)
        x_np, y_np = rng.standard_normal((64, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 64)
        model = make_model()
        state = model.state_dict()
        # the same step on the cpu backend is the check
        with kernels.use_backend("cpu"):
            cpu_loss = F.cross_entropy(model(Tensor(x_np)), Tensor(y_np))
            cpu_loss.backward()
        want = [p.grad.copy() for p in model.parameters()]
        model.zero_grad()
        model.to("cuda")
        x, y = Tensor(cp.asarray(x_np)), Tensor(cp.asarray(y_np))
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        err = max([abs(loss.item() - cpu_loss.item()) / abs(cpu_loss.item())] +
                  [rel_error(cp.asnumpy(p.grad), w) for p, w in zip(model.parameters(), want)])
        if not err <= 1e-3:
            raise AssertionError(f"bench train step {label} on cuda differs from the cpu backend by {err:.2e}")
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def ours():
            out = F.cross_entropy(model(x), y)
            opt.zero_grad()
            out.backward()
            opt.step()
            sync()
        torch_ms = None
        if torch is not None:
            tm = _torch_model(torch, name)
            with torch.no_grad():
                for tp, value in zip(tm.parameters(), state.values()):
                    tp.copy_(torch.from_numpy(value))
            tm = tm.cuda()
            topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
            tx, ty = torch.from_numpy(x_np).cuda(), torch.from_numpy(y_np).cuda()

            def theirs():
                out = torch.nn.functional.cross_entropy(tm(tx), ty)
                topt.zero_grad()
                out.backward()
                topt.step()
                sync()
            cuda_ms, torch_ms = interleaved_median_ms([ours, theirs], budget_s=2 * budget_s)
        else:
            cuda_ms = median_ms(ours, budget_s=budget_s)
        rows.append(dict(op=f"train step {label}", shape="batch 64, 1x28x28", cuda_ms=cuda_ms, torch_ms=torch_ms,
                         max_rel_error=err, flops=0.0, bytes=0.0))
        log(rows[-1])
    return rows


HEADER = f"{'op':<34} {'shape':<28} {'cuda ms':>9} {'torch ms':>9} {'vs torch':>8} {'rate':>16} {'max err':>9}"


def format_row(r):
    vs = f"{r['torch_ms'] / r['cuda_ms']:7.2f}x" if r["torch_ms"] else " " * 7 + "-"
    torch_ms = f"{r['torch_ms']:9.3f}" if r["torch_ms"] else " " * 8 + "-"
    rate = ""
    if r["flops"]:
        rate = f"{r['flops'] / (r['cuda_ms'] * 1e-3) / 1e9:7.1f} GFLOP/s"
    elif r["bytes"]:
        rate = f"{r['bytes'] / (r['cuda_ms'] * 1e-3) / 1e9:7.1f} GB/s   "
    return f"{r['op']:<34} {r['shape']:<28} {r['cuda_ms']:9.3f} {torch_ms} {vs} {rate:>16} {r['max_rel_error']:9.1e}"


def run(filter_text=None, json_path=None, quick=False):
    from ..kernels import cuda as cuda_backend
    reason = cuda_backend.why_unavailable()
    if reason:
        raise SystemExit(f"i2dl bench --device cuda: {reason}")
    import cupy as cp
    torch = _torch_cuda()
    sync = cp.cuda.Device().synchronize
    name = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)["name"].decode()
    print(f"i2dl bench on {name}: cuda backend vs torch {getattr(torch, '__version__', None)} (cuda)\n")
    print(HEADER)
    print("-" * len(HEADER))

    def log(row):
        print(format_row(row), flush=True)
    budget = 0.3 if quick else 1.0
    def keep(text):
        return not filter_text or filter_text in text
    rows = _kernel_rows(cp, torch, sync, budget, log, keep) + _step_rows(cp, torch, sync, budget, log, keep)
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(dict(device=name, torch=getattr(torch, "__version__", None), rows=rows), fh, indent=2)
        print(f"\nwrote {json_path}")
    return rows
