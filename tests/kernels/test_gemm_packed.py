"""The packed-panel GEMM of the recurrent steps (csrc/cpu/gemm_packed.cpp) at both panel widths (two
vectors on AVX-512, one elsewhere: both run here whatever the CPU), against NumPy: every tail of a
tile's rows (8 and 6) and of a panel's columns, an empty inner dimension, B given either way, C
overwritten or accumulated."""
import itertools

import numpy as np
import pytest

from i2dl import _C

ROWS = (1, 5, 6, 7, 8, 9, 13, 64)
COLS = (1, 15, 16, 17, 33, 70)
INNER = (0, 1, 3, 100)


@pytest.mark.parametrize("vectors", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_b", [False, True])
def test_matches_numpy(vectors, dtype, trans_b):
    rng = np.random.default_rng(vectors)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for m, n, K in itertools.product(ROWS, COLS, INNER):
        a = rng.standard_normal((m, K)).astype(dtype)
        b = rng.standard_normal((n, K) if trans_b else (K, n)).astype(dtype)
        want = a @ (b.T if trans_b else b)
        c = np.full((m, n), np.nan, dtype)  # overwritten, NaN and all, as BLAS with beta = 0
        _C.gemm_packed(a=a, b=b, c=c, trans_b=trans_b, accumulate=False, vectors=vectors)
        np.testing.assert_allclose(c, want, rtol=tol, atol=tol, err_msg=f"m {m} n {n} K {K}")
        c0 = rng.standard_normal((m, n)).astype(dtype)
        c = c0.copy()
        _C.gemm_packed(a=a, b=b, c=c, trans_b=trans_b, accumulate=True, vectors=vectors)
        np.testing.assert_allclose(c, c0 + want, rtol=tol, atol=tol, err_msg=f"m {m} n {n} K {K}")


def test_nan_and_inf_propagate():
    a = np.ones((9, 4), np.float32)
    a[3, 1] = np.nan
    a[7, 2] = np.inf
    b = np.ones((4, 20), np.float32)
    c = np.zeros((9, 20), np.float32)
    for vectors in (1, 2):
        _C.gemm_packed(a=a, b=b, c=c, trans_b=False, accumulate=False, vectors=vectors)
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(c, a @ b)


def test_panel_vectors_is_a_width_it_runs():
    assert _C.panel_vectors() in (1, 2)


@pytest.mark.parametrize("kwargs, message", [
    (dict(b=np.ones((3, 4))), r"argument 'b' must have shape \(5, 4\), got \(3, 4\)"),
    (dict(c=np.ones((2, 3))), r"argument 'c' must have shape \(2, 4\), got \(2, 3\)"),
    (dict(vectors=3), r"argument 'vectors' must be 1 or 2, got 3"),
    (dict(b=np.ones((5, 4), np.float32)), r"argument 'b'"),
])
def test_bad_input(kwargs, message):
    args = dict(a=np.ones((2, 5)), b=np.ones((5, 4)), c=np.ones((2, 4)), trans_b=False, accumulate=False, vectors=1)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        _C.gemm_packed(**args)
