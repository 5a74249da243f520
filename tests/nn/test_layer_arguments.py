"""Wrong layer and optimizer arguments are refused when the layer is built (or the input meets
it), with a message naming the argument, as the kernels do."""
import numpy as np
import pytest

import i2dl
from i2dl import nn, optim


@pytest.mark.parametrize("build,error,pattern", [
    (lambda: nn.Conv2d(4, 8, 3, groups=0), ValueError, r"Conv2d: argument 'groups' must be >= 1, got 0"),
    (lambda: nn.Conv2d(3, 8, 0), ValueError, r"Conv2d: argument 'kernel_size' must be >= 1"),
    (lambda: nn.Conv2d(3, 8, 2.5), TypeError, r"Conv2d: argument 'kernel_size' must be an int or a pair"),
    (lambda: nn.Conv2d(3, 8, 3, stride=0), ValueError, r"Conv2d: argument 'stride' must be >= 1"),
    (lambda: nn.Conv2d(3, 8, 3, padding=-1), ValueError, r"Conv2d: argument 'padding' must be >= 0"),
    (lambda: nn.Conv2d(0, 8, 3), ValueError, r"Conv2d: argument 'in_channels' must be >= 1"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, r"Conv2d: argument 'groups' \(4\) must divide"),
    (lambda: nn.Conv2d(3.0, 8, 3), TypeError, r"Conv2d: argument 'in_channels' must be an int"),
    (lambda: nn.Linear(-1, 5), ValueError, r"Linear: argument 'in_features' must be >= 0, got -1"),
    (lambda: nn.Linear(5, "3"), TypeError, r"Linear: argument 'out_features' must be an int"),
    (lambda: nn.Dropout("0.5"), TypeError, r"Dropout: argument 'p' must be a real number"),
    (lambda: optim.SGD([nn.Parameter(np.zeros(2, np.float32))], lr=0.1, weight_decay=-1), ValueError,
     r"SGD: argument 'weight_decay' must be >= 0, got -1"),
    (lambda: optim.SGD([nn.Parameter(np.zeros(2, np.float32))], lr="0.1"), TypeError,
     r"SGD: argument 'lr' must be a real number"),
    (lambda: optim.SGD([nn.Parameter(np.zeros(2, np.float32))], lr=0.1, momentum=0.9, nesterov="yes"), TypeError,
     r"SGD: argument 'nesterov' must be a bool"),
])
def test_bad_constructor_arguments(build, error, pattern):
    with pytest.raises(error, match=pattern):
        build()


def test_input_that_does_not_fit_the_layer_is_named():
    with pytest.raises(ValueError, match=r"Conv2d: argument 'input' must have 3 channels \(dim 1\), got shape \(1, 4, 5, 5\)"):
        nn.Conv2d(3, 8, 3)(i2dl.randn(1, 4, 5, 5))
    with pytest.raises(ValueError, match=r"Linear: argument 'input' must have 5 features \(dim -1\), got shape \(2, 4\)"):
        nn.Linear(5, 3)(i2dl.randn(2, 4))


def test_flatten_of_a_1d_input():
    with pytest.raises(IndexError, match=r"Flatten: argument 'start_dim' \(1\) is out of range for a 1-D input"):
        nn.Flatten()(i2dl.randn(3))
    assert nn.Flatten(0)(i2dl.randn(3)).shape == (3,)
    assert nn.Flatten()(i2dl.randn(2, 3, 4)).shape == (2, 12)


def test_linear_with_zero_features_matches_the_reference():
    from i2dl import kernels
    cpu, ref = kernels.get("cpu"), kernels.get("reference")
    x, w, b = np.ones((4, 0), np.float32), np.ones((3, 0), np.float32), np.ones(3, np.float32)
    np.testing.assert_array_equal(cpu.linear_forward(x, w, b), ref.linear_forward(x, w, b))
    assert nn.Linear(0, 3)(i2dl.zeros(2, 0)).shape == (2, 3)
    assert nn.Linear(3, 0)(i2dl.zeros(2, 3)).shape == (2, 0)
