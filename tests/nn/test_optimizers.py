"""Adam and AdamW: PyTorch's trajectory where torch is installed, the rule by hand without it, a
resumed run equal bit for bit to an uninterrupted one, and arguments checked."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
from i2dl import nn, optim

try:
    import torch
except ImportError:
    torch = None


CONFIGS = [("Adam", dict(lr=1e-2)), ("Adam", dict(lr=1e-2, weight_decay=1e-2, amsgrad=True)),
           ("Adam", dict(lr=1e-2, maximize=True)), ("AdamW", dict(lr=1e-2)),
           ("AdamW", dict(lr=1e-2, weight_decay=0.1, amsgrad=True, betas=(0.8, 0.99))),
           ("RMSprop", dict(lr=1e-2)), ("RMSprop", dict(lr=1e-2, momentum=0.9, centered=True, weight_decay=1e-2)),
           ("Adagrad", dict(lr=1e-1)), ("Adagrad", dict(lr=1e-1, lr_decay=0.1, weight_decay=1e-2,
                                                        initial_accumulator_value=0.5))]
STATE_KEYS = {"Adam": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), "AdamW": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
              "RMSprop": ("square_avg", "grad_avg", "momentum_buffer"), "Adagrad": ("sum",)}


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_follows_pytorch_for_ten_steps(name, kwargs):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((5, 7)).astype(np.float32)
    ours, theirs = i2dl.tensor(w0.copy(), requires_grad=True), torch.tensor(w0.copy(), requires_grad=True)
    o_opt, t_opt = getattr(optim, name)([ours], **kwargs), getattr(torch.optim, name)([theirs], **kwargs)
    for step in range(10):
        g = rng.standard_normal(w0.shape).astype(np.float32)
        ours.grad, theirs.grad = g.copy(), torch.tensor(g)
        o_opt.step()
        t_opt.step()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    t_state = t_opt.state[theirs]
    for key in STATE_KEYS[name]:
        if key in t_state:
            np.testing.assert_allclose(o_opt.state[id(ours)][key], t_state[key].numpy(), rtol=1e-5, atol=1e-7)
    assert o_opt.state[id(ours)]["step"] == int(t_state["step"])


def test_first_step_moves_each_weight_by_lr_against_its_gradient_sign():
    w = i2dl.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    opt = optim.Adam([w], lr=0.5)
    w.grad = np.array([4.0, -0.5, 0.0])
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.5, -1.5, 3.0], rtol=1e-6)  # m_hat / sqrt(v_hat) = sign(g)


def _train(model, opt, steps, x, y):
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()


@pytest.mark.parametrize("make", [lambda ps: optim.Adam(ps, lr=1e-2, amsgrad=True),
                                  lambda ps: optim.AdamW(ps, lr=1e-2),
                                  lambda ps: optim.RMSprop(ps, lr=1e-3, momentum=0.5, centered=True),
                                  lambda ps: optim.Adagrad(ps, lr=0.05),
                                  lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)],
                         ids=["Adam", "AdamW", "RMSprop", "Adagrad", "SGD"])
def test_a_resumed_run_equals_an_uninterrupted_one_bit_for_bit(make):
    rng = np.random.default_rng(0)
    x, y = i2dl.tensor(rng.standard_normal((16, 6)).astype(np.float32)), rng.integers(0, 3, 16)

    def model():
        i2dl.manual_seed(0)
        return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    a = model()
    opt_a = make(a.parameters())
    _train(a, opt_a, 10, x, y)
    b = model()
    opt_b = make(b.parameters())
    _train(b, opt_b, 4, x, y)
    saved_model, saved_opt = b.state_dict(), opt_b.state_dict()
    c = model()
    c.load_state_dict(saved_model)
    opt_c = make(c.parameters())
    opt_c.load_state_dict(saved_opt)
    _train(c, opt_c, 6, x, y)
    for (k, va), vc in zip(a.state_dict().items(), c.state_dict().values()):
        assert np.array_equal(va, vc), k


def test_state_dict_is_laid_out_like_pytorch():
    w1, w2 = i2dl.tensor(np.ones(3), requires_grad=True), i2dl.tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([{"params": [w1]}, {"params": [w2], "lr": 0.5}], lr=0.1)
    w1.grad, w2.grad = np.ones(3), np.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]] and sd["param_groups"][1]["lr"] == 0.5
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "step"] and sd["state"][1]["step"] == 1


def test_arguments_are_checked():
    w = [i2dl.tensor(np.ones(2), requires_grad=True)]
    with pytest.raises(ValueError, match=r"Adam: argument 'betas' must lie in \[0, 1\), got betas\[1\] = 1.0"):
        optim.Adam(w, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"AdamW: argument 'lr' must be >= 0, got -1"):
        optim.AdamW(w, lr=-1)
    with pytest.raises(TypeError, match=r"Adam: argument 'amsgrad' must be a bool"):
        optim.Adam(w, amsgrad=1)
    opt = optim.Adam(w)
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: the state has 2 parameter groups, this optimizer 1"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})


def test_adam_trains_the_digits():
    pytest.importorskip("sklearn")
    from i2dl import models
    from i2dl.data import DataLoader, digits, random_split
    from i2dl.train import evaluate, fit
    i2dl.manual_seed(0)
    train, test = random_split(digits(), [0.8, 0.2], seed=0)
    model = models.DigitsCNN()
    fit(model, optim.Adam(model.parameters(), lr=2e-3), DataLoader(train, batch_size=32, shuffle=True, seed=0),
        epochs=4, progress=False)
    assert evaluate(model, DataLoader(test, batch_size=256))[1] >= 0.95
