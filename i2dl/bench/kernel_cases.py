"""Benchmark rows for the kernels: the lecture's convolution and pooling shapes (LeNet, ResNet,
strided, 1x1, batch 1, depthwise), linear layers, the normalization layers, forward and forward+backward, on
reference / cpu / torch (when importable), with a memory-copy row as the bandwidth anchor of the
memory-bound ones."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np



@dataclass
class Case:
    op: str
    shape: str
    make: Callable[[], dict]                 # builds the float32 inputs once
    run: Callable[[object, dict], object]    # (backend module, inputs) -> outputs to validate
    torch_run: Optional[Callable] = None     # (torch, torch inputs) -> None
    flops: float = 0.0                       # for GFLOP/s
    bytes: float = 0.0                       # for GB/s (memory-bound ops)
    tol: float = 1e-4
    validate_with_reference: bool = True
    reference_timed: bool = True
    torch_inputs: Optional[Callable] = None  # (torch, numpy inputs) -> torch inputs; default: tensors
    validate_step: Optional[Callable] = None  # (inputs, torch inputs or None, torch or None) -> error; raises


CONV_SHAPES = [
    # name, (N, C, H, W), O, k, stride, padding, groups
    ("LeNet conv1", (64, 1, 28, 28), 6, 5, 1, 0, 1),
    ("LeNet conv2", (64, 6, 12, 12), 16, 5, 1, 0, 1),
    ("ResNet 3x3", (32, 64, 32, 32), 64, 3, 1, 1, 1),
    # ResNet-18 stage 2 at 224 px, batch 1, and at 64 px, batch 16: few tiles for many channels, which
    # Winograd's threads share
    ("ResNet 3x3 b1", (1, 128, 28, 28), 128, 3, 1, 1, 1),
    ("ResNet 3x3 b16", (16, 128, 8, 8), 128, 3, 1, 1, 1),
    ("strided 3x3", (32, 64, 32, 32), 128, 3, 2, 1, 1),
    ("1x1", (32, 256, 16, 16), 64, 1, 1, 0, 1),
    ("batch-1", (1, 3, 32, 32), 16, 3, 1, 1, 1),
    # ResNet-18's first conv at 224 px, batch 1: per-thread bands of output rows
    ("ResNet stem b1", (1, 3, 224, 224), 64, 7, 2, 3, 1),
    ("depthwise 3x3", (32, 64, 32, 32), 64, 3, 1, 1, 64),
]


def _conv_case(name, xs, o, k, s, p, g, backward):
    N, C, H, W = xs
    OH, OW = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    flops = 2.0 * N * o * OH * OW * (C // g) * k * k * (3 if backward else 1)
    kw = dict(stride=(s, s), padding=(p, p), dilation=(1, 1), groups=g)

    def make():
        rng = np.random.default_rng(0)
        return {"x": rng.standard_normal(xs, dtype=np.float32),
                "w": (rng.standard_normal((o, C // g, k, k), dtype=np.float32) / np.sqrt(C // g * k * k)).astype(np.float32),
                "b": rng.standard_normal(o, dtype=np.float32),
                "dy": rng.standard_normal((N, o, OH, OW), dtype=np.float32)}

    def run(kmod, a):
        y = kmod.conv2d_forward(a["x"], a["w"], a["b"], **kw)
        if not backward:
            return (y,)
        return (y,) + tuple(kmod.conv2d_backward(a["dy"], a["x"], a["w"], **kw))

    def torch_run(torch, t):
        y = torch.nn.functional.conv2d(t["x"], t["w"], t["b"], stride=s, padding=p, groups=g)
        if backward:
            y.backward(t["dy"])

    shape = f"{N}x{C}x{H}x{W}->{o} k{k} s{s} p{p}" + (f" g{g}" if g > 1 else "")
    return Case(f"conv2d {'fwd+bwd' if backward else 'fwd'} {name}", shape, make, run, torch_run, flops=flops)


LINEAR_SHAPES = [
    # name, batch, in, out: the MLP's first layer (the BLAS), a small batch against a large weight
    # (the register tiles, the weight read in place)
    ("MLP 784->256", 64, 784, 256),
    ("wide 2048->2048", 32, 2048, 2048),
]


def _linear_case(name, M, K, N, backward):
    flops = 2.0 * M * K * N * (3 if backward else 1)

    def make():
        rng = np.random.default_rng(0)
        return {"x": rng.standard_normal((M, K), dtype=np.float32),
                "w": (rng.standard_normal((N, K), dtype=np.float32) / np.sqrt(K)).astype(np.float32),
                "b": rng.standard_normal(N, dtype=np.float32),
                "dy": rng.standard_normal((M, N), dtype=np.float32)}

    def run(kmod, a):
        y = kmod.linear_forward(a["x"], a["w"], a["b"])
        if not backward:
            return (y,)
        return (y,) + tuple(kmod.linear_backward(a["dy"], a["x"], a["w"]))

    def torch_run(torch, t):
        y = torch.nn.functional.linear(t["x"], t["w"], t["b"])
        if backward:
            y.backward(t["dy"])

    return Case(f"linear {'fwd+bwd' if backward else 'fwd'} {name}", f"{M}x{K}->{N}", make, run, torch_run, flops=flops)


def _conv_transpose_case(name, xs, o, k, s, backward):
    """conv_transpose2d (weight (C, o, k, k), no padding) against torch's, forward or forward+backward."""
    N, C, H, W = xs
    OH, OW = (H - 1) * s + k, (W - 1) * s + k
    flops = 2.0 * N * C * H * W * o * k * k * (3 if backward else 1)

    def make():
        rng = np.random.default_rng(0)
        return {"x": rng.standard_normal(xs, dtype=np.float32),
                "w": (rng.standard_normal((C, o, k, k), dtype=np.float32) / np.sqrt(C * k * k)).astype(np.float32),
                "b": rng.standard_normal(o, dtype=np.float32),
                "dy": rng.standard_normal((N, o, OH, OW), dtype=np.float32)}

    def run(kmod, a):
        y = kmod.conv_transpose2d_forward(a["x"], a["w"], a["b"], stride=s)
        if not backward:
            return (y,)
        return (y,) + tuple(kmod.conv_transpose2d_backward(a["dy"], a["x"], a["w"], stride=s))

    def torch_run(torch, t):
        y = torch.nn.functional.conv_transpose2d(t["x"], t["w"], t["b"], stride=s)
        if backward:
            y.backward(t["dy"])

    return Case(f"conv_transpose2d {'fwd+bwd' if backward else 'fwd'} {name}", f"{N}x{C}x{H}x{W}->{o} k{k} s{s}",
                make, run, torch_run, flops=flops)


