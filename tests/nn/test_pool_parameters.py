"""Pooling with every parameter of PyTorch's: ceil mode, dilation, count_include_pad,
divisor_override, return_indices, adaptive max pooling and max unpooling, against torch (the
kernels themselves are cross-checked against the reference by the registry)."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
import i2dl.nn as nn

torch = pytest.importorskip("torch")

MAX_CASES = [dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=2, stride=2, ceil_mode=True),
             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), dict(kernel_size=(3, 2), stride=(2, 1),
                                                                           padding=1, dilation=(2, 3)),
             dict(kernel_size=3, stride=3, dilation=2, ceil_mode=True)]
AVG_CASES = [dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
             dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
             dict(kernel_size=(2, 3), stride=2, padding=1, divisor_override=5)]


def _same_gradients(y, ty, x, tx, seed):
    dy = np.random.default_rng(seed).standard_normal(y.shape)
    y.backward(dy)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


def _pair(shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float64)
    return i2dl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


@pytest.mark.parametrize("kw", MAX_CASES, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 9, 9), (1, 2, 10, 7)])
def test_max_pool_matches_torch(kw, shape):
    x, tx = _pair(shape)
    y, idx = F.max_pool2d(x, return_indices=True, **kw)
    ty, tidx = torch.nn.functional.max_pool2d(tx, return_indices=True, **kw)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    _same_gradients(y, ty, x, tx, 1)
    m = nn.MaxPool2d(**kw)
    assert m(x).shape == y.shape


@pytest.mark.parametrize("kw", AVG_CASES, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 9, 9), (1, 2, 10, 7)])
def test_avg_pool_matches_torch(kw, shape):
    x, tx = _pair(shape)
    y = nn.AvgPool2d(**kw)(x)
    ty = torch.nn.AvgPool2d(**kw)(tx)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    _same_gradients(y, ty, x, tx, 1)


@pytest.mark.parametrize("out", [(3, 2), 1, (7, 7), (None, 2)])
def test_adaptive_max_pool_matches_torch(out):
    x, tx = _pair((2, 3, 7, 5))
    y, idx = nn.AdaptiveMaxPool2d(out, return_indices=True)(x)
    ty, tidx = torch.nn.AdaptiveMaxPool2d(out, return_indices=True)(tx)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    _same_gradients(y, ty, x, tx, 2)


@pytest.mark.parametrize("shape,kw,output_size", [((2, 3, 8, 8), dict(kernel_size=2), None),
                                                  ((1, 2, 9, 9), dict(kernel_size=2, stride=2), (9, 9)),
                                                  ((1, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1), None)])
def test_max_unpool_inverts_pooling_as_torch(shape, kw, output_size):
    x, tx = _pair(shape)
    y, idx = F.max_pool2d(x, return_indices=True, **kw)
    ty, tidx = torch.nn.functional.max_pool2d(tx, return_indices=True, **kw)
    u = nn.MaxUnpool2d(**kw)(y, idx, output_size)
    tu = torch.nn.MaxUnpool2d(**kw)(ty, tidx, output_size)
    np.testing.assert_array_equal(u.numpy(), tu.detach().numpy())
    _same_gradients(u, tu, x, tx, 3)


def test_unpool_and_pool_arguments_are_checked():
    y, idx = F.max_pool2d(i2dl.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool2d: argument 'output_size' must be within a stride of \(4, 4\)"):
        F.max_unpool2d(y, idx, 2, output_size=(6, 6))
    with pytest.raises(ValueError, match=r"max_unpool2d: argument 'indices' must be an int64 array"):
        F.max_unpool2d(y, idx.numpy().astype(np.int32), 2)
    with pytest.raises(ValueError, match=r"max_unpool2d_forward: argument 'idx' holds positions outside \[0, 9\)"):
        F.max_unpool2d(y, idx, 2, stride=1)
    with pytest.raises(TypeError, match=r"max_pool2d_forward: argument 'ceil_mode' must be a bool, got 1"):
        F.max_pool2d(i2dl.randn(1, 1, 4, 4), 2, ceil_mode=1)
    with pytest.raises(ValueError, match=r"avg_pool2d_forward: argument 'divisor_override' must be >= 1, got 0"):
        F.avg_pool2d(i2dl.randn(1, 1, 4, 4), 2, divisor_override=0)


def test_receptive_field_counts_ceil_mode_outputs():
    rows = nn.receptive_field(nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(3, 2, ceil_mode=True)), (10, 10))
    x = i2dl.randn(1, 1, 10, 10)
    assert rows[-1].output == tuple(nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(3, 2, ceil_mode=True))(x).shape[2:])
    assert rows[-1].output == (4, 4)
