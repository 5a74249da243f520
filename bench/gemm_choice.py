"""The GEMM candidates side by side on the shapes i2dl's GEMM-bound kernels run (float32, 2 threads):
OpenBLAS as i2dl calls it (single-threaded calls split over OpenMP), OpenBLAS's own threads, MKL,
oneDNN's sgemm and BLIS. Each candidate runs in its own process (one OpenMP runtime per process);
the libraries it needs are found in the active environment (pip install mkl onednn blis) and a
missing one is reported, not an error. Output checked against NumPy before anything is timed.

    python bench/gemm_choice.py            # every candidate, one table
"""
import ctypes
import glob
import json
import os
import subprocess
import sys
import time

import numpy as np

SHAPES = [  # (name, M, K, N): C (M, N) = A (M, K) B (K, N)
    ("LSTM step h W_hh^T", 64, 256, 1024),
    ("LSTM projection x W_ih^T", 3200, 128, 1024),
    ("LSTM weight grad dG^T H", 1024, 3200, 256),
    ("1x1 conv 32x256x16x16->64", 64, 256, 8192),
    ("MLP 784->256, batch 64", 64, 784, 256),
    ("LeNet conv2 im2col 6x5x5->16", 16, 150, 6400),
    ("square 2048", 2048, 2048, 2048),
]
CANDIDATES = ["openblas-i2dl", "openblas-i2dl-skylakex", "openblas-threads", "mkl", "onednn", "blis"]


def _lib(pattern):
    prefix = sys.prefix
    hits = sorted(glob.glob(os.path.join(prefix, "lib", pattern)) + glob.glob(os.path.join(prefix, "lib", "python*",
                                                                                           "site-packages", "**", pattern),
                                                                              recursive=True))
    return hits[0] if hits else None


def _cblas(lib, name, threads_fn=None):
    f = getattr(lib, name)
    f.restype = None
    f.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                       ctypes.c_float, ctypes.c_void_p, ctypes.c_int]

    def gemm(a, b, c):
        M, K = a.shape
        N = b.shape[1]
        f(101, 111, 111, M, N, K, 1.0, a.ctypes.data, K, b.ctypes.data, N, 0.0, c.ctypes.data, N)
    return gemm


def make(candidate):
    """-> (gemm(a, b, c), what runs) for one candidate in this process."""
    if candidate.startswith("openblas-i2dl"):
        import i2dl
        from i2dl import _C, kernels
        i2dl.set_num_threads(2)
        k = kernels.get("cpu")

        def gemm(a, b, c):  # i2dl's linear: C = A B with B given transposed (W (N, K)), its own split
            c[...] = k.linear_forward(a, b.T.copy() if not hasattr(b, "_t") else b._t, None)
        return gemm, f"OpenBLAS {_C.blas_core()} kernels, i2dl's OpenMP split"
    if candidate == "openblas-threads":
        import scipy_openblas32
        lib = ctypes.CDLL(os.path.join(scipy_openblas32.get_lib_dir(), "lib" + scipy_openblas32.get_library() + ".so"))
        lib.scipy_openblas_set_num_threads(2)
        lib.scipy_openblas_get_corename.restype = ctypes.c_char_p
        return _cblas(lib, "scipy_cblas_sgemm"), f"OpenBLAS {lib.scipy_openblas_get_corename().decode()}, its own 2 threads"
    if candidate == "mkl":
        path = _lib("libmkl_rt.so*")
        if not path:
            return None, "libmkl_rt not found (pip install mkl)"
        lib = ctypes.CDLL(path)
        lib.MKL_Set_Num_Threads(2)
        return _cblas(lib, "cblas_sgemm"), f"MKL ({os.path.basename(path)}), 2 threads"
    if candidate == "onednn":
        path = _lib("libdnnl.so*")
        if not path:
            return None, "libdnnl not found (pip install onednn)"
        for dep in ("libintlc.so.5", "libimf.so", "libirng.so", "libsvml.so", "libtbb.so.12", "libiomp5.so"):  # what the wheel's libdnnl links, from the same environment
            found = _lib(dep)
            if found:
                ctypes.CDLL(found, ctypes.RTLD_GLOBAL)
        lib = ctypes.CDLL(path)
        f = lib.dnnl_sgemm
        f.argtypes = [ctypes.c_char, ctypes.c_char, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_float,
                      ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_float, ctypes.c_void_p,
                      ctypes.c_int64]

        def gemm(a, b, c):  # row-major
            M, K = a.shape
            N = b.shape[1]
            f(b"N", b"N", M, N, K, 1.0, a.ctypes.data, K, b.ctypes.data, N, 0.0, c.ctypes.data, N)
        return gemm, f"oneDNN dnnl_sgemm ({os.path.basename(path)}), OMP_NUM_THREADS=2"
    if candidate == "blis":
        try:
            from blis.py import gemm as bgemm
        except ImportError:
            return None, "blis not installed (pip install blis)"

        def gemm(a, b, c):
            bgemm(a, b, out=c)
        return gemm, "BLIS (the blis wheel), BLIS_NUM_THREADS=2"
    raise ValueError(candidate)


def run(candidate):
    gemm, what = make(candidate)
    rows = {"what": what, "gflops": {}}
    if gemm is None:
        return rows
    rng = np.random.default_rng(0)
    for name, M, K, N in SHAPES:
        a = rng.standard_normal((M, K), dtype=np.float32)
        b = rng.standard_normal((K, N), dtype=np.float32)
        bt = np.ascontiguousarray(b.T)
        c = np.zeros((M, N), np.float32)
        if candidate.startswith("openblas-i2dl"):
            from i2dl import kernels
            k = kernels.get("cpu")
            call = lambda: k.linear_forward(a, bt, None)  # noqa: E731
            c = call()
        else:
            call = lambda: gemm(a, b, c)  # noqa: E731
            call()
        want = a.astype(np.float64) @ b.astype(np.float64)
        err = np.linalg.norm(c - want) / np.linalg.norm(want)
        if not err < 1e-5:
            rows["gflops"][name] = f"wrong (rel err {err:.1e})"
            continue
        reps = max(3, int(2e9 / (2 * M * K * N)))
        best = 1e9
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                call()
            best = min(best, (time.perf_counter() - t0) / reps)
        rows["gflops"][name] = round(2 * M * K * N / best / 1e9, 1)
    return rows


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(run(sys.argv[2])))
        return
    results = {}
    for cand in CANDIDATES:
        env = dict(os.environ, OMP_NUM_THREADS="2", MKL_NUM_THREADS="2", BLIS_NUM_THREADS="2")
        if cand == "openblas-i2dl-skylakex":
            env["OPENBLAS_CORETYPE"] = "SKYLAKEX"
        out = subprocess.run([sys.executable, __file__, "--one", cand], env=env, capture_output=True, text=True)
        try:
            results[cand] = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            results[cand] = {"what": "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1], "gflops": {}}
    print(f"{'GFLOP/s, float32, 2 threads':34s}" + "".join(f"{c:>24s}" for c in CANDIDATES))
    for name, M, K, N in SHAPES:
        print(f"{name:34s}" + "".join(f"{str(results[c]['gflops'].get(name, '-')):>24s}" for c in CANDIDATES))
    for c in CANDIDATES:
        print(f"  {c}: {results[c]['what']}")


if __name__ == "__main__":
    main()
