"""The GEMM library (i2dl.blas): the choice at import (MKL on Intel CPUs where it is installed,
OpenBLAS elsewhere, I2DL_BLAS overriding), switching at run time, and the same products through
both libraries (every split edge and the convolutions: tests/kernels/test_gemm_split.py)."""
import subprocess

import numpy as np
import pytest

from conftest import child_python

from i2dl import _C, blas, kernels

MKL_PATH = blas.find_mkl()
HAS_MKL = MKL_PATH is not None
needs_mkl = pytest.mark.skipif(not HAS_MKL, reason="MKL's runtime library is not installed")


@pytest.fixture
def restore_library():
    """Puts the library back through _C (blas's functions may be monkeypatched at teardown)."""
    on_mkl = blas.library() != "OpenBLAS"
    yield
    if on_mkl:
        assert _C.blas_use_mkl(MKL_PATH) == ""
    else:
        _C.blas_use_openblas()


def test_use_names_the_library(restore_library):
    assert blas.use("openblas") == "OpenBLAS" == blas.library()
    assert blas.use("OpenBLAS") == "OpenBLAS"


@needs_mkl
def test_use_mkl_and_back(restore_library):
    assert "Math Kernel Library" in blas.use("mkl")
    assert blas.use("openblas") == "OpenBLAS"


@pytest.mark.parametrize("bad", ["atlas", "", 3, None])
def test_use_rejects_unknown_names(bad):
    with pytest.raises(ValueError, match=r"argument 'name' must be one of auto, openblas, mkl, got"):
        blas.use(bad)


def test_mkl_requested_but_missing(monkeypatch, restore_library):
    monkeypatch.setattr(blas, "find_mkl", lambda: None)
    with pytest.raises(RuntimeError, match=r"argument 'name' is 'mkl' but MKL's runtime library is not installed"):
        blas.use("mkl")


def test_mkl_path_that_is_not_mkl(monkeypatch, restore_library, tmp_path):
    """A library that loads but is not MKL (OpenBLAS's own) and a path that does not load: an error
    naming why, and the GEMMs stay on the library they were on."""
    import scipy_openblas32
    import os
    openblas = os.path.join(scipy_openblas32.get_lib_dir(), "lib" + scipy_openblas32.get_library() + ".so")
    blas.use("openblas")
    for path, why in ((openblas, "not MKL's runtime library"), (str(tmp_path / "libmkl_rt.so.3"), "dlopen failed")):
        monkeypatch.setattr(blas, "find_mkl", lambda: path)
        with pytest.raises(RuntimeError, match=why):
            blas.use("mkl")
        assert blas.library() == "OpenBLAS"


@pytest.mark.parametrize("vendor, want_mkl", [("GenuineIntel", True), ("AuthenticAMD", False), ("", False)])
def test_auto_chooses_by_vendor(monkeypatch, restore_library, vendor, want_mkl):
    monkeypatch.setattr(blas, "cpu_vendor", lambda: vendor)
    got = blas.use("auto")
    assert (got != "OpenBLAS") == (want_mkl and HAS_MKL), got


def test_auto_without_mkl_is_openblas(monkeypatch, restore_library):
    monkeypatch.setattr(blas, "cpu_vendor", lambda: "GenuineIntel")
    monkeypatch.setattr(blas, "find_mkl", lambda: None)
    assert blas.use("auto") == "OpenBLAS"


@pytest.mark.parametrize("choice", ["openblas"] + (["mkl"] if HAS_MKL else []))
def test_environment_variable_at_import(choice):
    code = "import i2dl; print(i2dl.blas.library())"
    out = subprocess.run(**child_python(code), env={**__import__("os").environ, "I2DL_BLAS": choice},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert (out == "OpenBLAS") == (choice == "openblas"), out


def test_environment_variable_rejected_at_import():
    import os
    r = subprocess.run(**child_python("import i2dl"), env={**os.environ, "I2DL_BLAS": "fastest"},
                       capture_output=True, text=True)
    assert r.returncode != 0 and "I2DL_BLAS must be one of auto, openblas, mkl, got 'fastest'" in r.stderr


@needs_mkl
def test_both_libraries_agree_and_are_reproducible(restore_library):
    """The same products in float32 and float64 through both libraries (within rounding), each
    bit for bit the same when repeated from buffers at other offsets (alignments)."""
    cpu = kernels.get("cpu")
    rng = np.random.default_rng(0)
    for dtype, tol in ((np.float32, 1e-5), (np.float64, 1e-13)):
        for M, K, N in ((64, 784, 256), (16, 150, 6400), (300, 77, 33)):
            x, w = rng.standard_normal((M, K)).astype(dtype), rng.standard_normal((N, K)).astype(dtype)
            want = x.astype(np.float64) @ w.astype(np.float64).T
            for lib in ("openblas", "mkl"):
                blas.use(lib)
                y = cpu.linear_forward(x, w, None)
                assert np.linalg.norm(y - want) / np.linalg.norm(want) < tol, lib
                bx = np.empty(M * K + 3, dtype)[3:].reshape(M, K)
                bx[...] = x
                assert np.array_equal(cpu.linear_forward(bx, w, None), y), lib


def test_info_names_the_library():
    from i2dl.info import info_lines
    line = next(s for s in info_lines() if s.startswith("GEMM:"))
    assert (blas.library() in line) and ("split over" in line)
