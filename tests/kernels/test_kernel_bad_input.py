"""Bad input, for every registered kernel and every backend: wrong dtype, wrong rank and
non-contiguous arrays (derived from a valid sample), plus each family's own wrong calls. Each
must raise TypeError/ValueError whose message names the argument."""
import re

import numpy as np
import pytest

from i2dl import kernels
from i2dl.kernels.registry import INPLACE_REGISTRY, REGISTRY, cast_inputs

from conftest import ALL_BACKENDS, device_mover


def _xp(a):
    if isinstance(a, np.ndarray):
        return np
    import cupy
    return cupy


def non_contiguous(a):
    """The same values as a strided view (every other element along the first axis longer than 1)."""
    xp = _xp(a)
    axis = next((i for i, n in enumerate(a.shape) if n > 1), None)
    if axis is None:
        return None
    view = xp.repeat(a, 2, axis=axis)[(slice(None),) * axis + (slice(None, None, 2),)]
    assert not view.flags.c_contiguous
    return view


def _stage_arrays(spec, backend, sample, dtype=np.float64):
    """(forward inputs, backward arrays) on the backend's device, from a valid forward pass."""
    move = device_mover(backend)
    k = kernels.get(backend)
    inputs = cast_inputs(sample.inputs, dtype, move)
    y, saved = spec.call_forward(k, inputs, sample.params)
    dy = np.random.default_rng(0).standard_normal(tuple(y.shape)).astype(dtype)
    return k, inputs, spec.backward_inputs(inputs, saved, move(dy) if move else dy)


def _call(spec, k, stage, arrays, params):
    if stage == "forward":
        return spec.call_forward(k, arrays, params)
    return spec.call_backward(k, arrays, params)


def _generic_cases():
    cases = []
    for spec in REGISTRY:
        for stage in ("forward", "backward"):
            for kind in ("dtype", "rank", "noncontiguous"):
                if kind == "rank" and not spec.ranks:
                    continue  # every rank is valid (elementwise kernels)
                cases.append((spec, stage, kind))
    return cases


GENERIC = _generic_cases()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("spec,stage,kind", GENERIC, ids=[f"{s.name}-{st}-{k}" for s, st, k in GENERIC])
def test_generic_bad_input(spec, stage, kind, backend):
    sample = spec.samples(np.random.default_rng(0))[0]
    k, fw, bw = _stage_arrays(spec, backend, sample)
    arrays = fw if stage == "forward" else bw
    tried = 0
    for name, a in arrays.items():
        if not hasattr(a, "dtype") or a.dtype.kind != "f":
            continue
        if kind == "dtype":
            bad, err, pattern = a.astype(np.int32), TypeError, rf"'{name}' must have dtype"
        elif kind == "rank":
            if name not in spec.ranks:
                continue
            bad, err, pattern = a[None], ValueError, rf"'{name}' must be {spec.ranks[name]}-D"
        else:
            bad, err, pattern = non_contiguous(a), ValueError, rf"'{name}' must be C-contiguous"
            if bad is None:
                continue
        tried += 1
        with pytest.raises(err, match=pattern):
            _call(spec, k, stage, {**arrays, name: bad}, sample.params)
    assert tried > 0


def test_float_dtypes_must_agree():
    cpu = kernels.get("cpu")
    x = np.zeros((1, 2, 5, 5), np.float32)
    w = np.zeros((3, 2, 3, 3), np.float64)
    with pytest.raises(TypeError, match=r"conv2d_forward: argument 'w' must have dtype float32 \(the dtype of 'x'\), got float64"):
        cpu.conv2d_forward(x, w, None)
    with pytest.raises(TypeError, match=r"linear_forward: argument 'w' must have dtype float32"):
        cpu.linear_forward(np.zeros((2, 3), np.float32), np.zeros((4, 3)), None)


def test_non_array_is_a_type_error():
    cpu = kernels.get("cpu")
    with pytest.raises(TypeError, match=r"max_pool2d_forward: argument 'x' must be an array, got builtins.list"):
        cpu.max_pool2d_forward([[1.0]], 2)


SPECIFIC = [(spec, bad) for spec in REGISTRY for bad in spec.bad_inputs()]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("spec,bad", SPECIFIC, ids=[f"{s.name}-{b.desc}" for s, b in SPECIFIC])
def test_specific_bad_input(spec, bad, backend):
    sample = spec.samples(np.random.default_rng(0))[0]
    k, fw, bw = _stage_arrays(spec, backend, sample)
    arrays, params = bad.mutate(fw if bad.stage == "forward" else bw, sample.params)
    move = device_mover(backend)
    if move:
        arrays = {n: move(a) if isinstance(a, np.ndarray) else a for n, a in arrays.items()}
    with pytest.raises(bad.error, match=bad.match):
        _call(spec, k, bad.stage, arrays, params)


def test_messages_name_kernel_argument_expected_and_actual():
    ref = kernels.get("reference")
    x = np.zeros((1, 3, 4, 4))
    with pytest.raises(ValueError) as info:
        ref.conv2d_forward(x, np.zeros((2, 3, 7, 7)), None)
    msg = str(info.value)
    assert msg.startswith("conv2d_forward:") and "(1, 3, 4, 4)" in msg and "(7, 7)" in msg and re.search("empty", msg)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
