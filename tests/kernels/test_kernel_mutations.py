"""The mutation family: every registered kernel, on every backend, called with arguments mutated
from its registry samples — extreme parameter values, values of the wrong type, empty batches,
NaN and +-inf in every input (on every algorithm path the samples reach), and thread counts.

The rule, for each call: either every backend accepts it and gives the reference's result (NaN
and +-inf at the same positions, finite values within the dtype's tolerance), or every backend
rejects it with the same exception type and message, naming an argument. A crash, a result that
differs from the reference, or a backend that disagrees with another is a failure. New kernels
get all of this from their registry row.
"""
import re

import numpy as np
import pytest

import i2dl
from i2dl import kernels
from i2dl.kernels.registry import INPLACE_REGISTRY, REGISTRY, TOLERANCE, cast_inputs, to_numpy

from conftest import device_mover

# Integers at the edges of what the kernels could compute with: 0 and -1 (below every minimum),
# int32's limit (BLAS sizes), int64's limit and beyond (what reaches C++ must fit in 64 bits).
EXTREME_INTS = (0, -1, 2 ** 31, 2 ** 62, 2 ** 63 - 1, 2 ** 64)
WRONG_TYPES = (2.5, "1", True, (1,), (1, 2, 3), None)
WRONG_SCALARS = ("0.1", [0.1], None, True)
NON_FINITE = (np.inf, -np.inf, np.nan)
NAMES_AN_ARGUMENT = re.compile(r"argument '\w+'")
ERRORS = (TypeError, ValueError, IndexError, KeyError, MemoryError)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's 'invalid value' on the NaN inputs


def _run(spec, backend, inputs, params, dtype, dy_seed=1, dy_value=None):
    """Forward and backward of ``spec`` on ``backend``; every output as a NumPy array, by name.
    dy is drawn from ``dy_seed`` (the same on every backend; not 0, the seed the registry draws its
    samples from: dy = x would make a normalization's dx cancel to rounding); ``dy_value`` replaces
    its first entry."""
    k, move = kernels.get(backend), device_mover(backend)
    arrays = cast_inputs(inputs, dtype, move)
    y, saved = spec.call_forward(k, arrays, params)
    out = {"y": to_numpy(y)}
    if spec.saved_is_exact and saved is not None:
        out["saved"] = to_numpy(saved)
    if spec.compare_saved:
        out.update({f"saved[{i}]": to_numpy(s) for i, s in enumerate(saved)})
    out.update({name: to_numpy(arrays[name]) for name in spec.updated if name in arrays})  # updated in place
    dy = np.random.default_rng(dy_seed).standard_normal(tuple(y.shape)).astype(dtype)
    if dy_value is not None and dy.size:
        dy.flat[0] = dy_value
    grads = spec.call_backward(k, spec.backward_inputs(arrays, saved, move(dy) if move else dy), params)
    out.update({"d" + name: to_numpy(g) for name, g in grads.items() if g is not None})
    return out


def _outcome(call):
    try:
        return "ok", call()
    except ERRORS as e:
        return "error", (type(e).__name__, str(e))


def mismatch(got, want, dtype) -> str:
    """'' when ``got`` has ``want``'s shape and dtype, its NaN and +-inf at the same positions and
    its finite values within tolerance; else what differs."""
    if got.dtype != want.dtype and want.dtype.kind == "f" and got.dtype != np.dtype(dtype):
        return f"dtype {got.dtype}, want {dtype}"
    if got.shape != want.shape:
        return f"shape {got.shape}, want {want.shape}"
    if got.dtype.kind != "f":
        return "" if np.array_equal(got, want) else "integer outputs differ"
    g, w = got.astype(np.float64), want.astype(np.float64)
    for name, mask in (("NaN", np.isnan), ("+inf", np.isposinf), ("-inf", np.isneginf)):
        if not np.array_equal(mask(g), mask(w)):
            return f"{name} at {int(mask(g).sum())} positions, the reference at {int(mask(w).sum())}"
    finite = np.isfinite(w)
    if not finite.any():
        return ""
    denom = np.linalg.norm(w[finite])
    err = np.linalg.norm(g[finite] - w[finite]) / (denom if denom > 0 else 1.0)
    return "" if err <= 10 * TOLERANCE[np.dtype(dtype)] else f"relative error {err:.2e}"


