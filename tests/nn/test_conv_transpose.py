"""nn.ConvTranspose2d and F.conv_transpose2d against torch 2.13 (the same weights): outputs, every
gradient, output_size, and the adjoint identity <conv_transpose2d(x), y> = <x, conv2d(y)>."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
import i2dl.nn as nn

torch = pytest.importorskip("torch")

CASES = [dict(kernel_size=2, stride=2), dict(kernel_size=3, stride=2, padding=1, output_padding=1),
         dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), groups=2),
         dict(kernel_size=3, stride=1, padding=2, dilation=2, output_padding=1),
         dict(kernel_size=4, stride=2, padding=1, bias=False)]


@pytest.mark.parametrize("cfg", CASES, ids=[str(c) for c in CASES])
def test_conv_transpose2d_matches_torch(cfg):
    rng = np.random.default_rng(0)
    theirs = torch.nn.ConvTranspose2d(4, 6, **cfg).double()
    ours = nn.ConvTranspose2d(4, 6, **cfg, dtype=np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((2, 4, 5, 6))
    tx, ix = torch.from_numpy(x).requires_grad_(), i2dl.tensor(x, requires_grad=True)
    ty, iy = theirs(tx), ours(ix)
    np.testing.assert_allclose(iy.data, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    dy = rng.standard_normal(ty.shape)
    ty.backward(torch.from_numpy(dy))
    iy.backward(i2dl.tensor(dy))
    np.testing.assert_allclose(ix.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    tp = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tp[n].grad.numpy(), rtol=1e-10, atol=1e-10, err_msg=n)


def test_output_size_picks_the_output_padding():
    up = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    x = i2dl.randn(1, 3, 4, 4)
    assert up(x).shape == (1, 2, 7, 7)
    assert up(x, output_size=(8, 8)).shape == (1, 2, 8, 8)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: argument 'output_size' \(9, 9\) must lie between 7 and 8"):
        up(x, output_size=(9, 9))


def test_adjoint_of_conv2d():
    rng = np.random.default_rng(1)
    x, w, z = rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal((2, 3, 11, 11))
    y = F.conv_transpose2d(i2dl.tensor(x), i2dl.tensor(w), stride=2, padding=0)
    assert y.shape == (2, 3, 11, 11)
    back = F.conv2d(i2dl.tensor(z), i2dl.tensor(w), stride=2)
    assert np.isclose(float((y.data * z).sum()), float((x * back.data).sum()), rtol=1e-10)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match=r"conv_transpose2d_forward: argument 'output_padding' \(2, 2\) must be "
                                         r"smaller than either stride \(2, 2\) or dilation \(1, 1\)"):
        F.conv_transpose2d(i2dl.randn(1, 2, 3, 3), i2dl.randn(2, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: argument 'input' must have 8 channels"):
        nn.ConvTranspose2d(8, 4, 2)(i2dl.randn(1, 3, 4, 4))
