"""The normalization layers: PyTorch parity (outputs, gradients, running statistics, state_dict keys)
where torch is installed, and without it the formulas, the numerics the lecture's users rely on
(large means, constant inputs), reproducibility, buffers, folding into a conv, and bad input."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
import i2dl.nn as nn
from i2dl import kernels
from i2dl.kernels import reference

try:
    import torch
except ImportError:  # the parity tests need it; everything else does not
    torch = None

LAYERS = [
    ("BatchNorm2d", (8, 3, 5, 5), lambda m: m.BatchNorm2d(3)),
    ("BatchNorm2d planes", (4, 2, 12, 12), lambda m: m.BatchNorm2d(2)),
    ("BatchNorm1d cumulative", (8, 3), lambda m: m.BatchNorm1d(3, momentum=None)),
    ("BatchNorm1d (N, C, L)", (8, 3, 4), lambda m: m.BatchNorm1d(3)),
    ("BatchNorm1d untracked", (8, 3, 4), lambda m: m.BatchNorm1d(3, track_running_stats=False, affine=False)),
    ("LayerNorm", (4, 5, 6), lambda m: m.LayerNorm((5, 6))),
    ("LayerNorm no bias", (4, 7), lambda m: m.LayerNorm(7, bias=False)),
    ("GroupNorm", (4, 6, 3, 3), lambda m: m.GroupNorm(3, 6)),
    ("InstanceNorm2d tracked", (4, 3, 5, 5), lambda m: m.InstanceNorm2d(3, affine=True, track_running_stats=True)),
    ("InstanceNorm1d unbatched", (3, 7), lambda m: m.InstanceNorm1d(3)),
]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name,shape,make", LAYERS, ids=[n for n, _, _ in LAYERS])
def test_matches_pytorch_in_training_and_eval(name, shape, make):
    rng = np.random.default_rng(0)
    ours, theirs = make(nn), make(torch.nn)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    for _ in range(3):  # three steps: the running statistics (and momentum=None's average) accumulate
        x = rng.standard_normal(shape).astype(np.float32)
        dy = rng.standard_normal(shape).astype(np.float32)
        ix = i2dl.tensor(x, requires_grad=True)
        y = ours(ix)
        y.backward(i2dl.tensor(dy))
        tx = torch.from_numpy(x).requires_grad_()
        ty = theirs(tx)
        ty.backward(torch.from_numpy(dy))
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(ix.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-4, atol=1e-4)
    theirs_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        np.testing.assert_allclose(value, theirs_state[key].numpy(), rtol=1e-5, atol=1e-6, err_msg=key)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(i2dl.tensor(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_state_dict_moves_from_pytorch():
    theirs = torch.nn.BatchNorm2d(4)
    theirs(torch.randn(8, 4, 3, 3))
    theirs.weight.data.uniform_()
    ours = nn.BatchNorm2d(4)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    theirs.eval()
    ours.eval()
    x = np.random.default_rng(1).standard_normal((2, 4, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(i2dl.tensor(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert int(ours.num_batches_tracked) == 1


def test_eval_output_is_the_formula_with_the_running_statistics():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm2d(3)
    for _ in range(4):
        bn(i2dl.tensor(rng.standard_normal((6, 3, 4, 4)).astype(np.float32) * 2 + 1))
    bn.weight.data[...] = [0.5, 2.0, -1.0]
    bn.bias.data[...] = [0.1, 0.2, 0.3]
    bn.eval()
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    c = (slice(None), None, None)
    want = ((x - bn.running_mean[c]) / np.sqrt(bn.running_var[c] + 1e-5) * bn.weight.numpy()[c]
            + bn.bias.numpy()[c])
    np.testing.assert_allclose(bn(i2dl.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-6)
    assert int(bn.num_batches_tracked) == 4  # eval does not count


def test_running_variance_is_unbiased_and_momentum_none_the_cumulative_average():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.standard_normal((5, 2)).astype(np.float64) for _ in range(3)]
    bn.double()
    for b in batches:
        bn(i2dl.tensor(b))
    np.testing.assert_allclose(bn.running_mean, np.mean([b.mean(axis=0) for b in batches], axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0),
                               rtol=1e-12)


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.BatchNorm2d(3), (16, 3, 6, 6)),
    (lambda: nn.BatchNorm2d(2), (4, 2, 16, 16)),
    (lambda: nn.BatchNorm1d(70), (64, 70)),
    (lambda: nn.LayerNorm(300), (8, 300)),
    (lambda: nn.GroupNorm(2, 4), (4, 4, 8, 8)),
    (lambda: nn.InstanceNorm2d(3, affine=True), (2, 3, 16, 16)),
])
def test_float32_keeps_the_variance_of_a_large_mean(make, shape):
    """x = 1e4 + N(0, 1): E[x^2] - E[x]^2 in float32 would lose the variance (pytorch/pytorch#5410);
    here y and dx stay within 1e-3 of the float64 computation."""
    rng = np.random.default_rng(0)
    x64 = 1e4 + rng.standard_normal(shape)
    x32 = x64.astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    outs = {}
    for dtype in (np.float32, np.float64):
        layer = make().to(dtype)
        x = i2dl.tensor(x32.astype(dtype), requires_grad=True)  # the same values in both dtypes
        y = layer(x)
        y.backward(i2dl.tensor(dy.astype(dtype)))
        outs[dtype] = (y.numpy().astype(np.float64), np.asarray(x.grad, np.float64))
    for got, want in zip(outs[np.float32], outs[np.float64]):
        assert np.linalg.norm(got - want) / np.linalg.norm(want) < 1e-3


@pytest.mark.parametrize("rows", ["noise", "trend", "outliers first"])
@pytest.mark.parametrize("threads", [1, 2])
def test_batch_norm_columns_statistics_match_float64(rows, threads, with_threads):
    """(N, C) batch norm sums each column once about the mean of its first rows where that shift is
    near the mean, else in two passes (a trend down the rows, outliers in the first rows): either
    way the float32 mean and inverse standard deviation match float64's."""
    rng = np.random.default_rng(1)
    N, C = (4000, 200) if rows == "outliers first" else (300, 700)
    x64 = 1e3 + rng.standard_normal((N, C))
    if rows == "trend":
        x64 += np.linspace(0, 50, N)[:, None]
    elif rows == "outliers first":  # one pass about them would cancel a factor of 500
        x64[:8, ::3] += 1e3
    x = x64.astype(np.float32)
    k = kernels.get("cpu")
    _, mean, invstd = with_threads(threads, lambda: k.batch_norm_forward(x, None, None, None, None, True, 0.1, 1e-5))
    xd = x.astype(np.float64)
    np.testing.assert_allclose(mean, xd.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(invstd, 1 / np.sqrt(xd.var(axis=0) + 1e-5), rtol=2e-5)


@pytest.mark.parametrize("layer", [nn.BatchNorm2d(2), nn.LayerNorm((3, 4)), nn.GroupNorm(1, 2),
                                   nn.InstanceNorm2d(2)], ids=lambda m: type(m).__name__)
def test_constant_input_gives_zeros_and_finite_gradients(layer):
    x = i2dl.tensor(np.full((4, 2, 3, 4), 7.0, np.float32), requires_grad=True)
    y = layer(x)
    y.backward(i2dl.tensor(np.random.default_rng(0).standard_normal((4, 2, 3, 4)).astype(np.float32)))
    assert np.all(np.isfinite(y.numpy())) and np.allclose(y.numpy(), y.numpy().flat[0])
    assert np.all(np.isfinite(x.grad))


def _run_twice(threads):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 8, 12, 12)).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    out = []
    i2dl.set_num_threads(threads)
    try:
        for make in (lambda: nn.BatchNorm2d(8), lambda: nn.GroupNorm(4, 8), lambda: nn.LayerNorm((12, 12))):
            layer = make()
            t = i2dl.tensor(x, requires_grad=True)
            layer(t).backward(i2dl.tensor(dy))
            out.append((t.grad.copy(),) + tuple(np.asarray(p.grad).copy() for p in layer.parameters()))
    finally:
        i2dl.set_num_threads(2)
    return out