def check_rule(outcomes: dict, dtype) -> list:
    """The family's rule over {backend: outcome}; returns what breaks it."""
    problems = []
    kind, ref = outcomes["reference"]
    for backend, (k2, got) in outcomes.items():
        if backend == "reference":
            if kind == "error" and not NAMES_AN_ARGUMENT.search(ref[1]) and ref[0] != "MemoryError":
                problems.append(f"reference: {ref[0]} names no argument: {ref[1]}")
            continue
        if kind != k2:
            problems.append(f"{backend}: {k2} {got if k2 == 'error' else ''} where the reference gives {kind} "
                            f"{ref if kind == 'error' else ''}")
        elif kind == "error" and got != ref and not (got[0] == ref[0] and (backend == "cuda" or got[0] == "MemoryError")):
            problems.append(f"{backend}: {got}, the reference {ref}")
        elif kind == "ok":
            for name, want in ref.items():
                if name not in got:
                    problems.append(f"{backend}: no output {name}")
                    continue
                why = mismatch(got[name], want, dtype)
                if why:
                    problems.append(f"{backend}: {name}: {why}")
    return problems


def _backends():
    from i2dl.kernels import cuda
    return ["reference", "cpu"] + (["cuda"] if cuda.why_unavailable() is None else [])


def _judge(spec, cases, dtype=np.float64):
    """Runs every (description, inputs, params, dy_value) case on every backend; returns the failures."""
    failures = []
    for desc, inputs, params, dy_value in cases:
        outcomes = {b: _outcome(lambda b=b: _run(spec, b, inputs, params, dtype, dy_value=dy_value))
                    for b in _backends()}
        failures += [f"{spec.name} [{desc}] {dtype.__name__}: {p}" for p in check_rule(outcomes, dtype)]
    return failures


def _int_like(v):
    ints = lambda t: all(isinstance(i, int) and not isinstance(i, bool) for i in t)
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, tuple) and len(v) == 2 and ints(v))


def param_cases(spec, samples):
    """Every integer parameter (or pair) of every sample at the extremes, in both places of a pair;
    the first sample also with values of the wrong type."""
    cases = []
    for i, sample in enumerate(samples):
        for key, value in sample.params.items():
            if not (_int_like(value) or value is None):
                continue
            variants = [v for e in EXTREME_INTS for v in ((e, 1), (1, e))] if isinstance(value, tuple) else list(EXTREME_INTS)
            if i == 0:
                variants += list(WRONG_TYPES)
            for v in variants:
                if v is value:
                    continue
                cases.append((f"{sample.desc}: {key}={v!r}", sample.inputs, {**sample.params, key: v}, None))
    return cases


def non_finite_cases(spec, samples, rng):
    """NaN, +inf and -inf, one at a time, at a random position of every float input and of dy."""
    cases = []
    for sample in samples:
        for name, a in sample.inputs.items():
            if not isinstance(a, np.ndarray) or a.dtype.kind != "f" or a.size == 0:
                continue
            for v in NON_FINITE:
                bad = a.copy()
                bad.flat[rng.integers(a.size)] = v
                cases.append((f"{sample.desc}: {v} in {name}", {**sample.inputs, name: bad}, sample.params, None))
        for v in NON_FINITE:
            cases.append((f"{sample.desc}: {v} in dy", sample.inputs, sample.params, v))
    return cases


def empty_batch_cases(spec, samples):
    cases = []
    for sample in samples:
        if not all(isinstance(sample.inputs.get(n), np.ndarray) for n in spec.batched):
            continue
        inputs = {**sample.inputs, **{n: sample.inputs[n][:0] for n in spec.batched}}
        cases.append((f"{sample.desc}: empty batch", inputs, sample.params, None))
    return cases


def _report(failures):
    assert not failures, f"{len(failures)} calls break the rule:\n" + "\n".join(failures[:25])


