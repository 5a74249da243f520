"""The stride-1 depthwise weight gradient over flat planes (csrc/cpu/conv2d_depthwise.cpp): x padded
to rows of W + 2 PW and dy laid on the same rows, up to six filters of one input plane at once.
Against the reference, both dtypes, one and two threads (the images split, or the channels where
there are fewer images than threads): channel multipliers 1, 6, 7 and 13 (whole and partial blocks of
filters), padding, dilation, rows shorter and longer than a vector; and an inf in x, which the
padding's zeros would turn into NaN, lands where the formula puts it."""
import numpy as np
import pytest

import i2dl
from i2dl import kernels

CASES = [  # x shape, w shape, padding, dilation
    ((5, 1, 28, 28), (6, 1, 5, 5), 0, 1),     # LeNet's conv1: one block of six filters
    ((3, 2, 9, 11), (14, 1, 3, 3), 0, 1),     # multiplier 7: a block of six and one
    ((4, 3, 13, 10), (3, 1, 3, 3), 1, 1),     # multiplier 1, padded
    ((2, 2, 12, 12), (26, 1, 3, 3), 2, 2),    # multiplier 13, dilated
    ((1, 4, 7, 7), (4, 1, 5, 5), 2, 1),       # one image: the threads split the channels
    ((3, 1, 5, 40), (2, 1, 2, 3), 0, 1),      # rows of 38 outputs, 4 output rows
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("input_grad", [True, False])
def test_weight_grad_matches_reference(dtype, case, threads, input_grad, with_threads):
    xs, ws, pad, dil = case
    args = dict(stride=(1, 1), padding=(pad, pad), dilation=(dil, dil), groups=xs[1])
    rng = np.random.default_rng(5)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    assert i2dl._C.conv2d_algorithms(x, w, **args)["weight_grad"] == "depthwise"
    dy = rng.standard_normal(kernels.get("reference").conv2d_forward(x, w, None, **args).shape).astype(dtype)
    got = with_threads(threads, lambda: kernels.get("cpu").conv2d_backward(dy, x, w, input_grad=input_grad, **args))
    ref = kernels.get("reference").conv2d_backward(dy.astype(np.float64), x.astype(np.float64), w.astype(np.float64),
                                                   input_grad=input_grad, **args)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for name, g, r in zip(("dx", "dw", "db"), got, ref):
        if r is None:
            assert g is None, name
            continue
        assert g.dtype == dtype, name
        np.testing.assert_allclose(g, r, rtol=tol, atol=tol * np.sqrt(dy[:, :1].size), err_msg=name)


@pytest.mark.parametrize("case", [
    ((2, 1, 28, 28), (6, 1, 5, 5), 0, (5, 24)),   # the right band: read by the taps kw >= 1 only
    ((2, 1, 28, 28), (6, 1, 5, 5), 0, (26, 3)),   # the bottom band
    ((2, 3, 9, 9), (3, 1, 3, 3), 1, (4, 0)),      # padded: the left band is one column
    ((2, 3, 9, 9), (3, 1, 3, 3), 1, (8, 4)),      # padded: the bottom band is one row
    ((2, 3, 9, 9), (3, 1, 3, 3), 1, (4, 4)),      # inside: every product of it is the formula's
])
@pytest.mark.parametrize("value", [np.inf, np.nan])
@pytest.mark.parametrize("threads", [1, 2])
def test_non_finite_x_lands_where_the_formula_puts_it(case, value, threads, with_threads):
    xs, ws, pad, (r, c) = case
    args = dict(stride=(1, 1), padding=(pad, pad), dilation=(1, 1), groups=xs[1])
    rng = np.random.default_rng(6)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    x[0, -1, r, c] = value
    dy = rng.standard_normal(kernels.get("reference").conv2d_forward(x, w, None, **args).shape).astype(np.float32)
    _, dw, _ = with_threads(threads, lambda: kernels.get("cpu").conv2d_backward(dy, x, w, **args))
    _, ref, _ = kernels.get("reference").conv2d_backward(dy, x, w, **args)
    np.testing.assert_array_equal(np.isnan(dw), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(dw), np.isinf(ref))
    assert np.isfinite(ref).any()
