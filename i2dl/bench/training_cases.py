"""Benchmark rows for whole training steps (forward, backward, SGD) and for autograd overhead,
i2dl against PyTorch in the same run. Both sides start from the same weights; each row first
checks that one i2dl step gives the loss PyTorch gives (when torch is importable) or the
reference backend gives."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import kernels, models, nn, optim
from ..kernels.registry import rel_error
from ..tensor import Tensor
from .kernel_cases import Case


def _torch_model(torch, name):
    nn = torch.nn
    if name == "lenet-bn":  # models.DigitsCNN(batch_norm=True, dropout=0)
        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
        return nn.Sequential(*block(1, 32), *block(32, 64), nn.Flatten(), nn.Dropout(0.0), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    if name == "lenet":
        return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                             nn.ReLU(), nn.Linear(84, 10))
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def _step_case(name, label, make_model, shape=(64, 1, 28, 28)):

    def make():
        rng = np.random.default_rng(0)
        model = make_model()
        return {"x": rng.standard_normal(shape, dtype=np.float32), "y": rng.integers(0, 10, 64),
                "model": model, "opt": optim.SGD(model.parameters(), lr=0.01, momentum=0.9)}

    def run(k, a):
        with kernels.use_backend(k.NAME if k.NAME != "cuda" else "cpu"):
            model, opt = a["model"], a["opt"]
            loss = F.cross_entropy(model(Tensor(a["x"])), a["y"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            return (np.asarray(loss.item()),)

    def torch_inputs(torch, a):
        tm = _torch_model(torch, name)
        with torch.no_grad():
            for tp, (_, p) in zip(tm.parameters(), a["model"].named_parameters()):
                tp.copy_(torch.from_numpy(p.numpy()))
        return {"x": torch.from_numpy(a["x"]), "y": torch.from_numpy(a["y"]), "model": tm,
                "opt": torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)}

    def torch_run(torch, t):
        loss = torch.nn.functional.cross_entropy(t["model"](t["x"]), t["y"])
        t["opt"].zero_grad()
        loss.backward()
        t["opt"].step()

    return Case(f"train step {label}", f"batch {shape[0]}, " + "x".join(map(str, shape[1:])), make, run, torch_run,
                validate_with_reference=False,
                reference_timed=True, torch_inputs=torch_inputs, validate_step=_validate_step)


def _validate_step(a, t, torch):
    """Loss and every parameter gradient of one forward+backward on the cpu backend against
    PyTorch on the same weights (or against the reference backend without torch)."""
    model, x = a["model"], Tensor(a["x"])

    def ours(backend):
        model.zero_grad()
        with kernels.use_backend(backend):
            loss = F.cross_entropy(model(x), a["y"])
            loss.backward()
        grads = [p.grad.copy() for p in model.parameters()]
        model.zero_grad()
        return loss.item(), grads

    loss, grads = ours("cpu")
    if torch is not None:
        tm = t["model"]
        tm.zero_grad()
        tl = torch.nn.functional.cross_entropy(tm(t["x"]), t["y"])
        tl.backward()
        want_loss, want = tl.item(), [p.grad.numpy().copy() for p in tm.parameters()]
        tm.zero_grad()
    else:
        want_loss, want = ours("reference")
    err = max([abs(loss - want_loss) / max(abs(want_loss), 1e-12)] + [rel_error(g, w) for g, w in zip(grads, want)])
    if not err <= 1e-3:
        raise AssertionError(f"bench training step: i2dl differs from {'torch' if torch else 'the reference'} "
                             f"by {err:.2e}")
    return err


def _tiny_case():
    def make():
        return {"a": Tensor(np.ones(8, np.float32), requires_grad=True), "b": Tensor(np.ones(8, np.float32))}

    def run(k, a):
        y = (a["a"] * a["b"] + 1.0).sum()
        y.backward()
        return (np.asarray(y.item()),)

    def torch_inputs(torch, a):
        return {"a": torch.ones(8, requires_grad=True), "b": torch.ones(8)}

    def torch_run(torch, t):
        (t["a"] * t["b"] + 1.0).sum().backward()

    return Case("autograd overhead (a*b+1).sum()", "8 floats, fwd+bwd", make, run, torch_run,
                validate_with_reference=False, reference_timed=False, torch_inputs=torch_inputs)


OPTIM_SHAPES = [
    # optimizer, tensors, elements each, arguments, bytes moved per element (float32)
    ("Adam", 10, 1_000_000, dict(lr=1e-3), 28),      # reads p, g, m, v; writes p, m, v
    ("Adam", 10, 100_000, dict(lr=1e-3), 28),
    ("Adam", 300, 4_000, dict(lr=1e-3), 28),
    ("AdamW", 10, 1_000_000, dict(lr=1e-3), 28),
    ("RMSprop", 10, 1_000_000, dict(lr=1e-3), 20),   # reads p, g, s; writes p, s
    ("Adagrad", 10, 1_000_000, dict(lr=1e-2), 20),
    ("SGD", 10, 1_000_000, dict(lr=1e-3, momentum=0.9), 20),
    # a model of many small layers: what the multi-tensor steps are for
    ("SGD", 300, 4_000, dict(lr=1e-3, momentum=0.9), 20),
    ("RMSprop", 300, 4_000, dict(lr=1e-3), 20),
    ("Adagrad", 300, 4_000, dict(lr=1e-2), 20),
]
_OPTIMIZERS = {}  # the optimizer of each timed input set (made at its first step)


def _optim_case(name, count, n, kwargs, bytes_per):
    """optimizer.step() through i2dl.optim on ``count`` float32 tensors of ``n`` elements, against
    torch.optim with fused=True (its fastest CPU path; foreach=True where it has none); validated after one step against the
    reference backend's step."""
    def make():
        rng = np.random.default_rng(0)
        a = {f"p{i}": rng.standard_normal(n, dtype=np.float32) for i in range(count)}
        a.update({f"g{i}": (rng.standard_normal(n, dtype=np.float32) * 1e-3).astype(np.float32) for i in range(count)})
        return a

    def run(k, a):
        key = id(a[f"p{0}"])
        if key not in _OPTIMIZERS:
            from ..nn import Parameter
            params = []
            for i in range(count):
                p = Parameter(a[f"p{i}"])
                p.data = a[f"p{i}"]  # the array itself, updated in place
                p.grad = a[f"g{i}"]
                params.append(p)
            _OPTIMIZERS[key] = (params, getattr(optim, name)(params, **kwargs))
        params, opt = _OPTIMIZERS[key]
        with kernels.use_backend(k.NAME if k.NAME != "cuda" else "cpu"):
            opt.step()
        return tuple(p.data for p in params)

    def torch_inputs(torch, a):
        ps = [torch.tensor(a[f"p{i}"].copy(), requires_grad=True) for i in range(count)]
        for i, p in enumerate(ps):
            p.grad = torch.tensor(a[f"g{i}"].copy())
        try:
            return {"opt": getattr(torch.optim, name)(ps, fused=True, **kwargs)}
        except (TypeError, RuntimeError):  # no fused CPU path (RMSprop): the multi-tensor one
            return {"opt": getattr(torch.optim, name)(ps, foreach=True, **kwargs)}

    def torch_run(torch, t):
        t["opt"].step()

    return Case(f"optim {name}.step()", f"{count} x {n:,}", make, run, torch_run, bytes=float(bytes_per * count * n),
                tol=1e-5, torch_inputs=torch_inputs, reference_timed=False)


