"""The in-place rows: optimizer steps."""
from __future__ import annotations

import numpy as np

from .core import BadInput, InplaceSpec, Sample, _rn


def _sgd_samples(rng):
    out = []
    shape = (300, 257)  # large enough for the threaded path, odd for the vector tails
    for momentum, dampening, nesterov, wd, first in [(0.0, 0.0, False, 0.0, False), (0.0, 0.0, False, 1e-2, False),
                                                     (0.9, 0.0, False, 0.0, True), (0.9, 0.0, False, 0.0, False),
                                                     (0.9, 0.1, False, 1e-2, False), (0.9, 0.0, True, 1e-2, False),
                                                     (0.9, 0.0, True, 0.0, True)]:
        arrays = {"param": _rn(rng, *shape), "grad": _rn(rng, *shape), "velocity": _rn(rng, *shape)}
        params = dict(lr=0.1, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=wd,
                      first_step=first)
        out.append(Sample(arrays, params, f"{params}"))
    out.append(Sample({"param": _rn(rng, 7), "grad": _rn(rng, 7), "velocity": _rn(rng, 7)},
                      dict(lr=0.5, momentum=0.5), "7 elements"))
    return out


SGD_STEP = InplaceSpec(
    name="sgd_step_", kernel="sgd_step_", samples=_sgd_samples,
    call=lambda k, a, p: k.sgd_step_(a["param"], a["grad"], a["velocity"], **p), updated=("param", "velocity"),
    full_sample=2,  # momentum 0.9: the velocity is read
    bad_inputs=lambda: [
        BadInput("momentum without a velocity", "call", lambda a, p: ({**a, "velocity": None}, {**p, "momentum": 0.9}),
                 ValueError, r"'velocity' is required when momentum != 0"),
        BadInput("lr a string", "call", lambda a, p: (a, {**p, "lr": "0.1"}), TypeError, r"'lr' must be a real number"),
        BadInput("nesterov not a bool", "call", lambda a, p: (a, {**p, "nesterov": 1}), TypeError,
                 r"'nesterov' must be a bool")])



def _adam_samples(rng):
    out = []
    shape = (300, 257)
    for step, wd, amsgrad, maximize, decoupled in [(1, 0.0, False, False, False), (10, 0.0, False, False, False),
                                                   (3, 1e-2, False, False, False), (3, 1e-2, False, False, True),
                                                   (5, 0.0, True, False, False), (2, 1e-2, True, True, True),
                                                   (1000, 0.0, False, True, False)]:
        arrays = {"param": _rn(rng, *shape), "grad": _rn(rng, *shape), "exp_avg": 0.1 * _rn(rng, *shape),
                  "exp_avg_sq": rng.random(shape), "max_exp_avg_sq": rng.random(shape)}
        params = dict(step=step, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=wd, amsgrad=amsgrad,
                      maximize=maximize, decoupled_weight_decay=decoupled)
        out.append(Sample(arrays, params, f"{params}"))
    out.append(Sample({"param": _rn(rng, 7), "grad": _rn(rng, 7), "exp_avg": np.zeros(7), "exp_avg_sq": np.zeros(7),
                       "max_exp_avg_sq": np.zeros(7)}, dict(step=1, lr=0.1), "7 elements, zero state (the first step)"))
    return out


