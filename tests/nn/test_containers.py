"""Sequential indexing and slicing, named children, ModuleDict, add_module, named_modules and forward hooks, as PyTorch's."""
from collections import OrderedDict

import pytest

import i2dl
import i2dl.nn as nn


def test_sequential_slices_share_the_modules():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    head = net[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is net[0]
    assert net[-1] is net[2]
    x = i2dl.randn(5, 4)
    assert (net[2](head(x)) - net(x)).abs().max().item() == 0.0
    assert list(head.state_dict()) == ["0.weight", "0.bias"]


def test_sequential_of_an_ordered_dict_names_its_children():
    net = nn.Sequential(OrderedDict(fc=nn.Linear(4, 3), act=nn.ReLU()))
    assert list(net.state_dict()) == ["fc.weight", "fc.bias"] and net.fc is net[0]


def test_module_dict_and_add_module():
    d = nn.ModuleDict({"a": nn.Linear(2, 2)})
    d["b"] = nn.Linear(2, 3)
    d.update({"c": nn.ReLU()})
    assert list(d.keys()) == ["a", "b", "c"] and "b" in d and len(d) == 3
    assert list(d.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    del d["a"]
    assert list(d) == ["b", "c"]
    m = nn.Module()
    m.add_module("enc", nn.Linear(2, 2))
    assert list(m.state_dict()) == ["enc.weight", "enc.bias"]
    with pytest.raises(KeyError, match=r"add_module: argument 'name' must be a non-empty string without '.'"):
        m.add_module("a.b", nn.ReLU())
    with pytest.raises(TypeError, match=r"add_module: argument 'module' must be a Module or None"):
        m.add_module("x", 3)


def test_named_modules_lists_a_shared_module_once():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in net.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in net.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]


def test_forward_hooks_as_pytorch():
    """Pre-hooks may replace the arguments, hooks the output; handles remove them (also as a with
    block); hooks run in the order registered; evaluating() restores each module's own mode."""
    import numpy as np
    from i2dl.nn.module import evaluating
    lin = nn.Linear(3, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(("post", out.shape)))
    h3 = lin.register_forward_hook(lambda m, args, out: out * 2)
    x = i2dl.randn(4, 3)
    y = lin(x)
    assert calls == ["pre", ("post", (4, 2))]
    np.testing.assert_allclose(y.numpy(), 2 * np.broadcast_to(lin.bias.numpy(), (4, 2)), rtol=1e-6)
    for h in (h1, h2, h3):
        h.remove()
    h1.remove()  # twice: nothing left to remove
    np.testing.assert_allclose(lin(x).numpy(), x.numpy() @ lin.weight.numpy().T + lin.bias.numpy(), rtol=1e-5)
    with lin.register_forward_hook(lambda m, args, out: calls.append("with")):
        lin(x)
    lin(x)
    assert calls[-1] == "with" and calls.count("with") == 1
    with pytest.raises(TypeError, match=r"register_forward_hook: argument 'hook' must be callable, got int"):
        lin.register_forward_hook(3)
    with pytest.raises(TypeError, match=r"register_forward_pre_hook: argument 'hook' must be callable, got str"):
        lin.register_forward_pre_hook("f")
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    model[1].eval()
    with evaluating(model):
        assert not any(m.training for m in model.modules())
    assert model.training and model[0].training and not model[1].training
