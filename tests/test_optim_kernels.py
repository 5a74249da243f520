"""The in-place optimizer kernels: every backend against the reference, every option, both dtypes;
bad input."""
import itertools

import numpy as np
import pytest

from i2dl import kernels

from conftest import COMPILED_BACKENDS, device_mover

OPTIONS = list(itertools.product([0.0, 0.9], [0.0, 0.1], [False, True], [0.0, 1e-2], [False, True]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("backend", COMPILED_BACKENDS)
@pytest.mark.parametrize("momentum,dampening,nesterov,wd,first", OPTIONS)
def test_sgd_step_matches_reference(backend, dtype, momentum, dampening, nesterov, wd, first):
    if nesterov and (momentum == 0 or dampening != 0):
        pytest.skip("nesterov needs momentum and no dampening")
    rng = np.random.default_rng(0)
    shape = (300, 257)                      # large enough for the threaded path, odd for the tails
    p0, g, v0 = (rng.standard_normal(shape).astype(dtype) for _ in range(3))
    ref, k = kernels.get("reference"), kernels.get(backend)
    move = device_mover(backend) or (lambda a: a.copy())
    back = (lambda a: a.get()) if backend == "cuda" else (lambda a: a)
    p_ref, v_ref = p0.copy(), v0.copy()
    ref.sgd_step_(p_ref, g, v_ref, 0.1, momentum, dampening, nesterov, wd, first)
    p, v = move(p0), move(v0)
    k.sgd_step_(p, move(g), v, 0.1, momentum, dampening, nesterov, wd, first)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(back(p), p_ref, rtol=tol, atol=tol)
    if momentum:
        np.testing.assert_allclose(back(v), v_ref, rtol=tol, atol=tol)
    assert not np.array_equal(back(p), p0)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_sgd_step_bad_input(backend):
    k = kernels.get(backend)
    p = np.zeros((3, 4), np.float32)
    with pytest.raises(TypeError, match=r"sgd_step_: argument 'grad' must have dtype float32"):
        k.sgd_step_(p, np.zeros((3, 4)), None, 0.1)
    with pytest.raises(ValueError, match=r"argument 'grad' must have shape \(3, 4\)"):
        k.sgd_step_(p, np.zeros((4, 3), np.float32), None, 0.1)
    with pytest.raises(ValueError, match=r"'velocity' is required when momentum"):
        k.sgd_step_(p, np.zeros((3, 4), np.float32), None, 0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"'param' must be C-contiguous"):
        k.sgd_step_(np.zeros((4, 3), np.float32).T, np.zeros((3, 4), np.float32), None, 0.1)
    ro = np.zeros((3, 4), np.float32)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match=r"'param' must be writable"):
        k.sgd_step_(ro, np.zeros((3, 4), np.float32), None, 0.1)


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
