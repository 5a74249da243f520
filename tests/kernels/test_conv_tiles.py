"""The convolution's products on the register tiles (gemm_packed.h), against the reference, both
dtypes, one and two threads: the forward that reads each image block in place (gemm_direct) -- the
image itself for a 1x1 stride-1 conv, the column matrix for the others, whole images or bands of
output rows at batch 1 -- with whole panels, the column tail past them and the row tail below the
last register tile; a 1x1 conv's weight gradient with the smaller of dY and x packed (dW^T or
dW), over one and several pixel chunks, per group; and the im2col input gradient's column matrix
W^T dY with dY read in place where W is small (batched and single images, column tails, groups, the
row tail, past the weight bound)."""
import numpy as np
import pytest

import i2dl
from i2dl import kernels

ARGS = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 5, 9, 9, 7), (2, 256, 16, 16, 64), (3, 13, 8, 24, 1), (2, 600, 8, 8, 3)])
@pytest.mark.parametrize("threads", [1, 2])
def test_pointwise_forward_matches_reference(dtype, shape, threads, with_threads):
    N, C, H, W, O = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C, 1, 1)).astype(dtype)
    b = rng.standard_normal(O).astype(dtype)
    y = with_threads(threads, lambda: kernels.get("cpu").conv2d_forward(x, w, b, **ARGS))
    ref = kernels.get("reference").conv2d_forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                                                  **ARGS)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol * np.sqrt(C))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [
    (4, 256, 16, 16, 64, 1),   # O <= C: dW^T, dY packed
    (3, 64, 8, 8, 128, 1),     # O > C: dW, x packed
    (2, 64, 32, 24, 32, 1),    # 768 pixels: two chunks
    (3, 128, 5, 7, 64, 2),     # two groups of 64 -> 32
    (2, 48, 6, 6, 48, 1),      # a side that is no whole number of panels: the BLAS
    (1, 64, 4, 4, 32, 1),      # one image
])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("input_grad", [True, False])
def test_pointwise_backward_matches_reference(dtype, shape, threads, input_grad, with_threads):
    N, C, H, W, O, groups = shape
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C // groups, 1, 1)).astype(dtype)
    dy = rng.standard_normal((N, O, H, W)).astype(dtype)
    args = dict(ARGS, groups=groups)
    got = with_threads(threads, lambda: kernels.get("cpu").conv2d_backward(dy, x, w, input_grad=input_grad, **args))
    ref = kernels.get("reference").conv2d_backward(dy.astype(np.float64), x.astype(np.float64), w.astype(np.float64),
                                                   input_grad=input_grad, **args)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    names = ("dx", "dw", "db")
    for name, g, r in zip(names, got, ref):
        if r is None:
            assert g is None, name
            continue
        assert g.dtype == dtype, name
        scale = np.sqrt(N * H * W) if name != "dx" else np.sqrt(O)
        np.testing.assert_allclose(g, r, rtol=tol, atol=tol * scale, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", [
    ((1, 3, 80, 77), (64, 3, 7, 7), 2, 3),    # batch 1: bands of 22 and 18 output rows, column tails
    ((1, 32, 50, 50), (37, 32, 3, 3), 2, 1),  # batch 1, 37 filters: the row tail below the last tile
    ((3, 16, 36, 36), (32, 16, 5, 5), 1, 0),  # whole images (1024 pixels), one block each
    ((2, 8, 35, 35), (20, 8, 5, 5), 1, 1),    # 1089 pixels an image: not a whole number of panels
    ((1, 64, 60, 60), (32, 64, 3, 3), 2, 1),  # 576 rows: past the direct bound, the shared BLAS block
    ((1, 32, 80, 77), (64, 16, 3, 3), 2, 1),  # batch 1, two groups: each band's GEMM per group
])
@pytest.mark.parametrize("threads", [1, 2])
def test_im2col_forward_matches_reference(dtype, case, threads, with_threads):
    xs, ws, stride, pad = case
    groups = xs[1] // ws[1]
    rng = np.random.default_rng(2)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    args = dict(stride=(stride, stride), padding=(pad, pad), dilation=(1, 1), groups=groups)
    assert i2dl._C.conv2d_algorithms(x, w, **args)["forward"] == "im2col"
    y = with_threads(threads, lambda: kernels.get("cpu").conv2d_forward(x, w, b, **args))
    ref = kernels.get("reference").conv2d_forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                                                  **args)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol * np.sqrt(ws[1] * ws[2] * ws[3]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", [
    ((6, 6, 12, 12), (16, 6, 5, 5), 1, 0),    # LeNet's conv2: images batched into one block
    ((3, 3, 19, 17), (7, 3, 3, 3), 1, 1),     # 323 pixels: a column tail past the panels; 27 rows
    ((2, 8, 33, 33), (12, 4, 5, 5), 1, 2),    # two groups, each its own W^T
    ((4, 16, 10, 10), (32, 16, 5, 5), 1, 0),  # 51 KiB of float32 weights, 400 rows
    ((2, 32, 9, 9), (72, 32, 5, 5), 1, 2),    # past the weight bound: the BLAS
])
@pytest.mark.parametrize("threads", [1, 2])
def test_im2col_input_grad_matches_reference(dtype, case, threads, with_threads):
    xs, ws, stride, pad = case
    groups = xs[1] // ws[1]
    rng = np.random.default_rng(3)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    args = dict(stride=(stride, stride), padding=(pad, pad), dilation=(1, 1), groups=groups)
    assert with_threads(threads, lambda: i2dl._C.conv2d_algorithms(x, w, **args))["input_grad"] == "im2col"
    y = kernels.get("reference").conv2d_forward(x, w, None, **args)
    dy = rng.standard_normal(y.shape).astype(dtype)
    got = with_threads(threads, lambda: kernels.get("cpu").conv2d_backward(dy, x, w, **args))
    ref = kernels.get("reference").conv2d_backward(dy.astype(np.float64), x.astype(np.float64), w.astype(np.float64),
                                                   **args)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for name, g, r in zip(("dx", "dw", "db"), got, ref):
        assert g.dtype == dtype, name
        np.testing.assert_allclose(g, r, rtol=tol, atol=tol * np.sqrt(dy.size), err_msg=name)
