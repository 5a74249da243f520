"""The linear forward of a small batch against a large weight on the register tiles (the batch packed,
the weight read in place; csrc/cpu/linear.cpp): whole panels of the batch, weights whose rows are no
whole number of register tiles, with and without bias, one and two threads, against the reference;
and the shapes next to it that stay with the BLAS."""
import numpy as np
import pytest

from i2dl import kernels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [
    (32, 1024, 1024),   # one panel of 32 rows (two in float64)
    (64, 2048, 515),    # 515 weight rows: a row tail on each thread
    (128, 520, 2017),   # four panels; odd K
    (48, 1024, 1024),   # float32: not a whole number of panels (the BLAS); float64: three panels
    (32, 2049, 1024),   # K past the tiles' bound: the BLAS
    (32, 256, 256),     # a small weight: the BLAS
])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("threads", [1, 2])
def test_small_batch_linear_forward_matches_reference(dtype, shape, bias, threads, with_threads):
    M, K, N = shape
    rng = np.random.default_rng(3)
    x = rng.standard_normal((M, K)).astype(dtype)
    w = rng.standard_normal((N, K)).astype(dtype)
    b = rng.standard_normal(N).astype(dtype) if bias else None
    y = with_threads(threads, lambda: kernels.get("cpu").linear_forward(x, w, b))
    ref = kernels.get("reference").linear_forward(x.astype(np.float64), w.astype(np.float64),
                                                  None if b is None else b.astype(np.float64))
    assert y.dtype == dtype and y.shape == (M, N)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol * np.sqrt(K))


def test_small_batch_linear_forward_keeps_nan_and_inf():
    x = np.ones((32, 1024), np.float32)
    w = np.ones((1024, 1024), np.float32)
    x[3, 5] = np.nan
    w[7, 9] = np.inf
    y = kernels.get("cpu").linear_forward(x, w, None)
    ref = kernels.get("reference").linear_forward(x, w, None)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(y), np.isinf(ref))