ADAM_STEP = InplaceSpec(
    name="adam_step_", kernel="adam_step_", samples=_adam_samples,
    call=lambda k, a, p: k.adam_step_(a["param"], a["grad"], a["exp_avg"], a["exp_avg_sq"], a["max_exp_avg_sq"], **p),
    updated=("param", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    full_sample=4,  # amsgrad: max_exp_avg_sq is read
    bad_inputs=lambda: [
        BadInput("amsgrad without max_exp_avg_sq", "call", lambda a, p: ({**a, "max_exp_avg_sq": None}, p),
                 ValueError, r"'max_exp_avg_sq' is required"),
        BadInput("beta1 of 1", "call", lambda a, p: (a, {**p, "beta1": 1.0}), ValueError,
                 r"'beta1' must be in \[0, 1\), got 1.0"),
        BadInput("step 0", "call", lambda a, p: (a, {**p, "step": 0}), ValueError, r"'step' must be >= 1"),
        BadInput("amsgrad not a bool", "call", lambda a, p: (a, {**p, "amsgrad": 1}), TypeError,
                 r"'amsgrad' must be a bool")])


_MULTI_LISTS = ("params", "grads", "exp_avgs", "exp_avg_sqs", "max_exp_avg_sqs")
_MULTI_SHAPES = [(300, 257), (7,), (1000,), (64, 65)]  # a thread's chunk straddles tensors


def _adam_multi_samples(rng):
    out = []
    for step, wd, amsgrad, decoupled in [(1, 0.0, False, False), (4, 1e-2, True, False), (3, 1e-2, True, True)]:
        arrays = {}
        for i, shape in enumerate(_MULTI_SHAPES):
            arrays.update({f"params[{i}]": _rn(rng, *shape), f"grads[{i}]": _rn(rng, *shape),
                           f"exp_avgs[{i}]": 0.1 * _rn(rng, *shape), f"exp_avg_sqs[{i}]": rng.random(shape),
                           f"max_exp_avg_sqs[{i}]": rng.random(shape)})
        params = dict(step=step, lr=1e-2, weight_decay=wd, amsgrad=amsgrad, decoupled_weight_decay=decoupled)
        out.append(Sample(arrays, params, f"{len(_MULTI_SHAPES)} tensors, {params}"))
    return out


def _lists(a):
    return [[a[f"{name}[{i}]"] for i in range(len(_MULTI_SHAPES))] for name in _MULTI_LISTS]


ADAM_MULTI_STEP = InplaceSpec(
    name="adam_multi_step_", kernel="adam_multi_step_", samples=_adam_multi_samples,
    call=lambda k, a, p: k.adam_multi_step_(*_lists(a), **p),
    updated=tuple(f"{name}[{i}]" for name in ("params", "exp_avgs", "exp_avg_sqs", "max_exp_avg_sqs")
                  for i in range(len(_MULTI_SHAPES))),
    full_sample=1,  # amsgrad: every list is read
    shape_from=tuple(f"params[{i}]" for i in range(len(_MULTI_SHAPES))),
    bad_inputs=lambda: [
        BadInput("step 0", "call", lambda a, p: (a, {**p, "step": 0}), ValueError, r"'step' must be >= 1"),
        BadInput("beta2 negative", "call", lambda a, p: (a, {**p, "beta2": -0.1}), ValueError, r"'beta2' must be >= 0")])


def _rmsprop_samples(rng):
    out = []
    shape = (300, 257)
    for wd, momentum, centered, maximize in [(0.0, 0.0, False, False), (1e-2, 0.0, False, False),
                                             (0.0, 0.9, False, False), (0.0, 0.0, True, False),
                                             (1e-2, 0.9, True, True)]:
        arrays = {"param": _rn(rng, *shape), "grad": _rn(rng, *shape), "square_avg": rng.random(shape) + 1.0,
                  "grad_avg": 0.1 * _rn(rng, *shape), "momentum_buffer": 0.1 * _rn(rng, *shape)}
        params = dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=wd, momentum=momentum, centered=centered,
                      maximize=maximize)
        out.append(Sample(arrays, params, f"{params}"))
    return out


RMSPROP_STEP = InplaceSpec(
    name="rmsprop_step_", kernel="rmsprop_step_", samples=_rmsprop_samples,
    call=lambda k, a, p: k.rmsprop_step_(a["param"], a["grad"], a["square_avg"], a["grad_avg"], a["momentum_buffer"],
                                         **p),
    updated=("param", "square_avg", "grad_avg", "momentum_buffer"),
    full_sample=4,  # centered with momentum: every array is read
    bad_inputs=lambda: [
        BadInput("centered without grad_avg", "call", lambda a, p: ({**a, "grad_avg": None}, p), ValueError,
                 r"'grad_avg' is required"),
        BadInput("alpha a string", "call", lambda a, p: (a, {**p, "alpha": "0.9"}), TypeError,
                 r"'alpha' must be a real number")])


def _adagrad_samples(rng):
    out = []
    shape = (300, 257)
    for step, lr_decay, wd, maximize in [(1, 0.0, 0.0, False), (5, 0.1, 0.0, False), (3, 0.0, 1e-2, True)]:
        arrays = {"param": _rn(rng, *shape), "grad": _rn(rng, *shape), "state_sum": rng.random(shape)}
        params = dict(step=step, lr=1e-2, lr_decay=lr_decay, weight_decay=wd, eps=1e-10, maximize=maximize)
        out.append(Sample(arrays, params, f"{params}"))
    return out


ADAGRAD_STEP = InplaceSpec(
    name="adagrad_step_", kernel="adagrad_step_", samples=_adagrad_samples,
    call=lambda k, a, p: k.adagrad_step_(a["param"], a["grad"], a["state_sum"], **p),
    updated=("param", "state_sum"),
    bad_inputs=lambda: [
        BadInput("step 0", "call", lambda a, p: (a, {**p, "step": 0}), ValueError, r"'step' must be >= 1"),
        BadInput("lr_decay negative", "call", lambda a, p: (a, {**p, "lr_decay": -1.0}), ValueError,
                 r"'lr_decay' must be >= 0")])


# The other multi-tensor steps: the single-tensor rows' choices on the lists of _MULTI_SHAPES.
def _multi_arrays(rng, lists):
    """{"name[i]": array}: for each tensor of _MULTI_SHAPES one array per list, drawn by ``lists``
    ({name: draw(rng, shape)})."""
    return {f"{name}[{i}]": draw(rng, shape) for i, shape in enumerate(_MULTI_SHAPES) for name, draw in lists.items()}


