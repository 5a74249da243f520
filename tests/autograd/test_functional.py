"""Functional ops by gradcheck beyond the shared database (tests/function_cases.py, run by
test_autograd_ops.py on both CPU backends)."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
from i2dl import gradcheck


def t(*shape, seed=0, scale=1.0):
    return i2dl.tensor(np.random.default_rng(seed).standard_normal(shape) * scale, dtype=np.float64, requires_grad=True)


def test_cross_entropy_with_labels_gradcheck():
    x = t(5, 4)
    labels = np.array([0, 3, 1, 1, 2])
    assert gradcheck(lambda z: F.cross_entropy(z, labels), [x]).ok


def test_bce_on_probabilities_gradcheck():
    p = i2dl.tensor(np.random.default_rng(0).uniform(0.1, 0.9, 6), dtype=np.float64, requires_grad=True)
    y = np.array([0, 1, 1, 0, 1, 0], dtype=np.float64)
    assert gradcheck(lambda q: F.binary_cross_entropy(q, y), [p]).ok


def test_dropout_scales_and_masks_and_is_identity_in_eval():
    i2dl.manual_seed(0)
    x = i2dl.ones(1000, requires_grad=True)
    y = F.dropout(x, 0.25, training=True)
    kept = y.numpy() != 0
    assert 0.65 < kept.mean() < 0.85
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad != 0, kept)
    assert F.dropout(x, 0.25, training=False) is x
    with pytest.raises(ValueError, match="'p' must be in"):
        F.dropout(x, 1.0)


def test_spatial_dropout_drops_whole_channels():
    i2dl.manual_seed(1)
    y = F.dropout2d(i2dl.ones(4, 8, 3, 3), 0.5).numpy()
    per_channel = y.reshape(4, 8, 9)
    assert np.all((per_channel == 0).all(axis=2) | (per_channel != 0).all(axis=2))


def test_conv_on_non_contiguous_input_is_made_contiguous():
    x = t(2, 3, 6, 6)
    xt = x.permute(0, 1, 3, 2)                     # a strided view
    w = t(4, 3, 3, 3, seed=1)
    assert gradcheck(lambda a, b: F.conv2d(a.permute(0, 1, 3, 2), b), [x, w]).ok
    assert F.conv2d(xt, w).shape == (2, 4, 4, 4)
