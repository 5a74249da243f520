"""Transfer learning: freezing by name pattern, a new head trained on a frozen backbone, per-group
learning rates, and zero-copy exchange with torch and NumPy through DLPack."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
import i2dl.nn as nn
import i2dl.optim as optim


def _backbone_and_head():
    i2dl.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(8 * 4 * 4, 10))


def test_freeze_and_unfreeze_by_pattern():
    m = _backbone_and_head()
    assert nn.utils.freeze(m, ["0.*"]) == ["0.weight", "0.bias"]
    assert [n for n, p in m.named_parameters() if p.requires_grad] == ["4.weight", "4.bias"]
    assert nn.utils.unfreeze(m, "*.bias") == ["0.bias", "4.bias"]
    with pytest.raises(ValueError, match=r"freeze: no parameter name matches \['features\.\*'\]"):
        nn.utils.freeze(m, "features.*")
    with pytest.raises(ValueError, match=r"param_groups: parameter '4.weight' matches no pattern of \['0\.\*'\]"):
        nn.utils.param_groups(m, {"0.*": 1e-3}, trainable_only=False)


def test_a_new_head_trains_on_a_frozen_backbone():
    """The digits through a frozen random conv backbone: the replaced head alone learns them (the
    backbone's weights stay bit for bit), then fine-tuning everything with a 10x smaller backbone
    learning rate improves further."""
    from i2dl.data import load_digits_arrays
    x, y = load_digits_arrays()
    x = (x - x.mean()) / x.std()
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
    model = _backbone_and_head()
    model[4] = nn.Linear(8 * 4 * 4, 10)  # the new head
    nn.utils.freeze(model, "0.*")
    frozen = model[0].weight.numpy().copy()
    opt = optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)

    def accuracy():
        model.eval()
        with i2dl.no_grad():
            pred = model(i2dl.tensor(x_test)).numpy().argmax(1)
        model.train()
        return float((pred == y_test).mean())

    before = accuracy()
    rng = np.random.default_rng(0)
    for epoch in range(6):
        for b in np.array_split(rng.permutation(len(x_train)), len(x_train) // 64):
            opt.zero_grad()
            F.cross_entropy(model(i2dl.tensor(x_train[b])), y_train[b]).backward()
            opt.step()
    head_only = accuracy()
    np.testing.assert_array_equal(model[0].weight.numpy(), frozen)
    assert model[0].weight.grad is None
    assert head_only > 0.8 > before + 0.3, (before, head_only)
    nn.utils.unfreeze(model)
    opt = optim.Adam(nn.utils.param_groups(model, {"0.*": 1e-3, "*": 1e-2}))
    assert [g["lr"] for g in opt.param_groups] == [1e-3, 1e-2]
    for epoch in range(3):
        for b in np.array_split(rng.permutation(len(x_train)), len(x_train) // 64):
            opt.zero_grad()
            F.cross_entropy(model(i2dl.tensor(x_train[b])), y_train[b]).backward()
            opt.step()
    assert not np.array_equal(model[0].weight.numpy(), frozen)
    assert accuracy() >= head_only - 0.02


def test_dlpack_shares_memory_with_numpy_and_torch():
    a = np.arange(6.0).reshape(2, 3)
    t = i2dl.from_dlpack(a)
    t.data[0, 0] = 9.0
    assert a[0, 0] == 9.0 and t.shape == (2, 3)
    back = np.from_dlpack(t)
    back[1, 2] = -1.0
    assert t.data[1, 2] == -1.0
    with pytest.raises(TypeError, match=r"from_dlpack: argument 'obj' must support the DLPack protocol"):
        i2dl.from_dlpack([1.0, 2.0])
    torch = pytest.importorskip("torch")
    tt = torch.zeros(4)
    it = i2dl.from_dlpack(tt)
    it.data[2] = 5.0
    assert tt[2].item() == 5.0
    ours = i2dl.ones(3)
    theirs = torch.from_dlpack(ours)
    theirs[0] = 4.0
    assert ours.data[0] == 4.0
