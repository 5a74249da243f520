"""Whole models: the same network on the reference and on the cpu backend gives the same loss
and gradients; gradcheck through a small CNN; save/load."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
from i2dl import models, nn


def _loss_and_grads(model, x, y, backend):
    model.zero_grad()
    with i2dl.use_backend(backend):
        loss = F.cross_entropy(model(i2dl.tensor(x)), y)
        loss.backward()
    return loss.item(), {n: p.grad.copy() for n, p in model.named_parameters()}


@pytest.mark.parametrize("make,shape", [(lambda: models.LeNet5(), (4, 1, 28, 28)),
                                        (lambda: models.DigitsCNN(dropout=0.0), (5, 1, 8, 8)),
                                        (lambda: models.MLP((64, 32, 10)), (6, 64))])
def test_reference_and_cpu_agree_on_a_whole_model(make, shape):
    i2dl.manual_seed(0)
    model = make()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 10, shape[0])
    loss_ref, g_ref = _loss_and_grads(model, x, y, "reference")
    loss_cpu, g_cpu = _loss_and_grads(model, x, y, "cpu")
    assert abs(loss_ref - loss_cpu) <= 1e-5 * max(1, abs(loss_ref))
    for name in g_ref:
        err = np.linalg.norm(g_cpu[name] - g_ref[name]) / max(np.linalg.norm(g_ref[name]), 1e-12)
        assert err < 1e-4, name


def test_gradcheck_through_a_small_cnn():
    i2dl.manual_seed(1)
    conv = nn.Conv2d(2, 3, 3, padding=1, dtype=np.float64)
    fc = nn.Linear(3 * 2 * 2, 4, dtype=np.float64)
    x = i2dl.tensor(np.random.default_rng(0).standard_normal((2, 2, 4, 4)), requires_grad=True)

    def net(inp, w, b, fw):
        h = F.max_pool2d(F.relu(F.conv2d(inp, w, b, padding=1)), 2)
        return F.linear(h.flatten(1), fw, fc.bias)

    params = [conv.weight, conv.bias, fc.weight]
    assert i2dl.gradcheck(net, [x] + params).ok


def test_save_and_load_round_trip(tmp_path):
    i2dl.manual_seed(0)
    model = models.DigitsCNN(width=8)
    file = models.save(model, tmp_path / "m", test_accuracy=0.5)
    assert file == tmp_path / "m.safetensors"
    again = models.load(tmp_path / "m")
    assert type(again) is models.DigitsCNN and again.config["width"] == 8
    for (n, p), (_, q) in zip(model.named_parameters(), again.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert models.read_metadata(file)["test_accuracy"] == 0.5