def test_results_are_the_same_bits_run_to_run_and_at_any_thread_count():
    first, again, one = _run_twice(2), _run_twice(2), _run_twice(1)
    for a, b, c in zip(first, again, one):
        for u, v, w in zip(a, b, c):
            assert np.array_equal(u, v) and np.array_equal(u, w)


def test_one_value_per_channel_in_training_is_a_value_error():
    bn = nn.BatchNorm1d(4)
    with pytest.raises(ValueError, match=r"batch_norm_forward: expected more than 1 value per channel when training, "
                                         r"got x of shape \(1, 4\)"):
        bn(i2dl.tensor(np.zeros((1, 4), np.float32)))
    bn.eval()
    assert bn(i2dl.tensor(np.zeros((1, 4), np.float32))).shape == (1, 4)  # eval has its statistics


def test_layers_name_the_wrong_input():
    with pytest.raises(ValueError, match=r"BatchNorm2d: argument 'input' must have 3 channels \(dim 1\), got shape"):
        nn.BatchNorm2d(3)(i2dl.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d: argument 'input' must be 4-D"):
        nn.BatchNorm2d(3)(i2dl.randn(2, 3))
    with pytest.raises(ValueError, match=r"GroupNorm: argument 'num_groups' \(4\) must divide num_channels \(6\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"layer_norm_forward: argument 'normalized_shape' must be the trailing dims"):
        nn.LayerNorm(5)(i2dl.randn(2, 4))
    with pytest.raises(TypeError, match=r"BatchNorm1d: argument 'momentum' must be a real number"):
        nn.BatchNorm1d(3, momentum="0.1")
    with pytest.raises(TypeError, match=r"batch_norm_forward: argument 'running_mean' must have dtype float64"):
        F.batch_norm(i2dl.randn(4, 3).double(), np.zeros(3, np.float32), np.ones(3, np.float32), training=True)


def test_buffers_follow_dtype_state_dict_and_modes():
    bn = nn.BatchNorm2d(3)
    assert list(dict(bn.named_buffers())) == ["running_mean", "running_var", "num_batches_tracked"]
    bn.double()
    assert bn.weight.dtype == np.float64 and bn.running_mean.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype
    bn.to("float32")
    assert bn.running_var.dtype == np.float32 and bn.bias.dtype == np.float32
    bn(i2dl.randn(4, 3, 2, 2) * 3 + 1)
    state = bn.state_dict()
    fresh = nn.BatchNorm2d(3)
    fresh.load_state_dict(state)
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v, state[k])
    assert "running_mean" not in nn.BatchNorm2d(3, track_running_stats=False).state_dict()
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    assert model.eval()[1].training is False and model.train()[1].training is True
    with pytest.raises(ValueError, match=r"to: argument must be 'cpu', 'cuda', float32 or float64, got 'int8'"):
        bn.to("int8")


def test_fuse_conv_bn_eval_equals_conv_then_bn():
    rng = np.random.default_rng(0)
    conv, bn = nn.Conv2d(3, 4, 3, padding=1).double(), nn.BatchNorm2d(4).double()
    for _ in range(3):
        bn(conv(i2dl.tensor(rng.standard_normal((5, 3, 6, 6)))))
    bn.weight.data[...] = rng.standard_normal(4)
    bn.bias.data[...] = rng.standard_normal(4)
    bn.eval()
    fused = nn.utils.fuse_conv_bn_eval(conv, bn)
    x = i2dl.tensor(rng.standard_normal((2, 3, 6, 6)))
    np.testing.assert_allclose(fused(x).numpy(), bn(conv(x)).numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"fuse_conv_bn_eval: argument 'bn' must be in eval mode"):
        nn.utils.fuse_conv_bn_eval(conv, bn.train())


def test_fuse_conv_bn_folds_every_pair_of_a_model():
    i2dl.manual_seed(0)
    from i2dl import models
    model = models.DigitsCNN(batch_norm=True).double()
    x = i2dl.tensor(np.random.default_rng(0).standard_normal((8, 1, 8, 8)))
    for _ in range(3):
        model(x)
    model.eval()
    fused = nn.utils.fuse_conv_bn(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())  # the original is left as it was
    np.testing.assert_allclose(fused(x).numpy(), model(x).numpy(), rtol=1e-10, atol=1e-12)


def test_reference_matches_the_layer():
    """The nn layer runs the registered kernels; its result is the reference kernel's."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6, 3, 3))
    gn = nn.GroupNorm(3, 6).double()
    want, _, _ = reference.group_norm_forward(x, 3, gn.weight.numpy(), gn.bias.numpy(), 1e-5)
    np.testing.assert_allclose(gn(i2dl.tensor(x)).numpy(), want, rtol=1e-12, atol=1e-12)