def _normal(rng, shape):
    return rng.standard_normal(shape)


def _small(rng, shape):
    return 0.1 * rng.standard_normal(shape)


def _positive(rng, shape):  # above _small's squares: s - a^2 of centered RMSprop stays positive
    return rng.random(shape) + 1.0


def _list_of(a, name):
    return [a[f"{name}[{i}]"] for i in range(len(_MULTI_SHAPES))]


def _multi_spec(name, lists, configs, call_lists, updated, full_sample, bad_inputs, returns=False):
    """The row of ``<name>``: every config of ``configs`` on fresh arrays of ``lists``; ``call_lists``
    the list names in the kernel's argument order; ``updated`` the lists it writes."""
    def samples(rng):
        return [Sample(_multi_arrays(rng, lists), dict(p), f"{len(_MULTI_SHAPES)} tensors, {p}") for p in configs]
    return InplaceSpec(
        name=name, kernel=name, samples=samples,
        call=lambda k, a, p: getattr(k, name)(*[_list_of(a, n) for n in call_lists], **p),
        updated=tuple(f"{n}[{i}]" for n in updated for i in range(len(_MULTI_SHAPES))), full_sample=full_sample,
        shape_from=tuple(f"{call_lists[0]}[{i}]" for i in range(len(_MULTI_SHAPES))), bad_inputs=bad_inputs,
        returns=returns)


SGD_MULTI_STEP = _multi_spec(
    "sgd_multi_step_", {"params": _normal, "grads": _normal, "momentum_buffers": _normal},
    [dict(lr=0.1), dict(lr=0.1, momentum=0.9, weight_decay=1e-2), dict(lr=0.1, momentum=0.9, first_step=True),
     dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2)],
    ("params", "grads", "momentum_buffers"), ("params", "momentum_buffers"), 1,
    lambda: [BadInput("nesterov not a bool", "call", lambda a, p: (a, {**p, "nesterov": 1}), TypeError,
                      r"'nesterov' must be a bool")])

RMSPROP_MULTI_STEP = _multi_spec(
    "rmsprop_multi_step_", {"params": _normal, "grads": _normal, "square_avgs": _positive, "grad_avgs": _small,
                            "momentum_buffers": _small},
    [dict(lr=1e-2), dict(lr=1e-2, weight_decay=1e-2, momentum=0.9, centered=True, maximize=True),
     dict(lr=1e-2, alpha=0.9, centered=True)],
    ("params", "grads", "square_avgs", "grad_avgs", "momentum_buffers"),
    ("params", "square_avgs", "grad_avgs", "momentum_buffers"), 1,
    lambda: [BadInput("alpha a string", "call", lambda a, p: (a, {**p, "alpha": "0.9"}), TypeError,
                      r"'alpha' must be a real number")])

ADAGRAD_MULTI_STEP = _multi_spec(
    "adagrad_multi_step_", {"params": _normal, "grads": _normal, "state_sums": _positive},
    [dict(step=1, lr=1e-2), dict(step=5, lr=1e-2, lr_decay=0.1, weight_decay=1e-2, maximize=True)],
    ("params", "grads", "state_sums"), ("params", "state_sums"), 0,
    lambda: [BadInput("step 0", "call", lambda a, p: (a, {**p, "step": 0}), ValueError, r"'step' must be >= 1")])


def _one_list(name, configs, returns=False, bad_inputs=lambda: []):
    """The row of a kernel on one list of arrays (``tensors``): a reduction (``returns``) or an
    in-place update of every array."""
    return _multi_spec(name, {"tensors": _normal}, configs, ("tensors",), () if returns else ("tensors",), 0,
                       bad_inputs, returns)


TOTAL_NORM = _one_list(
    "total_norm", [dict(norm_type=2.0), dict(norm_type=1.0), dict(norm_type=float("inf")), dict(norm_type=3.0),
                   dict(norm_type=0.5)], returns=True,
    bad_inputs=lambda: [BadInput("norm_type 0", "call", lambda a, p: (a, {**p, "norm_type": 0}), ValueError,
                                 r"'norm_type' must be > 0 \(or inf\), got 0"),
                        BadInput("norm_type a string", "call", lambda a, p: (a, {**p, "norm_type": "2"}), TypeError,
                                 r"'norm_type' must be a real number")])

MUL_MULTI = _one_list("mul_multi_", [dict(factor=0.25), dict(factor=-3.0)])

CLAMP_MULTI = _one_list(
    "clamp_multi_", [dict(min=-0.5, max=0.5), dict(min=0.0, max=0.0)],
    bad_inputs=lambda: [BadInput("min above max", "call", lambda a, p: (a, {**p, "min": 1.0, "max": 0.0}), ValueError,
                                 r"'min' must be <= max"),
                        BadInput("min NaN", "call", lambda a, p: (a, {**p, "min": float("nan")}), ValueError,
                                 r"'min' must be a number, got nan")])