def _upsample_case(mode, xs, scale, backward, align_corners=None):
    N, C, H, W = xs
    out = (N, C, H * scale, W * scale)
    params = dict(size=None, scale_factor=float(scale), mode=mode, align_corners=align_corners)

    def make():
        rng = np.random.default_rng(0)
        return {"x": rng.standard_normal(xs, dtype=np.float32), "dy": rng.standard_normal(out, dtype=np.float32)}

    def run(kmod, a):
        y = kmod.upsample2d_forward(a["x"], **params)
        return (y, kmod.upsample2d_backward(a["dy"], xs, **params)) if backward else (y,)

    def torch_run(torch, t):
        y = torch.nn.functional.interpolate(t["x"], scale_factor=scale, mode=mode, align_corners=align_corners)
        if backward:
            y.backward(t["dy"])

    traffic = 4.0 * (np.prod(xs) + np.prod(out)) * (2 if backward else 1)
    return Case(f"upsample {mode} x{scale} {'fwd+bwd' if backward else 'fwd'}", "x".join(map(str, xs)), make, run,
                torch_run, bytes=traffic)


def _pool_case(kind, backward):
    xs = (64, 64, 32, 32)

    def make():
        rng = np.random.default_rng(0)
        return {"x": rng.standard_normal(xs, dtype=np.float32),
                "dy": rng.standard_normal((64, 64, 16, 16), dtype=np.float32)}

    def run(kmod, a):
        if kind == "max":
            y, idx = kmod.max_pool2d_forward(a["x"], (2, 2), (2, 2), (0, 0))
            return (y, kmod.max_pool2d_backward(a["dy"], idx, xs)) if backward else (y,)
        y = kmod.avg_pool2d_forward(a["x"], (2, 2), (2, 2), (0, 0))
        return (y, kmod.avg_pool2d_backward(a["dy"], xs, (2, 2), (2, 2), (0, 0))) if backward else (y,)

    def torch_run(torch, t):
        f = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
        y = f(t["x"], 2, 2)
        if backward:
            y.backward(t["dy"])

    n_in, n_out = np.prod(xs), np.prod(xs) // 4
    idx_bytes = 8 * n_out if kind == "max" else 0
    # forward reads x, writes y (+ idx); backward reads dy (+ idx), writes dx
    traffic = 4 * (n_in + n_out) + idx_bytes + ((4 * (n_out + n_in) + idx_bytes) if backward else 0)
    return Case(f"{kind}_pool2d {'fwd+bwd' if backward else 'fwd'}", "64x64x32x32 k2 s2", make, run, torch_run,
                bytes=float(traffic))


NORM_SHAPES = [
    # kind, x shape, num_groups (group norm)
    ("batch_norm", (64, 64, 32, 32), None),
    ("batch_norm", (256, 1024), None),
    ("layer_norm", (4096, 512), None),
    ("group_norm", (32, 256, 16, 16), 32),
    ("instance_norm", (32, 64, 32, 32), 64),
]


