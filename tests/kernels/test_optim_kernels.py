"""The in-place kernels of the registry: every backend against the reference, every sample, both
dtypes; denormal flushing. (Their bad input: tests/kernels/test_kernel_bad_input.py, from the rows.)"""
import numpy as np
import pytest

from i2dl import kernels
from i2dl.kernels.registry import INPLACE_REGISTRY, TOLERANCE, cross_check_inplace

from conftest import COMPILED_BACKENDS, device_mover

CASES = [(spec, i) for spec in INPLACE_REGISTRY for i in range(len(spec.samples(np.random.default_rng(0))))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("backend", COMPILED_BACKENDS)
@pytest.mark.parametrize("spec,index", CASES, ids=[f"{s.name}-{i}" for s, i in CASES])
def test_inplace_kernel_matches_reference(spec, index, backend, dtype):
    sample = spec.samples(np.random.default_rng(index))[index]
    errors = cross_check_inplace(spec, kernels.get(backend), sample, dtype, device_mover(backend))
    tol = TOLERANCE[np.dtype(dtype)]
    assert all(e <= tol for e in errors.values()), f"{spec.name} [{sample.desc}] on {backend}: {errors}"


def test_inplace_cross_check_detects_a_wrong_update():
    spec = INPLACE_REGISTRY[0]
    cpu = kernels.get("cpu")

    class Perturbed:
        def sgd_step_(self, param, *a, **k):
            cpu.sgd_step_(param, *a, **k)
            param *= 1.001

    errors = cross_check_inplace(spec, Perturbed(), spec.samples(np.random.default_rng(0))[0], np.float64)
    assert errors["param"] > 1e-4


@pytest.mark.parametrize("backend", ["reference"] + COMPILED_BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_flushes_denormal_velocities(backend, dtype):
    k = kernels.get(backend)
    move = device_mover(backend) or (lambda a: a)
    back = (lambda a: a.get()) if backend == "cuda" else (lambda a: a)
    tiny = np.finfo(dtype).tiny
    p, g = move(np.zeros(4, dtype)), move(np.zeros(4, dtype))
    v = move(np.array([tiny, tiny * 4, -tiny, 1.0], dtype))
    k.sgd_step_(p, g, v, 0.1, 0.5)
    np.testing.assert_array_equal(back(v), np.array([0, tiny * 2, 0, 0.5], dtype))
