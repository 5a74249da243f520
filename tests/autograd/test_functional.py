"""Functional ops by gradcheck, on the cpu backend and on the reference."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
from i2dl import gradcheck


def t(*shape, seed=0, scale=1.0):
    return i2dl.tensor(np.random.default_rng(seed).standard_normal(shape) * scale, dtype=np.float64, requires_grad=True)


CASES = {
    "linear": (lambda x, w, b: F.linear(x, w, b), [(4, 5), (3, 5), (3,)]),
    "linear batched, no bias": (lambda x, w: F.linear(x, w), [(2, 4, 5), (3, 5)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [(2, 3, 7, 6), (4, 3, 3, 3), (4,)]),
    "conv2d dilation groups": (lambda x, w: F.conv2d(x, w, None, padding=2, dilation=2, groups=2),
                               [(1, 4, 6, 6), (2, 2, 3, 3)]),
    "conv2d depthwise": (lambda x, w: F.conv2d(x, w, None, padding=1, groups=3), [(2, 3, 5, 5), (3, 1, 3, 3)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), [(2, 2, 6, 6)]),
    "max_pool2d overlapping": (lambda x: F.max_pool2d(x, 3, 2, 1), [(1, 2, 7, 7)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1), [(2, 2, 7, 7)]),
    "global_avg_pool2d": (lambda x: F.global_avg_pool2d(x), [(2, 3, 4, 5)]),
    "relu": (lambda x: F.relu(x), [(4, 5)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), [(4, 5)]),
    "prelu shared": (lambda x, a: F.prelu(x, a), [(4, 5), (1,)]),
    "prelu per channel": (lambda x, a: F.prelu(x, a), [(2, 3, 4, 4), (3,)]),
    "elu": (lambda x: F.elu(x, 1.5), [(4, 5)]),
    "sigmoid": (lambda x: F.sigmoid(x), [(4, 5)]),
    "tanh": (lambda x: F.tanh(x), [(4, 5)]),
    "swish beta": (lambda x: F.swish(x, 1.7), [(4, 5)]),
    "silu": (lambda x: F.silu(x), [(4, 5)]),
    "maxout": (lambda x: F.maxout(x, 2), [(3, 6, 2)]),
    "softmax": (lambda x: F.softmax(x, dim=1), [(3, 5)]),
    "log_softmax": (lambda x: F.log_softmax(x, dim=0), [(4, 3)]),
    "l1": (lambda x, y: F.l1_loss(x, y), [(4, 3), (4, 3)]),
    "mse sum": (lambda x, y: F.mse_loss(x, y, reduction="sum"), [(4, 3), (4, 3)]),
    "bce_with_logits": (lambda x, y: F.binary_cross_entropy_with_logits(x, y), [(6,), (6,)]),
    "cross_entropy probs": (lambda x, q: F.cross_entropy(x, F.softmax(q, dim=1)), [(4, 5), (4, 5)]),
    "hinge none": (lambda x: F.multi_margin_loss(x, np.array([0, 2, 1, 4]), reduction="none"), [(4, 5)]),
    "l2 reg": (lambda a, b: F.l2_regularization([a, b], 0.3), [(3,), (2, 2)]),
    "l1 reg": (lambda a: F.l1_regularization([a], 0.3), [(5,)]),
}


@pytest.mark.parametrize("backend", ["cpu", "reference"])
@pytest.mark.parametrize("name", list(CASES))
def test_functional_gradient(name, backend):
    fn, shapes = CASES[name]
    inputs = [t(*s, seed=i) for i, s in enumerate(shapes)]
    with i2dl.use_backend(backend):
        assert gradcheck(fn, inputs).ok


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