@pytest.mark.parametrize("x_shape,error,pattern", [
    ((2, 3, float("nan"), 4), TypeError, r"'x_shape' must be a tuple of 4 ints"),
    ((2, 3, "8", 8), TypeError, r"'x_shape' must be a tuple of 4 ints"),
    ((2, 3, 8.0, 8), TypeError, r"'x_shape' must be a tuple of 4 ints"),
    (None, TypeError, r"'x_shape' must be a tuple of 4 ints"),
    ((2, 3, 2 ** 40, 2 ** 40), ValueError, r"'x_shape' \(2, 3, 1099511627776, 1099511627776\) is too large"),
    ((2, 3, -1, 8), ValueError, r"'x_shape' must be 4 non-negative ints"),
])
def test_x_shape_is_checked_before_anything_is_allocated(backend, x_shape, error, pattern):
    k = kernels.get(backend)
    dy = np.zeros((2, 3, 1, 1))
    for call in (lambda: k.global_avg_pool2d_backward(dy, x_shape),
                 lambda: k.avg_pool2d_backward(np.zeros((2, 3, 4, 4)), x_shape, kernel=(2, 2)),
                 lambda: k.max_pool2d_backward(np.zeros((2, 3, 4, 4)), np.zeros((2, 3, 4, 4), np.int64), x_shape)):
        with pytest.raises(error, match=pattern):
            call()


INPLACE_KINDS = [(spec, kind) for spec in INPLACE_REGISTRY for kind in ("dtype", "noncontiguous", "shape", "read-only")]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("spec,kind", INPLACE_KINDS, ids=[f"{s.name}-{k}" for s, k in INPLACE_KINDS])
def test_inplace_generic_bad_input(spec, kind, backend):
    """The in-place kernels (optimizer steps) get the same generic family: every float array of a
    valid sample with the wrong dtype, strided, of another shape (all but the first, which sets the
    shape) and, for the arrays the kernel writes, read-only."""
    sample = spec.samples(np.random.default_rng(0))[spec.full_sample]
    move = device_mover(backend)
    k = kernels.get(backend)
    tried = 0
    for i, name in enumerate(sample.inputs):
        arrays = cast_inputs(sample.inputs, np.float64, move)
        a = arrays[name]
        quoted = re.escape(f"'{name}'")  # names such as params[0]
        if kind == "dtype":
            bad, err, pattern = a.astype(np.int32), TypeError, rf"{quoted} must have dtype"
        elif kind == "noncontiguous":
            bad, err, pattern = non_contiguous(a), ValueError, rf"{quoted} must be C-contiguous"
        elif kind == "shape":
            if name in (spec.shape_from or tuple(sample.inputs)[:1]):
                continue
            bad, err, pattern = a.reshape(-1)[:-1].copy(), ValueError, rf"{quoted} must have shape"
        else:
            if name not in spec.updated or move is not None:  # CuPy arrays cannot be made read-only
                continue
            bad = a.copy()
            bad.setflags(write=False)
            err, pattern = ValueError, rf"{quoted} must be writable"
        if bad is None:
            continue
        tried += 1
        with pytest.raises(err, match=pattern):
            spec.call(k, {**arrays, name: bad}, sample.params)
    # a kind may have no array to try: nothing written (a reduction), every shape its own (one list)
    none_to_try = ((kind == "read-only" and (move is not None or not spec.updated))
                   or (kind == "shape" and set(sample.inputs) <= set(spec.shape_from)))
    assert tried > 0 or none_to_try


INPLACE_SPECIFIC = [(spec, bad) for spec in INPLACE_REGISTRY for bad in spec.bad_inputs()]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
@pytest.mark.parametrize("spec,bad", INPLACE_SPECIFIC, ids=[f"{s.name}-{b.desc}" for s, b in INPLACE_SPECIFIC])
def test_inplace_specific_bad_input(spec, bad, backend):
    sample = spec.samples(np.random.default_rng(0))[spec.full_sample]
    arrays, params = bad.mutate(cast_inputs(sample.inputs, np.float64, device_mover(backend)), sample.params)
    with pytest.raises(bad.error, match=bad.match):
        spec.call(kernels.get(backend), arrays, params)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_multi_tensor_lists_of_other_lengths_are_named(backend):
    k = kernels.get(backend)
    p = [np.zeros(3, np.float32), np.zeros(2, np.float32)]
    with pytest.raises(ValueError, match=r"adam_multi_step_: argument 'exp_avgs' must have 2 arrays \(one per "
                                         r"parameter\), got 1"):
        k.adam_multi_step_(p, [a.copy() for a in p], [p[0].copy()], [a.copy() for a in p])
    with pytest.raises(TypeError, match=r"adam_multi_step_: argument 'grads\[1\]' must have dtype float32"):
        k.adam_multi_step_(p, [p[0].copy(), np.zeros(2)], [a.copy() for a in p], [a.copy() for a in p])
