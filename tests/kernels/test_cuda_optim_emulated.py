"""The cuda backend's optimizer adapters (i2dl/kernels/cuda.py: the generated single-tensor steps,
SGD's config, the multi-tensor loops, total_norm / mul_multi_ / clamp_multi_ on CuPy's reductions)
run here without a GPU: CuPy is replaced by NumPy and each CUDA launcher by a stand-in with the
launcher's own signature (csrc/bind/cuda/bind_optim.cpp) that runs the CPU kernel through the same
pointers. Every optimizer row of the in-place registry is then cross-checked against the
reference, so a slip in the Python around the launchers (an argument's order, a list's None, a
pointer of the wrong array) shows on any machine; the CUDA kernels themselves are cross-checked on
a GPU (bench/gpu_check.sh)."""
import ctypes

import numpy as np
import pytest

from i2dl import _C
from i2dl.kernels import cuda
from i2dl.kernels.registry import INPLACE_REGISTRY, TOLERANCE, cross_check_inplace

from conftest import emulate_cuda

ROWS = [s for s in INPLACE_REGISTRY if s.kernel.endswith("step_") or s.kernel in ("total_norm", "mul_multi_",
                                                                                   "clamp_multi_")]


def _view(dtype, ptr, n):
    ct = ctypes.c_float if dtype == "float32" else ctypes.c_double
    return np.ctypeslib.as_array((ct * n).from_address(ptr)) if ptr and n else None


class _Device:
    """The launchers of _C_cuda's optim family, each keyword as bound, computing with _C."""
    SgdConfig = _C.SgdConfig

    def __init__(self):
        self.launches = 0

    def sgd_step_(self, dt, n, p, g, v, config, stream):
        self.launches += 1
        _C.sgd_step_(_view(dt, p, n), _view(dt, g, n), _view(dt, v, n), config)

    def adam_step_(self, *, dtype, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, step, lr, beta1, beta2, eps,
                   weight_decay, amsgrad, maximize, decoupled_weight_decay, stream):
        self.launches += 1
        v = lambda p: _view(dtype, p, n)  # noqa: E731
        _C.adam_step_(param=v(param), grad=v(grad), exp_avg=v(exp_avg), exp_avg_sq=v(exp_avg_sq),
                      max_exp_avg_sq=v(max_exp_avg_sq), n=n, step=step, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                      weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                      decoupled_weight_decay=decoupled_weight_decay)

    def rmsprop_step_(self, *, dtype, param, grad, square_avg, grad_avg, momentum_buffer, n, lr, alpha, eps,
                      weight_decay, momentum, centered, maximize, stream):
        self.launches += 1
        v = lambda p: _view(dtype, p, n)  # noqa: E731
        _C.rmsprop_step_(param=v(param), grad=v(grad), square_avg=v(square_avg), grad_avg=v(grad_avg),
                         momentum_buffer=v(momentum_buffer), n=n, lr=lr, alpha=alpha, eps=eps,
                         weight_decay=weight_decay, momentum=momentum, centered=centered, maximize=maximize)

    def adagrad_step_(self, *, dtype, param, grad, state_sum, n, step, lr, lr_decay, weight_decay, eps, maximize,
                      stream):
        self.launches += 1
        v = lambda p: _view(dtype, p, n)  # noqa: E731
        _C.adagrad_step_(param=v(param), grad=v(grad), state_sum=v(state_sum), n=n, step=step, lr=lr,
                         lr_decay=lr_decay, weight_decay=weight_decay, eps=eps, maximize=maximize)


@pytest.fixture
def emulated(monkeypatch):
    device = _Device()
    emulate_cuda(monkeypatch, device)
    return device


def test_the_stand_ins_have_the_launchers_signatures():
    """Each stand-in takes what the bound launcher takes (names and order), so the emulation cannot
    accept a call the real module refuses."""
    import importlib.util
    import inspect
    if importlib.util.find_spec("i2dl._C_cuda") is None:
        pytest.skip("the CUDA module is not built here")
    import i2dl._C_cuda as m
    for name in ("adam_step_", "rmsprop_step_", "adagrad_step_"):
        doc = getattr(m, name).__doc__.splitlines()[0]
        bound = [a.split(":")[0].strip() for a in doc[doc.index("(") + 1:doc.index(")")].split(",") if ":" in a]
        params = [p for p in inspect.signature(getattr(_Device, name)).parameters if p != "self"]
        assert bound == params, (name, bound, params)


@pytest.mark.parametrize("spec", ROWS, ids=[s.name for s in ROWS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_optimizer_adapters_match_the_reference(emulated, spec, dtype):
    for i, sample in enumerate(spec.samples(np.random.default_rng(0))):
        errors = cross_check_inplace(spec, cuda, sample, dtype)
        assert all(e <= TOLERANCE[np.dtype(dtype)] for e in errors.values()), f"{spec.name} [{sample.desc}]: {errors}"
    if spec.kernel.endswith("multi_step_"):  # one launch per tensor, every tensor launched
        assert emulated.launches > 0


def test_cuda_total_norm_is_nan_for_a_nan_and_zero_for_nothing(emulated):
    a = [np.ones(5, np.float32), np.full(1, 2.0, np.float32)]
    assert cuda.total_norm(a, 2.0) == pytest.approx(3.0)
    assert cuda.total_norm(a, float("inf")) == 2.0
    assert cuda.total_norm([], 2.0) == 0.0
    a[0][1] = np.nan
    assert np.isnan(cuda.total_norm(a, float("inf"))) and np.isnan(cuda.total_norm(a, 1.0))