def _clip_case(count, n):
    """nn.utils.clip_grad_norm_ on ``count`` float32 gradients of ``n`` elements (one multi-tensor
    norm and one scale), against torch's (foreach); the norm is 10x the threshold, so every call
    scales (by a factor close to 1 after the first: the gradients shrink toward the threshold)."""
    def make():
        rng = np.random.default_rng(0)
        return {f"g{i}": rng.standard_normal(n, dtype=np.float32) for i in range(count)}

    def params_of(a):
        from ..nn import Parameter
        params = []
        for i in range(count):
            p = Parameter(np.zeros(n, np.float32))
            p.grad = a[f"g{i}"]
            params.append(p)
        return params

    def run(k, a):
        key = ("clip", id(a["g0"]))
        if key not in _OPTIMIZERS:
            _OPTIMIZERS[key] = params_of(a)
        with kernels.use_backend(k.NAME if k.NAME != "cuda" else "cpu"):
            total = nn.utils.clip_grad_norm_(_OPTIMIZERS[key], 1.0)
        return (np.asarray(total.item()),)

    def torch_inputs(torch, a):
        ps = [torch.zeros(n, requires_grad=True) for _ in range(count)]
        for i, p in enumerate(ps):
            p.grad = torch.tensor(a[f"g{i}"].copy())
        return {"params": ps}

    def torch_run(torch, t):
        torch.nn.utils.clip_grad_norm_(t["params"], 1.0, foreach=True)

    return Case("nn.utils.clip_grad_norm_", f"{count} x {n:,}", make, run, torch_run, bytes=float(12 * count * n),
                tol=1e-5, torch_inputs=torch_inputs, reference_timed=False)


def training_cases():
    return [_optim_case(*spec) for spec in OPTIM_SHAPES] + [_clip_case(300, 4_000), _clip_case(10, 1_000_000),
                                                            _step_case("lenet", "LeNet-5", lambda: models.LeNet5()),
            _step_case("mlp", "MLP 784-256-10", lambda: models.MLP((784, 256, 10))),
            _step_case("lenet-bn", "digits CNN + BatchNorm2d", lambda: models.DigitsCNN(dropout=0.0, batch_norm=True),
                       shape=(64, 1, 8, 8)),
            _tiny_case()]
