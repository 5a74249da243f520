"""The 1x1 stride-1 forward that reads each image in place (gemm_direct): whole panels, the column
tail past them and the row tail below the last register tile, against the reference, both dtypes."""
import numpy as np
import pytest

import i2dl
from i2dl import kernels

ARGS = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 5, 9, 9, 7), (2, 256, 16, 16, 64), (3, 13, 8, 24, 1), (2, 600, 8, 8, 3)])
@pytest.mark.parametrize("threads", [1, 2])
def test_pointwise_forward_matches_reference(dtype, shape, threads):
    N, C, H, W, O = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C, 1, 1)).astype(dtype)
    b = rng.standard_normal(O).astype(dtype)
    old = i2dl.get_num_threads()
    i2dl.set_num_threads(threads)
    try:
        y = kernels.get("cpu").conv2d_forward(x, w, b, **ARGS)
    finally:
        i2dl.set_num_threads(old)
    ref = kernels.get("reference").conv2d_forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                                                  **ARGS)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol * np.sqrt(C))