def _norm_case(kind, xs, groups, backward, training=True):
    C = xs[1] if kind != "layer_norm" else xs[-1]

    def make():
        rng = np.random.default_rng(0)
        return {"x": rng.standard_normal(xs, dtype=np.float32), "w": rng.standard_normal(C, dtype=np.float32),
                "b": rng.standard_normal(C, dtype=np.float32), "dy": rng.standard_normal(xs, dtype=np.float32),
                "rm": np.zeros(C, np.float32), "rv": np.ones(C, np.float32)}

    def run(kmod, a):
        if kind == "batch_norm":
            # fresh running statistics per call, so that every timed call (and the reference) sees the same ones
            rm, rv = a["rm"].copy(), a["rv"].copy()
            y, mean, inv = kmod.batch_norm_forward(a["x"], rm, rv, a["w"], a["b"], training, 0.1, 1e-5)
            grads = kmod.batch_norm_backward(a["dy"], a["x"], mean, inv, a["w"], training) if backward else ()
            return (y, mean, inv, rm, rv) + tuple(grads)
        if kind == "layer_norm":
            y, mean, inv = kmod.layer_norm_forward(a["x"], (C,), a["w"], a["b"], 1e-5)
            grads = kmod.layer_norm_backward(a["dy"], a["x"], mean, inv, (C,), a["w"]) if backward else ()
        else:
            y, mean, inv = kmod.group_norm_forward(a["x"], groups, a["w"], a["b"], 1e-5)
            grads = kmod.group_norm_backward(a["dy"], a["x"], mean, inv, groups, a["w"]) if backward else ()
        return (y, mean, inv) + tuple(grads)

    def torch_inputs(torch, a):
        t = {k: torch.from_numpy(v.copy()) for k, v in a.items()}
        for k in ("x", "w", "b"):
            t[k].requires_grad_(True)
        return t

    def torch_run(torch, t):
        F = torch.nn.functional
        if kind == "batch_norm":
            y = F.batch_norm(t["x"], t["rm"], t["rv"], t["w"], t["b"], training, 0.1, 1e-5)
        elif kind == "layer_norm":
            y = F.layer_norm(t["x"], (C,), t["w"], t["b"], 1e-5)
        elif kind == "group_norm":
            y = F.group_norm(t["x"], groups, t["w"], t["b"], 1e-5)
        else:
            y = F.instance_norm(t["x"], None, None, t["w"], t["b"], True, 0.1, 1e-5)
        if backward:
            for k in ("x", "w", "b"):
                t[k].grad = None
            y.backward(t["dy"])

    n = int(np.prod(xs))
    traffic = 4 * n * (2 + (3 if backward else 0))  # forward reads x, writes y; backward reads dy, x, writes dx
    shape = "x".join(map(str, xs)) + (f" G{groups}" if kind == "group_norm" else "") + ("" if training else " eval")
    return Case(f"{kind} {'fwd+bwd' if backward else 'fwd'}", shape, make, run, torch_run, bytes=float(traffic),
                torch_inputs=torch_inputs)


def _copy_case():
    """The memory bandwidth of this run: a 64 MiB copy (read and write), the anchor of the GB/s
    column of the memory-bound rows."""
    n = 16 << 20

    def make():
        return {"x": np.ones(n, np.float32), "y": np.empty(n, np.float32)}

    def run(kmod, a):
        a["y"][...] = a["x"]  # NumPy or CuPy
        return (a["y"],)

    def torch_inputs(torch, a):
        return {"x": torch.from_numpy(a["x"]), "y": torch.from_numpy(a["y"].copy())}

    def torch_run(torch, t):
        t["y"].copy_(t["x"])

    return Case("memory copy (bandwidth anchor)", "64 MiB float32", make, run, torch_run, bytes=float(8 * n),
                torch_inputs=torch_inputs, reference_timed=False)


def kernel_cases():
    cases = [_copy_case()]
    for spec in CONV_SHAPES:
        for backward in (False, True):
            cases.append(_conv_case(*spec, backward))
    for spec in LINEAR_SHAPES:
        for backward in (False, True):
            cases.append(_linear_case(*spec, backward))
    for backward in (False, True):
        cases.append(_conv_transpose_case("U-Net up 2x2", (16, 128, 32, 32), 64, 2, 2, backward))
    for mode in ("bilinear", "nearest"):
        for backward in (False, True):
            cases.append(_upsample_case(mode, (16, 64, 32, 32), 2, backward))
    for kind in ("max", "avg"):
        for backward in (False, True):
            cases.append(_pool_case(kind, backward))
    for kind, xs, groups in NORM_SHAPES:
        for backward in (False, True):
            cases.append(_norm_case(kind, xs, groups, backward))
    cases.append(_norm_case("batch_norm", (64, 64, 32, 32), None, False, training=False))
    return cases
