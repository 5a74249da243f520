"""F.interpolate and nn.Upsample against torch 2.13: nearest and bilinear, align_corners both ways, by
size and by scale_factor (recomputed or not), up and down; outputs and input gradients."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
import i2dl.nn as nn

torch = pytest.importorskip("torch")

CASES = [dict(scale_factor=2, mode="nearest"), dict(size=(7, 9), mode="nearest"), dict(size=(3, 2), mode="nearest"),
         dict(scale_factor=(1.7, 2.3), mode="nearest"), dict(scale_factor=2, mode="bilinear", align_corners=False),
         dict(scale_factor=2, mode="bilinear", align_corners=True), dict(size=(9, 4), mode="bilinear"),
         dict(size=(3, 5), mode="bilinear", align_corners=True), dict(scale_factor=1.5, mode="bilinear"),
         dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True),
         dict(scale_factor=0.5, mode="bilinear", align_corners=False)]


@pytest.mark.parametrize("cfg", CASES, ids=[str(c) for c in CASES])
def test_interpolate_matches_torch(cfg):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 5))
    tx, ix = torch.from_numpy(x).requires_grad_(), i2dl.tensor(x, requires_grad=True)
    ty = torch.nn.functional.interpolate(tx, **cfg)
    iy = F.interpolate(ix, **cfg)
    np.testing.assert_allclose(iy.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(ty.shape)
    ty.backward(torch.from_numpy(dy))
    iy.backward(i2dl.tensor(dy))
    np.testing.assert_allclose(ix.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_modules_and_float32():
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4)).astype(np.float32)
    for ours, theirs in ((nn.Upsample(scale_factor=2, mode="bilinear"), torch.nn.Upsample(scale_factor=2, mode="bilinear")),
                         (nn.UpsamplingBilinear2d(size=(5, 7)), torch.nn.UpsamplingBilinear2d(size=(5, 7))),
                         (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3))):
        got = ours(i2dl.tensor(x))
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.data, theirs(torch.from_numpy(x)).numpy(), rtol=1e-6, atol=1e-6)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"interpolate: argument 'input' must be 4-D"):
        F.interpolate(i2dl.randn(2, 3, 4), scale_factor=2)
    with pytest.raises(ValueError, match=r"argument 'mode' must be one of \('nearest', 'bilinear'\), got 'area'"):
        F.interpolate(i2dl.randn(1, 1, 4, 4), scale_factor=2, mode="area")
