"""Modules: registration, state_dict, freezing, modes, repr, init, SGD."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
from i2dl import nn, optim


def small_net():
    i2dl.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 10, nonlinearity="linear"))


def test_parameters_names_and_layouts_match_pytorch():
    net = small_net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "4.weight", "4.bias"]
    shapes = {n: p.shape for n, p in net.named_parameters()}
    assert shapes["0.weight"] == (4, 1, 3, 3) and shapes["4.weight"] == (10, 64)
    assert len(list(net.children())) == 5 and len(list(net.modules())) == 6
    assert nn.Conv2d(4, 8, 3, groups=2).weight.shape == (8, 2, 3, 3)


def test_state_dict_round_trip():
    a, b = small_net(), small_net()
    for p in b.parameters():
        p.data[...] = 0
    b.load_state_dict(a.state_dict())
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    state = a.state_dict()
    state["0.weight"][...] = 7                  # a copy: changing it leaves the model alone
    assert not np.any(a[0].weight.numpy() == 7)


def test_load_state_dict_names_missing_unexpected_and_misshaped_keys():
    net = small_net()
    state = net.state_dict()
    del state["0.bias"]
    state["extra"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"missing keys \['0.bias'\], unexpected keys \['extra'\]"):
        net.load_state_dict(state)
    state = net.state_dict()
    state["4.weight"] = np.zeros((10, 65))
    with pytest.raises(ValueError, match=r"4.weight: expected \(10, 64\), got \(10, 65\)"):
        net.load_state_dict(state)


def test_freezing_stops_updates():
    net = small_net()
    net[0].requires_grad_(False)
    frozen = net[0].weight.numpy().copy()
    head = net[4].weight.numpy().copy()
    opt = optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
    x = i2dl.randn(2, 1, 8, 8)
    F.cross_entropy(net(x), np.array([1, 2])).backward()
    opt.step()
    np.testing.assert_array_equal(net[0].weight.numpy(), frozen)
    assert net[0].weight.grad is None
    assert not np.array_equal(net[4].weight.numpy(), head)
    assert net.num_parameters(trainable_only=True) == 64 * 10 + 10


def test_train_eval_switches_dropout():
    net = nn.Sequential(nn.Dropout(0.5))
    x = i2dl.ones(100)
    assert not np.array_equal(net(x).numpy(), x.numpy())
    net.eval()
    assert net(x) is x and not net[0].training
    net.train()
    assert net[0].training


def test_repr_counts_parameters():
    text = repr(small_net())
    assert "Conv2d(1, 4, kernel_size=(3, 3)" in text and "# 40 params" in text and "# 690 params" in text


def test_zero_grad_and_apply():
    net = small_net()
    F.cross_entropy(net(i2dl.randn(1, 1, 8, 8)), np.array([0])).backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Sequential" and seen.count("Linear") == 1


def test_init_statistics():
    i2dl.manual_seed(0)
    he = nn.Linear(1000, 500).weight.numpy()
    xavier = nn.Linear(1000, 500, nonlinearity="tanh").weight.numpy()
    assert abs(he.std() - np.sqrt(2 / 1000)) < 0.002
    assert abs(xavier.std() - np.sqrt(2 / 1500)) < 0.002
    assert nn.Linear(3, 2).bias.numpy().tolist() == [0.0, 0.0]
    w = i2dl.zeros(100, 100)
    nn.init.normal_(w, std=0.01)
    assert abs(w.numpy().std() - 0.01) < 0.001
    with pytest.raises(ValueError, match="'nonlinearity' must be one of"):
        nn.Linear(2, 2, nonlinearity="cosine")


def test_module_needs_super_init():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(2))

    with pytest.raises(AttributeError, match="must call super"):
        Broken()


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_matches_the_update_rule(nesterov):
    p = nn.Parameter(np.array([1.0, -2.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.9, nesterov=nesterov, weight_decay=0.01)
    theta, v = p.numpy().copy(), None
    for step in range(3):
        grad = np.array([0.5, 0.25]) * (step + 1)
        p.grad = grad.copy()
        opt.step()
        g = grad + 0.01 * theta
        v = g if v is None else 0.9 * v + g
        theta = theta - 0.1 * (g + 0.9 * v if nesterov else v)
        np.testing.assert_allclose(p.numpy(), theta)


def test_sgd_arguments():
    with pytest.raises(ValueError, match="'lr' must be > 0"):
        optim.SGD([nn.Parameter(np.zeros(1))], lr=0)
    with pytest.raises(ValueError, match="nesterov needs momentum"):
        optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)


def test_prelu_module_learns_its_slope():
    act = nn.PReLU(3)
    x = i2dl.tensor(-np.ones((2, 3, 2, 2)), requires_grad=True)
    act(x).sum().backward()
    np.testing.assert_allclose(act.weight.grad, [-8.0, -8.0, -8.0])
