"""Losses stay finite and exact at extreme logits, and validate their arguments."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_at_extreme_logits(dtype):
    z = i2dl.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]]), dtype=dtype, requires_grad=True)
    loss = F.cross_entropy(z, np.array([1, 1]))
    # row 0: the true class is 2e4 below the max -> loss 2e4; row 1: correct and confident -> 0
    np.testing.assert_allclose(loss.item(), (2e4 + 0.0) / 2, rtol=1e-6)
    loss.backward()
    g = z.grad
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_at_extreme_logits(dtype):
    z = i2dl.tensor(np.array([1e4, -1e4, 1e4, -1e4]), dtype=dtype, requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [0.0, 0.0, 1e4, 1e4], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(z.grad, [0.0, 0.0, 1.0, -1.0], atol=1e-6)


def test_bce_on_probabilities_is_clamped():
    p = i2dl.tensor(np.array([0.0, 1.0, 1.0]), dtype=np.float64, requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([0.0, 1.0, 0.0]), reduction="none")
    assert np.all(np.isfinite(loss.numpy()))
    np.testing.assert_allclose(loss.numpy()[2], -np.log(1e-7), rtol=1e-6)
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad))


def test_softmax_and_log_softmax_at_extreme_logits():
    z = i2dl.tensor(np.array([[1e4, 0.0, -1e4]]), dtype=np.float32, requires_grad=True)
    s = F.softmax(z, dim=1)
    np.testing.assert_allclose(s.numpy(), [[1.0, 0.0, 0.0]])
    ls = F.log_softmax(z, dim=1)
    np.testing.assert_allclose(ls.numpy(), [[0.0, -1e4, -2e4]])
    ls[0, 1].backward()
    assert np.all(np.isfinite(z.grad))


def test_sigmoid_at_extreme_logits():
    z = i2dl.tensor([1e4, -1e4], requires_grad=True)
    s = F.sigmoid(z)
    np.testing.assert_array_equal(s.numpy(), [1.0, 0.0])
    s.sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 0.0])


def test_hinge_matches_the_svm_formula():
    z = i2dl.tensor(np.array([[3.0, 1.0, 2.5], [0.0, 0.0, 0.0]]), dtype=np.float64)
    loss = F.multi_margin_loss(z, np.array([0, 2]), reduction="none").numpy()
    # row 0: max(0, 1-3+1) + max(0, 1-3+2.5) = 0 + 0.5, over C=3; row 1: 1 + 1 over 3
    np.testing.assert_allclose(loss, [0.5 / 3, 2 / 3])


def test_reductions():
    x = i2dl.tensor([1.0, -2.0, 3.0])
    y = i2dl.tensor([0.0, 0.0, 0.0])
    assert F.l1_loss(x, y, reduction="sum").item() == 6.0
    assert F.l1_loss(x, y).item() == 2.0
    assert F.mse_loss(x, y, reduction="none").shape == (3,)
    with pytest.raises(ValueError, match="'reduction' must be one of"):
        F.mse_loss(x, y, reduction="avg")


def test_loss_arguments_are_checked():
    with pytest.raises(ValueError, match="'target' must have the shape"):
        F.mse_loss(i2dl.zeros(3), i2dl.zeros(4))
    with pytest.raises(ValueError, match="labels outside"):
        F.cross_entropy(i2dl.zeros(2, 3), np.array([0, 3]))
    with pytest.raises(ValueError, match="2-D logits"):
        F.cross_entropy(i2dl.zeros(3), np.array([0]))


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_cross_entropy_tied_maxima_keep_log_k(backend):
    """(m - z_y) + log sum e^(z - m): the large terms cancel before log k is added."""
    from i2dl import kernels
    k = kernels.get(backend)
    z = np.array([[1e30, 1e30, -1e30], [1e30, 1e30, 1e30]])
    np.testing.assert_allclose(k.cross_entropy_forward(z, np.array([0, 2])), [np.log(2), np.log(3)], rtol=1e-12)
    z32 = np.array([[1e4, 1e4, 1e4 - 1]], np.float32)
    want = np.log(2 + np.exp(-1.0))
    assert abs(k.cross_entropy_forward(z32, np.array([0]))[0] - want) < 1e-6
    import i2dl.functional as F
    with i2dl.use_backend(backend):
        assert abs(F.cross_entropy(i2dl.Tensor(z[:1]), np.array([0])).item() - np.log(2)) < 1e-12


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_cross_entropy_sums_many_classes_in_float64(backend):
    """2^25 equal float32 logits: loss log(2^25); a float32 sum of the exponentials stops at 2^24."""
    from i2dl import kernels
    k = kernels.get(backend)
    z = np.zeros((1, 2 ** 25), np.float32)
    assert abs(k.cross_entropy_forward(z, np.array([5]))[0] - 25 * np.log(2)) < 1e-5


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_cross_entropy_backward_with_infinite_dloss(backend):
    from i2dl import kernels
    dz = kernels.get(backend).cross_entropy_backward(np.array([np.inf], np.float32), np.array([[1.0, 2.0, 3.0]], np.float32),
                                                     np.array([0]))
    assert dz[0, 0] == -np.inf and np.all(dz[0, 1:] == np.inf)
