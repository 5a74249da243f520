"""i2dl.models with torchvision's names: the state_dict of torchvision 0.28's model (where it imports)
loads and gives the same outputs in eval and the same loss and gradients in training; the CIFAR
ResNet-20 and the adaptive average pool against torch."""
import sys
import types

import numpy as np
import pytest

import i2dl
import i2dl.functional as F
import i2dl.models as M

torch = pytest.importorskip("torch")


def _torchvision():
    # the CPU torch wheel lacks the torchvision::nms operator its meta registrations expect
    sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
    try:
        import torchvision
    except Exception as e:  # noqa: BLE001 - any failure to import means: compare where it works
        pytest.skip(f"torchvision does not import here: {e}")
    return torchvision


# the same function in training: no random dropout masks; GoogLeNet's auxiliary heads apart (below)
MODEL_ARGS = {"vgg11": {"dropout": 0.0}, "vgg11_bn": {"dropout": 0.0}, "vgg16_bn": {"dropout": 0.0},
              "alexnet": {"dropout": 0.0}, "googlenet": {"dropout": 0.0, "aux_logits": False}}
INPUT_SIZE = {"alexnet": 64}  # its 11x11/4 stem and three 3x3/2 pools need 63 pixels


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "vgg11", "vgg11_bn", "vgg16_bn", "alexnet",
                                  "googlenet"])
def test_torchvision_state_dicts_load_and_match(name):
    tv = _torchvision()
    torch.manual_seed(0)
    kw = MODEL_ARGS.get(name, {})
    theirs = getattr(tv.models, name)(weights=None, num_classes=10, **kw)
    ours = getattr(M, name)(num_classes=10, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    size = INPUT_SIZE.get(name, 32)
    x = np.random.default_rng(0).standard_normal((2, 3, size, size), dtype=np.float32)
    theirs.eval(), ours.eval()
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    with i2dl.no_grad():
        got = ours(i2dl.tensor(x)).data
    assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max()
    # training mode in float64: batch norm over a batch of 2 at the last stage's 1x1 maps is ill-conditioned,
    # which float32 turns into 1 % differences in the first layer's gradient
    theirs.double().train(), ours.double().train()
    y = np.array([1, 7])
    tl = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x.astype(np.float64))), torch.from_numpy(y))
    tl.backward()
    il = F.cross_entropy(ours(i2dl.tensor(x.astype(np.float64))), y)
    il.backward()
    assert abs(il.item() - tl.item()) <= 1e-6 * abs(tl.item())
    tp = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        g, w = p.grad, tp[n].grad.numpy()
        assert np.linalg.norm(g - w) <= 1e-5 * max(np.linalg.norm(w), 1e-6), n


def test_resnet20_for_cifar():
    m = M.resnet20()
    assert sum(p.numel() for p in m.parameters()) == pytest.approx(272474, rel=0.01)
    assert m(i2dl.randn(2, 3, 32, 32)).shape == (2, 10)
    assert list(m.state_dict())[:3] == ["conv1.weight", "bn1.weight", "bn1.bias"]


