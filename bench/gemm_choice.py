"""The GEMM candidates side by side on the shapes i2dl's GEMM-bound kernels run (float32, 2 threads):
OpenBLAS and MKL as i2dl calls them (single-threaded calls split over OpenMP; i2dl.blas picks one;
these two interleaved in one process),
OpenBLAS's own threads, MKL's own threads, oneDNN's sgemm and BLIS. Each candidate runs in its own process (one OpenMP runtime per process);
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
CANDIDATES = ["openblas-i2dl", "mkl-i2dl", "openblas-threads", "mkl", "onednn", "blis"]


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
        c = np.zeros((M, N), np.float32)
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


def run_i2dl_pair():
    """openblas-i2dl and mkl-i2dl in one process, alternating library every repetition (i2dl.blas.use),
    so that the machine's drift falls on both columns alike: the comparison i2dl.blas's choice rests on."""
    import i2dl
    from i2dl import kernels
    i2dl.set_num_threads(2)
    k = kernels.get("cpu")
    libs = ["openblas"] + (["mkl"] if i2dl.blas.find_mkl() else [])
    def what(lib):
        name = i2dl.blas.use(lib)
        return (f"OpenBLAS {i2dl._C.blas_core()} kernels" if name == "OpenBLAS" else name) + \
            ", sequential, i2dl's OpenMP split"
    out = {f"{lib}-i2dl": {"what": what(lib), "gflops": {}} for lib in libs}
    rng = np.random.default_rng(0)
    for name, M, K, N in SHAPES:
        a = rng.standard_normal((M, K), dtype=np.float32)
        bt = rng.standard_normal((N, K), dtype=np.float32)
        want = a.astype(np.float64) @ bt.astype(np.float64).T
        reps, best = max(3, int(5e8 / (2 * M * K * N))), {lib: 1e9 for lib in libs}
        for lib in libs:
            i2dl.blas.use(lib)
            c = k.linear_forward(a, bt, None)
            err = np.linalg.norm(c - want) / np.linalg.norm(want)
            if not err < 1e-5:
                raise SystemExit(f"{lib}-i2dl: {name} wrong (rel err {err:.1e})")
        for _ in range(15):
            for lib in libs:
                i2dl.blas.use(lib)
                t0 = time.perf_counter()
                for _ in range(reps):
                    k.linear_forward(a, bt, None)
                best[lib] = min(best[lib], (time.perf_counter() - t0) / reps)
        for lib in libs:
            out[f"{lib}-i2dl"]["gflops"][name] = round(2 * M * K * N / best[lib] / 1e9, 1)
    return out


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(run(sys.argv[2])))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--i2dl-pair":
        print(json.dumps(run_i2dl_pair()))
        return
    env = dict(os.environ, OMP_NUM_THREADS="2")
    out = subprocess.run([sys.executable, __file__, "--i2dl-pair"], env=env, capture_output=True, text=True)
    try:
        results = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        results = {}
    for cand in ("openblas-i2dl", "mkl-i2dl"):
        results.setdefault(cand, {"what": "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1], "gflops": {}})
    for cand in CANDIDATES:
        if cand.endswith("-i2dl"):
            continue
        env = dict(os.environ, OMP_NUM_THREADS="2", MKL_NUM_THREADS="2", BLIS_NUM_THREADS="2")
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
