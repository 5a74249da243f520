import numpy as np
import pytest

from i2dl import kernels
from i2dl.kernels import cuda as cuda_backend


def _cuda_param():
    reason = cuda_backend.why_unavailable()
    return pytest.param("cuda", marks=pytest.mark.skipif(reason is not None, reason=f"cuda backend: {reason}"))


# The backends under test; "reference" is the oracle and only joins the families where that makes sense.
COMPILED_BACKENDS = ["cpu", _cuda_param()]
ALL_BACKENDS = ["reference", "cpu", _cuda_param()]


def device_mover(backend_name):
    """Moves a NumPy array to where ``backend_name`` computes (CuPy for cuda), else None."""
    if backend_name != "cuda":
        return None
    import cupy
    return cupy.asarray


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def with_threads():
    """``with_threads(n, fn)``: fn() at n i2dl threads, the thread count restored afterwards."""
    import i2dl

    def run(threads, fn):
        before = i2dl.get_num_threads()
        i2dl.set_num_threads(threads)
        try:
            return fn()
        finally:
            i2dl.set_num_threads(before)
    return run


@pytest.fixture(params=["cpu"])
def cpu(request):
    return kernels.get(request.param)


def child_python(code, *args, **kwargs):
    """``[sys.executable, "-c", code, *args]`` as keyword arguments for subprocess, run from the
    temporary folder: from the checkout, ``python -c`` would import its i2dl/ folder (which has no
    built extension) instead of the installed package."""
    import sys
    import tempfile
    return dict(args=[sys.executable, "-c", code, *map(str, args)], cwd=tempfile.gettempdir(), **kwargs)


def emulate_cuda(monkeypatch, device):
    """The cuda backend on NumPy arrays, its launchers ``device``'s methods: CuPy replaced by NumPy
    and a device pointer by the array's address (the emulated tests of cuda.py's adapters)."""
    monkeypatch.setattr(cuda_backend, "_cupy", lambda: np)
    monkeypatch.setattr(cuda_backend, "_ctx", lambda x: (np, device, 0, str(x.dtype)))
    monkeypatch.setattr(cuda_backend, "_require_cupy", lambda fn, name, a: None)
    monkeypatch.setattr(cuda_backend, "_ptr", lambda a: 0 if a is None else a.__array_interface__["data"][0])
    return cuda_backend
