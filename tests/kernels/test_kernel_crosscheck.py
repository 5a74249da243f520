"""Every registered kernel x compiled backend x dtype x sample: forward and backward against the
float64 reference, relative-norm error within the registry's tolerance."""
import numpy as np
import pytest

from i2dl import kernels
from i2dl.kernels.registry import by_name, REGISTRY, TOLERANCE, cross_check

from conftest import COMPILED_BACKENDS, device_mover

CASES = [(spec, i) for spec in REGISTRY for i in range(len(spec.samples(np.random.default_rng(0))))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("backend", COMPILED_BACKENDS)
@pytest.mark.parametrize("spec,index", CASES, ids=[f"{s.name}-{i}" for s, i in CASES])
def test_matches_reference(spec, index, backend, dtype):
    rng = np.random.default_rng(100 + index)
    sample = spec.samples(rng)[index]
    errors = cross_check(spec, kernels.get(backend), sample, dtype, rng, device_mover(backend))
    tol = TOLERANCE[np.dtype(dtype)]
    bad = {k: v for k, v in errors.items() if not v <= tol}
    assert not bad, f"{spec.name} [{sample.desc}] on {backend}/{np.dtype(dtype)}: errors {errors} > {tol}"


def test_cross_check_detects_a_wrong_kernel():
    """The harness itself must fail on a kernel that is off by a little."""
    spec = by_name("conv2d")
    cpu = kernels.get("cpu")

    class Perturbed:
        def conv2d_forward(self, *a, **k):
            y = cpu.conv2d_forward(*a, **k)
            return y * (1 + 1e-3)

        def conv2d_backward(self, *a, **k):
            return cpu.conv2d_backward(*a, **k)

    rng = np.random.default_rng(0)
    errors = cross_check(spec, Perturbed(), spec.samples(rng)[0], np.float64, rng)
    assert errors["y"] > 1e-4 and errors["dx"] < 1e-10


def test_large_conv_uses_bounded_row_bands():
    """An input whose column matrix exceeds the buffer bound is lowered in bands of output rows."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 64, 72, 260)).astype(np.float32)   # 576 rows x 72*260 columns > 2**22
    w = (rng.standard_normal((8, 64, 3, 3)) / 24).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    ref, cpu = kernels.get("reference"), kernels.get("cpu")
    want = ref.conv2d_forward(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), padding=(1, 1))
    got = cpu.conv2d_forward(x, w, b, padding=(1, 1))
    assert np.linalg.norm(got - want) / np.linalg.norm(want) < 1e-5
    dy = rng.standard_normal(want.shape).astype(np.float32)
    g_ref = ref.conv2d_backward(dy.astype(np.float64), x.astype(np.float64), w.astype(np.float64), padding=(1, 1))
    g_cpu = cpu.conv2d_backward(dy, x, w, padding=(1, 1))
    for a, b_ in zip(g_cpu, g_ref):
        assert np.linalg.norm(a - b_) / np.linalg.norm(b_) < 1e-4


@pytest.mark.parametrize("backend", COMPILED_BACKENDS + ["reference"])
@pytest.mark.parametrize("spec_name", ["conv2d", "linear"])
def test_input_grad_false_skips_dx_only(spec_name, backend):
    from i2dl.kernels.registry import by_name
    spec = by_name(spec_name)
    k = kernels.get(backend)
    move = device_mover(backend)
    for sample in spec.samples(np.random.default_rng(5))[:6]:
        a = {n: (move(v) if move and isinstance(v, np.ndarray) else v) for n, v in sample.inputs.items()}
        y, _ = spec.call_forward(k, a, sample.params)
        dy = move(np.ones(y.shape)) if move else np.ones(y.shape)
        fn = getattr(k, spec.backward)
        args = (dy, a["x"], a["w"])
        full = fn(*args, **sample.params, bias=a["b"] is not None)
        partial = fn(*args, **sample.params, bias=a["b"] is not None, input_grad=False)
        assert partial[0] is None
        for got, want in zip(partial[1:], full[1:]):
            if want is None:
                assert got is None
            else:
                np.testing.assert_allclose(np.asarray(got if move is None else got.get()),
                                           np.asarray(want if move is None else want.get()), rtol=1e-12)
