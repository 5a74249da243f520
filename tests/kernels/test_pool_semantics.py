"""Pooling rules that random inputs never reach: ties, NaN, padding, count_include_pad."""
import numpy as np
import pytest

from i2dl import kernels

from conftest import COMPILED_BACKENDS, device_mover

BACKENDS = ["reference"] + COMPILED_BACKENDS


def _np(a):
    return a if isinstance(a, np.ndarray) else a.get()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [4, 40])  # 40: the vectorised 2x2 path
def test_max_pool_ties_go_to_the_first_maximum_and_nan_wins(backend, dtype, width):
    k = kernels.get(backend)
    move = device_mover(backend) or (lambda a: a)
    x = np.zeros((1, 1, 4, width), dtype)                # all ties: the first element of each window
    x[0, 0, 2, 1] = np.nan                               # NaN in the second window row
    x[0, 0, 3, 0] = np.nan                               # a later NaN in the same window: the first stays
    x[0, 0, 0, 3] = 5.0
    x[0, 0, 1, 2] = 5.0                                  # a tie of maxima: (0, 3) comes first in row-major order
    y, idx = k.max_pool2d_forward(move(x), (2, 2), (2, 2), (0, 0))
    y, idx = _np(y), _np(idx)
    assert np.isnan(y[0, 0, 1, 0]) and idx[0, 0, 1, 0] == 2 * width + 1
    assert y[0, 0, 0, 1] == 5.0 and idx[0, 0, 0, 1] == 3
    assert y[0, 0, 0, 0] == 0.0 and idx[0, 0, 0, 0] == 0
    assert idx[0, 0, 1, 1] == 2 * width + 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_avg_pool_counts_padding_as_zeros(backend):
    k = kernels.get(backend)
    move = device_mover(backend) or (lambda a: a)
    x = np.ones((1, 1, 2, 2))
    y = _np(k.avg_pool2d_forward(move(x), (2, 2), (1, 1), (1, 1)))
    np.testing.assert_allclose(y[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_pool_backward_accumulates_overlapping_windows(backend):
    k = kernels.get(backend)
    move = device_mover(backend) or (lambda a: a)
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0                                  # the max of all four 2x2 stride-1 windows
    y, idx = k.max_pool2d_forward(move(x), (2, 2), (1, 1), (0, 0))
    dx = _np(k.max_pool2d_backward(move(np.ones((1, 1, 2, 2))), idx, x.shape))
    assert dx[0, 0, 1, 1] == 4.0 and dx.sum() == 4.0
