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


# ---------------------------------------------------------------- the multi-tensor forms
MULTI_SHAPES = [(300, 257), (7,), (40000,), (3, 5)]  # the threads' split straddles tensors


def _lists(rng, dtype, count, positive=()):
    out = []
    for j in range(count):
        out.append([(rng.random(s) + 1.0 if j in positive else rng.standard_normal(s)).astype(dtype)
                    for s in MULTI_SHAPES])
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,count,positive,kwargs", [
    ("sgd", 3, (), dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=False, weight_decay=1e-2, first_step=False)),
    ("adam", 5, (3, 4), dict(step=3, lr=1e-2, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=1e-2, amsgrad=True,
                             maximize=False, decoupled_weight_decay=True)),
    ("rmsprop", 5, (2,), dict(lr=1e-2, alpha=0.9, eps=1e-8, weight_decay=1e-2, momentum=0.9, centered=False,
                              maximize=True)),
    ("adagrad", 3, (2,), dict(step=4, lr=1e-2, lr_decay=0.1, weight_decay=1e-2, eps=1e-10, maximize=False))])
def test_a_multi_tensor_step_is_the_single_step_on_every_tensor(name, count, positive, kwargs, dtype):
    """One call over the list leaves every array as one single-tensor call per array: the same loop,
    only the threads' split differs (which moves an element between the vector body and the
    scalar tail: a last-bit difference where the compiler fused a multiply-add in one of them)."""
    k = kernels.get("cpu")
    lists = _lists(np.random.default_rng(0), dtype, count, positive)
    singles = [[a.copy() for a in lst] for lst in lists]
    getattr(k, f"{name}_multi_step_")(*lists, **kwargs)
    for i in range(len(MULTI_SHAPES)):
        getattr(k, f"{name}_step_")(*[lst[i] for lst in singles], **kwargs)
    ulps = 4 * np.finfo(dtype).eps
    for got, want in zip(lists, singles):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=ulps, atol=ulps)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_a_state_list_the_step_needs_is_named_when_missing(backend):
    k = kernels.get(backend)
    p = [np.zeros(3, np.float32)]
    with pytest.raises(ValueError, match=r"sgd_multi_step_: argument 'momentum_buffers' is required when momentum != 0"):
        k.sgd_multi_step_(p, [p[0].copy()], None, lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"rmsprop_multi_step_: argument 'grad_avgs' is required when centered"):
        k.rmsprop_multi_step_(p, [p[0].copy()], [p[0].copy()], None, None, centered=True)
    with pytest.raises(ValueError, match=r"adam_multi_step_: argument 'max_exp_avg_sqs' is required with amsgrad"):
        k.adam_multi_step_(p, [p[0].copy()], [p[0].copy()], [p[0].copy()], None, amsgrad=True)
    with pytest.raises(TypeError, match=r"adagrad_multi_step_: argument 'state_sums' must be a list of arrays, got "
                                        r"ndarray"):
        k.adagrad_multi_step_(p, [p[0].copy()], p[0].copy())


def test_the_binding_checks_the_lists_itself():
    """_C is reachable without the Python checks: it checks lengths, dtypes, sizes and writability
    by list and index before it takes a pointer."""
    from i2dl import _C
    p = [np.zeros(3, np.float32), np.zeros(4, np.float32)]
    g = [a.copy() for a in p]
    kw = dict(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, first_step=False)
    with pytest.raises(ValueError, match=r"argument 'grads' must have 2 arrays \(one per parameter\), got 1"):
        _C.sgd_multi_step_(params=p, grads=g[:1], momentum_buffers=None, **kw)
    with pytest.raises(ValueError, match=r"argument 'grads\[1\]' must have shape \(4,\), got \(3,\)"):
        _C.sgd_multi_step_(params=p, grads=[g[0], np.zeros(3, np.float32)], momentum_buffers=None, **kw)
    with pytest.raises(ValueError, match=r"argument 'grads\[1\]' must have shape \(4,\), got \(2, 2\)"):
        _C.sgd_multi_step_(params=p, grads=[g[0], np.zeros((2, 2), np.float32)], momentum_buffers=None, **kw)
    with pytest.raises(TypeError, match=r"argument 'grads\[0\]' must have dtype float32"):
        _C.sgd_multi_step_(params=p, grads=[np.zeros(3), g[1]], momentum_buffers=None, **kw)
    ro = p[1].copy()
    ro.setflags(write=False)
    with pytest.raises(ValueError, match=r"'params\[1\]' must be writable"):
        _C.sgd_multi_step_(params=[p[0], ro], grads=g, momentum_buffers=None, **kw)
    with pytest.raises(ValueError, match=r"'momentum_buffers' is required when momentum != 0"):
        _C.sgd_multi_step_(params=p, grads=g, momentum_buffers=None, **{**kw, "momentum": 0.9})
    with pytest.raises(ValueError, match=r"'tensors\[1\]' must be writable"):
        _C.mul_multi_(tensors=[p[0], ro], factor=2.0)
    assert _C.total_norm(tensors=[p[0], ro], norm_type=2.0) == 0.0  # a reduction reads: read-only is fine


@pytest.mark.parametrize("backend", ["reference", "cpu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_total_norm_edges(backend, dtype):
    k = kernels.get(backend)
    assert k.total_norm([]) == 0.0
    assert k.total_norm([np.zeros(0, dtype), np.zeros((2, 0), dtype)]) == 0.0
    a = [np.full(70000, 3.0, dtype), np.full(5, 4.0, dtype)]
    assert k.total_norm(a, float("inf")) == 4.0
    assert k.total_norm(a, 1.0) == 70000 * 3.0 + 20.0
    assert k.total_norm(a, 2.0) == pytest.approx(np.sqrt(70000 * 9.0 + 80.0), rel=1e-12)
    for p in (1.0, 2.0, 3.0, float("inf")):  # NaN anywhere, for every order, even beside an inf
        b = [x.copy() for x in a]
        b[0][12345], b[1][0] = np.nan, np.inf
        assert np.isnan(k.total_norm(b, p))
    big = [np.full(4, np.finfo(dtype).max, dtype)]  # squares overflow the dtype, not float64
    assert np.isfinite(k.total_norm(big, 2.0)) or dtype == np.float64


def test_clip_grad_norm_groups_dtypes_and_takes_strided_gradients():
    torch = pytest.importorskip("torch")
    import i2dl.nn as nn
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((30, 40)).astype(np.float32), rng.standard_normal(50),
             rng.standard_normal((40, 30)).astype(np.float32).T]  # float64 beside float32; a transposed one
    for norm_type in (2.0, 1.0, float("inf")):
        ps = [nn.Parameter(np.zeros(g.shape, g.dtype)) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = g.copy() if g.flags.c_contiguous else g.copy().T.copy().T
        tps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for p, g in zip(tps, grads):
            p.grad = torch.tensor(g.astype(np.float64))
        total = nn.utils.clip_grad_norm_(ps, 1.5, norm_type)
        ttotal = torch.nn.utils.clip_grad_norm_(tps, 1.5, norm_type)
        assert float(total.item()) == pytest.approx(float(ttotal), rel=1e-6)
        for p, tp in zip(ps, tps):
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-5, atol=1e-7)
    ps[2].grad = grads[2].copy().T.copy().T * 10
    nn.utils.clip_grad_value_(ps, 0.5)
    assert not ps[2].grad.flags.c_contiguous and np.abs(ps[2].grad).max() == np.float32(0.5)