@pytest.mark.parametrize("out", [(1, 1), (3, 2), (7, 7), (5, None), 4])
def test_adaptive_avg_pool_matches_torch(out):
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 6))
    tx, ix = torch.from_numpy(x).requires_grad_(), i2dl.tensor(x, requires_grad=True)
    ty = torch.nn.functional.adaptive_avg_pool2d(tx, out)
    iy = F.adaptive_avg_pool2d(ix, out)
    np.testing.assert_allclose(iy.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    dy = np.random.default_rng(2).standard_normal(ty.shape)
    ty.backward(torch.from_numpy(dy))
    iy.backward(i2dl.tensor(dy))
    np.testing.assert_allclose(ix.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_checkpoint_round_trip_of_a_zoo_model(tmp_path):
    m = M.resnet18(num_classes=5).eval()
    M.save(m, tmp_path / "r18")
    again = M.load(tmp_path / "r18").eval()
    x = i2dl.randn(1, 3, 32, 32)
    with i2dl.no_grad():
        np.testing.assert_array_equal(again(x).data, m(x).data)


def test_cross_entropy_per_pixel_matches_torch():
    rng = np.random.default_rng(3)
    z, y = rng.standard_normal((2, 3, 4, 5)), rng.integers(0, 3, (2, 4, 5))
    tz, iz = torch.from_numpy(z).requires_grad_(), i2dl.tensor(z, requires_grad=True)
    for reduction in ("mean", "sum"):
        tz.grad, iz.grad = None, None
        tl = torch.nn.functional.cross_entropy(tz, torch.from_numpy(y), reduction=reduction)
        il = F.cross_entropy(iz, y, reduction=reduction)
        tl.backward()
        il.backward()
        assert abs(il.item() - tl.item()) <= 1e-12 * abs(tl.item())
        np.testing.assert_allclose(iz.grad, tz.grad.numpy(), rtol=1e-12, atol=1e-14)
    per = F.cross_entropy(iz, y, reduction="none")
    assert per.shape == (2, 4, 5)
    with pytest.raises(ValueError, match=r"cross_entropy: argument 'target' must hold integer labels of shape \(2, 4, 5\)"):
        F.cross_entropy(iz, y[:, :2])


def test_unet_keeps_the_size_and_its_up_convolutions_halve_the_channels():
    m = M.UNet(in_channels=1, num_classes=2, base=4, depth=3)
    assert m(i2dl.randn(1, 1, 16, 16)).shape == (1, 2, 16, 16)
    assert [u.out_channels for u in m.up] == [16, 8, 4]


def test_googlenet_auxiliary_heads_and_input_transform_match_torchvision():
    """In training GoogLeNet returns (logits, aux2, aux1), as torchvision's GoogLeNetOutputs;
    transform_input rescales ImageNet-normalised input."""
    tv = _torchvision()
    torch.manual_seed(0)
    kw = dict(num_classes=5, aux_logits=True, transform_input=True, dropout=0.0, dropout_aux=0.0)
    theirs, ours = tv.models.googlenet(weights=None, init_weights=True, **kw), M.googlenet(**kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 3, 64, 64))
    theirs.double().train(), ours.double().train()
    want = theirs(torch.from_numpy(x))
    got = ours(i2dl.tensor(x))
    assert type(got).__name__ == "GoogLeNetOutputs" and got._fields == ("logits", "aux_logits2", "aux_logits1")
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.detach().numpy(), rtol=1e-7, atol=1e-9)
    ours.eval()
    assert ours(i2dl.tensor(x)).shape == (2, 5)


@pytest.mark.parametrize("aux_loss", [False, True])
def test_fcn_resnet50_matches_torchvision(aux_loss):
    """The dilated backbone (output stride 8), the FCN heads and the bilinear upsampling to the input size."""
    tv = _torchvision()
    from torchvision.models.segmentation import fcn_resnet50
    torch.manual_seed(0)
    theirs = fcn_resnet50(weights=None, weights_backbone=None, num_classes=4, aux_loss=aux_loss).eval()
    ours = M.fcn_resnet50(num_classes=4, aux_loss=aux_loss).eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 3, 40, 36), dtype=np.float32)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x))
    with i2dl.no_grad():
        got = ours(i2dl.tensor(x))
    assert set(got) == set(want) == ({"out", "aux"} if aux_loss else {"out"})
    for k in got:
        w = want[k].numpy()
        assert got[k].shape == (1, 4, 40, 36)
        assert np.abs(got[k].data - w).max() <= 1e-4 * np.abs(w).max(), k
    del tv


def test_xception_has_the_ported_layout_and_trains():
    """22,855,952 parameters at 1000 classes and the names of the ImageNet port (its weights load by
    name); depthwise-separable convolutions; a few steps lower the loss."""
    assert sum(p.numel() for p in M.xception().parameters()) == 22_855_952
    i2dl.manual_seed(0)
    m = M.xception(num_classes=3)
    names = list(m.state_dict())
    for key in ("block1.rep.0.conv1.weight", "block1.rep.0.pointwise.weight", "block1.skip.weight",
                "block4.rep.1.conv1.weight", "block12.skipbn.running_var", "conv4.pointwise.weight", "fc.bias"):
        assert key in names, key
    assert m.block1.rep[0].conv1.groups == 64 and m.block1.rep[0].conv1.weight.shape == (64, 1, 3, 3)
    x = i2dl.randn(4, 3, 64, 64)
    y = np.array([0, 1, 2, 0])
    opt = i2dl.optim.Adam(m.parameters(), lr=1e-3)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
