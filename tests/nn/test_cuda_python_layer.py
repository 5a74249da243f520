"""The Python layer on the GPU: tensors moved with ``.to("cuda")`` run every functional op,
loss, whole model and SGD step on the cuda backend and give what the cpu backend gives.
Skipped (with the reason) where the cuda backend cannot run."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
from i2dl import models, optim
from i2dl.kernels import cuda as cuda_backend

from function_cases import CASES, make_arrays

pytestmark = pytest.mark.skipif(cuda_backend.why_unavailable() is not None,
                                reason=f"cuda backend: {cuda_backend.why_unavailable()}")


def _grad_of(t):
    g = t.grad
    return g.get() if hasattr(g, "get") else g


def _run(fn, arrays, device):
    """fn(*tensors) -> loss on ``device``; returns (output as NumPy, input gradients as NumPy)."""
    ts = [i2dl.tensor(a, requires_grad=a.dtype.kind == "f").to(device) for a in arrays]
    for t in ts:
        t.requires_grad = t.dtype.kind == "f"
    out = fn(*ts)
    out.sum().backward() if out.data.size > 1 else out.backward()
    return out.numpy(), [_grad_of(t) if t.requires_grad else None for t in ts]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_op_on_cuda_matches_cpu(name, dtype):
    """Every op of the database (tests/function_cases.py): the cuda backend against the cpu one."""
    fn, specs = CASES[name]
    arrays = make_arrays(specs, dtype)
    out_cpu, g_cpu = _run(fn, arrays, "cpu")
    out_gpu, g_gpu = _run(fn, arrays, "cuda")
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert np.linalg.norm(out_gpu - out_cpu) <= tol * max(np.linalg.norm(out_cpu), 1e-12)
    for gc, gg in zip(g_cpu, g_gpu):
        if gc is not None:
            assert np.linalg.norm(gg - gc) <= tol * max(np.linalg.norm(gc), 1e-12)


def test_tensor_moves_to_cuda_and_back():
    t = i2dl.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    g = t.to("cuda")
    assert g.device == "cuda" and g.requires_grad and g.shape == (2, 3)
    assert type(g.data).__module__.startswith("cupy")
    back = g.to("cpu")
    assert back.device == "cpu" and isinstance(back.data, np.ndarray)
    np.testing.assert_array_equal(back.numpy(), t.numpy())


@pytest.mark.parametrize("make,shape", [(lambda: models.LeNet5(), (4, 1, 28, 28)),
                                        (lambda: models.DigitsCNN(dropout=0.0), (5, 1, 8, 8))])
def test_a_whole_model_and_sgd_step_on_cuda_match_cpu(make, shape):
    i2dl.manual_seed(0)
    cpu_model = make()
    gpu_model = make()
    gpu_model.load_state_dict(cpu_model.state_dict())
    gpu_model.to("cuda")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 10, shape[0])
    results = []
    for model, device in ((cpu_model, "cpu"), (gpu_model, "cuda")):
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
        for _ in range(2):
            loss = F.cross_entropy(model(i2dl.tensor(x).to(device)), i2dl.tensor(y).to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
        results.append((loss.item(), model.state_dict()))
    (loss_cpu, state_cpu), (loss_gpu, state_gpu) = results
    assert abs(loss_cpu - loss_gpu) <= 1e-4 * max(1.0, abs(loss_cpu))
    for name, value in state_cpu.items():
        assert np.linalg.norm(state_gpu[name] - value) <= 1e-4 * np.linalg.norm(value), name


def test_training_on_cuda_learns_the_digits():
    pytest.importorskip("sklearn")
    from i2dl.data import DataLoader, digits, random_split
    from i2dl.train.trainer import evaluate, fit
    i2dl.manual_seed(0)
    train_set, val_set, test_set = random_split(digits(), [0.7, 0.15, 0.15], seed=0)
    model = models.MLP(sizes=(64, 128, 10)).to("cuda")
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    fit(model, opt, DataLoader(train_set, batch_size=32, shuffle=True, seed=0), DataLoader(val_set, batch_size=256),
        epochs=5, progress=False, device="cuda")
    _, acc = evaluate(model, DataLoader(test_set, batch_size=256), device="cuda")
    assert acc >= 0.9
