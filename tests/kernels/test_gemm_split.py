"""GEMMs and the convolutions built on them at every thread count, on shapes at the edges of how
gemm() (csrc/cpu/blas.cpp) splits a product over threads: a split dimension narrower than the
thread count, one aligned slice, one more than a slice, the rows/columns switch at 128; and a
product whose sizes do not fit the 32-bit BLAS interface."""
import os
import subprocess
import textwrap

import numpy as np
import pytest

from conftest import child_python

import i2dl
from i2dl import kernels

THREADS = (1, 2, 3, 16, 64)
# (M, K, N) of y = x w^T: the split runs over N (columns) for M < 128 or N >= 4M, else over M
EDGES = [(64, 8192, 1), (64, 4096, 10), (64, 1, 8192), (1, 512, 64), (127, 300, 15), (128, 300, 16),
         (129, 300, 17), (200, 64, 3), (3, 700, 700), (16, 1, 1), (17, 2048, 33)]


LIBRARIES = ["openblas"] + (["mkl"] if i2dl.blas.find_mkl() else [])


@pytest.fixture(params=LIBRARIES)
def library(request):
    """Each product through each GEMM library this environment has (i2dl.blas)."""
    before = "openblas" if i2dl.blas.library() == "OpenBLAS" else "mkl"
    i2dl.blas.use(request.param)
    yield request.param
    i2dl.blas.use(before)


@pytest.fixture
def threads():
    before = i2dl.get_num_threads()
    yield lambda n: i2dl.set_num_threads(n)
    i2dl.set_num_threads(before)


@pytest.mark.parametrize("n_threads", THREADS)
def test_linear_at_every_split_edge(n_threads, threads, library):
    threads(n_threads)
    cpu, ref = kernels.get("cpu"), kernels.get("reference")
    rng = np.random.default_rng(n_threads)
    for M, K, N in EDGES:
        x, w, b = rng.standard_normal((M, K)), rng.standard_normal((N, K)), rng.standard_normal(N)
        dy = rng.standard_normal((M, N))
        np.testing.assert_allclose(cpu.linear_forward(x, w, b), ref.linear_forward(x, w, b), rtol=1e-9, atol=1e-9)
        for got, want in zip(cpu.linear_backward(dy, x, w), ref.linear_backward(dy, x, w)):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("n_threads", THREADS)
def test_conv_at_every_split_edge(n_threads, threads, library):
    """A 1x1 output at batch 1 (the im2col GEMM has one column), a batch smaller than the thread
    count, and a batch that is a multiple of it."""
    threads(n_threads)
    cpu, ref = kernels.get("cpu"), kernels.get("reference")
    rng = np.random.default_rng(n_threads)
    for xs, ws, p in [((1, 64, 5, 5), (64, 64, 5, 5), 0), ((2, 8, 6, 6), (4, 8, 3, 3), 1),
                      ((3, 16, 9, 9), (16, 16, 3, 3), 1), ((64, 4, 4, 4), (2, 4, 4, 4), 0)]:
        x, w = rng.standard_normal(xs), rng.standard_normal(ws)
        y = cpu.conv2d_forward(x, w, None, padding=p)
        np.testing.assert_allclose(y, ref.conv2d_forward(x, w, None, padding=p), rtol=1e-9, atol=1e-9)
        dy = rng.standard_normal(y.shape)
        for got, want in zip(cpu.conv2d_backward(dy, x, w, padding=p), ref.conv2d_backward(dy, x, w, padding=p)):
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_modules_that_crashed_the_split():
    """nn.Linear(8192, 1) at batch 64 (a binary classifier's head), nn.Linear(1, 8192) backward,
    nn.Linear(4096, 10) at 16 threads."""
    from i2dl import nn
    before = i2dl.get_num_threads()
    try:
        for n in (2, 16):
            i2dl.set_num_threads(n)
            assert nn.Linear(8192, 1)(i2dl.randn(64, 8192)).shape == (64, 1)
            assert nn.Linear(4096, 10)(i2dl.randn(64, 4096)).shape == (64, 10)
            x = i2dl.randn(64, 1, requires_grad=True)
            nn.Linear(1, 8192)(x).sum().backward()
            assert x.grad.shape == (64, 1) and np.isfinite(x.grad).all()
    finally:
        i2dl.set_num_threads(before)


@pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""), reason="16 GiB of zero pages under ASan")
def test_inner_dimension_beyond_32_bits():
    """in_features = 2**31 + 16: more than a 32-bit BLAS can take. The arrays are zero pages that
    are never written but for their last entry, so this needs no memory to speak of."""
    code = textwrap.dedent("""
        import numpy as np, i2dl
        from i2dl import kernels
        i2dl.set_num_threads(2)
        K = 2**31 + 16
        x, w = np.zeros((1, K), np.float32), np.zeros((2, K), np.float32)
        x[0, -1] = w[0, -1] = 1.0
        w[1, 3] = 5.0
        x[0, 3] = 2.0
        print(kernels.get('cpu').linear_forward(x, w, None).tolist())
    """)
    out = subprocess.run(**child_python(code, capture_output=True, text=True, timeout=300))
    if out.returncode != 0 and "MemoryError" in out.stderr:
        pytest.skip("this machine cannot map 16 GiB of address space")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[[1.0, 10.0]]"