@pytest.mark.parametrize("spec", REGISTRY, ids=[s.name for s in REGISTRY])
def test_extreme_and_mistyped_parameters(spec):
    samples = spec.samples(np.random.default_rng(0))
    _report(_judge(spec, param_cases(spec, samples)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", REGISTRY, ids=[s.name for s in REGISTRY])
def test_non_finite_values_land_where_the_reference_puts_them(spec, dtype):
    samples = spec.samples(np.random.default_rng(0))
    _report(_judge(spec, non_finite_cases(spec, samples, np.random.default_rng(1)), dtype))


@pytest.mark.parametrize("spec", REGISTRY, ids=[s.name for s in REGISTRY])
def test_empty_batches(spec):
    samples = spec.samples(np.random.default_rng(0))
    _report(_judge(spec, empty_batch_cases(spec, samples)))


@pytest.mark.parametrize("threads", [1, 2, 3, 16, 64])
@pytest.mark.parametrize("spec", REGISTRY, ids=[s.name for s in REGISTRY])
def test_every_thread_count(spec, threads):
    samples = spec.samples(np.random.default_rng(0))
    before = i2dl.get_num_threads()
    i2dl.set_num_threads(threads)
    try:
        failures = _judge(spec, [(f"{s.desc}, {threads} threads", s.inputs, s.params, None) for s in samples], np.float32)
    finally:
        i2dl.set_num_threads(before)
    _report(failures)


# ---------------------------------------------------------------- in-place kernels
def _run_inplace(spec, backend, inputs, params, dtype):
    k, move = kernels.get(backend), device_mover(backend)
    arrays = {n: (move(np.array(a, dtype=dtype)) if move else np.array(a, dtype=dtype)) for n, a in inputs.items()}
    result = spec.call(k, arrays, params)
    out = {n: to_numpy(arrays[n]) for n in spec.updated}
    if spec.returns:
        out["result"] = np.asarray(result, dtype=np.float64)
    return out


def _inplace_cases(spec, rng):
    samples = spec.samples(np.random.default_rng(0))
    cases = []
    for sample in samples[:3] + samples[-1:]:
        for key, value in sample.params.items():
            bad = WRONG_SCALARS + ((1, "yes") if isinstance(value, bool) else (np.nan, np.inf, -1.0))
            cases += [(f"{sample.desc}: {key}={v!r}", sample.inputs, {**sample.params, key: v}) for v in bad]
        for name, a in sample.inputs.items():
            for v in NON_FINITE:
                arr = a.copy()
                arr.flat[rng.integers(a.size)] = v
                cases.append((f"{sample.desc}: {v} in {name}", {**sample.inputs, name: arr}, sample.params))
    return cases


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", INPLACE_REGISTRY, ids=[s.name for s in INPLACE_REGISTRY])
def test_inplace_kernels_mutated(spec, dtype):
    failures = []
    for desc, inputs, params in _inplace_cases(spec, np.random.default_rng(2)):
        outcomes = {b: _outcome(lambda b=b: _run_inplace(spec, b, inputs, params, dtype)) for b in _backends()}
        failures += [f"{spec.name} [{desc}]: {p}" for p in check_rule(outcomes, dtype)]
    _report(failures)


def test_the_rule_catches_a_wrong_kernel(monkeypatch):
    """The family is only as good as its comparison: a cpu kernel that turns an inf into NaN, one
    that accepts what the reference refuses, and one with another message all break the rule."""
    from i2dl.kernels import cpu
    spec = next(s for s in REGISTRY if s.name == "relu")
    sample = spec.samples(np.random.default_rng(0))[1]
    inputs = {**sample.inputs, "x": sample.inputs["x"].copy()}
    inputs["x"].flat[0] = np.inf
    real = cpu.relu_forward
    monkeypatch.setattr(cpu, "relu_forward", lambda x: np.where(np.isinf(real(x)), np.nan, real(x)).astype(x.dtype))
    assert _judge(spec, [("inf", inputs, {}, None)])
    monkeypatch.setattr(cpu, "relu_forward", real)
    assert not _judge(spec, [("inf", inputs, {}, None)])
    outcomes = {"reference": ("error", ("ValueError", "f: argument 'x' bad")), "cpu": ("ok", {})}
    assert check_rule(outcomes, np.float64)
    outcomes = {"reference": ("error", ("ValueError", "f: argument 'x' bad")), "cpu": ("error", ("ValueError", "other"))}
    assert check_rule(outcomes, np.float64)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_empty_batch_gradients_are_zeros_not_leftovers(backend):
    """With no image, no block of work runs: the weight and bias gradients must still be written
    (as zeros), not left as whatever memory np.empty handed out (poisoned here with NaN first)."""
    k = kernels.get(backend)
    for xs, ws, stride in [((0, 16, 5, 27), (20, 16, 3, 3), 2), ((0, 3, 8, 8), (4, 3, 3, 3), 1), ((0, 4, 7, 7), (4, 1, 3, 3), 1)]:
        groups = xs[1] // ws[1]
        for _ in range(8):
            poison = np.full(int(np.prod(ws)), np.nan)
            del poison
        x, w = np.zeros(xs), np.ones(ws)
        y = k.conv2d_forward(x, w, None, stride=stride, groups=groups)
        dx, dw, db = k.conv2d_backward(np.zeros(y.shape), x, w, stride=stride, groups=groups)
        assert dx.shape == xs and np.all(dw == 0) and np.all(db == 0)
