"""The normalization rows: batch norm (its running statistics updated in place and compared like
an optimizer step's state), group norm (instance norm at G = C, with running statistics) and
layer norm."""
from __future__ import annotations

import numpy as np

from .core import BadInput, KernelSpec, Sample, _rn


def _set(**kv):
    def m(a, p):
        return a, {**p, **kv}
    return m


def _drop(*names):
    def m(a, p):
        return {k: v for k, v in a.items() if k not in names}, p
    return m


def _affine(rng, C, shape=None):
    shape = (C,) if shape is None else shape
    return {"weight": _rn(rng, *shape), "bias": _rn(rng, *shape)}


def _running(rng, C):
    return {"running_mean": _rn(rng, C), "running_var": rng.random(C) + 0.5}


# ------------------------------------------------------------------------------------------ batch norm

def _bn_samples(rng):
    def s(shape, desc, training=True, momentum=0.1, affine=True, running=True, x=None, checkable=True):
        C = shape[1]
        inputs = {"x": _rn(rng, *shape) if x is None else x(shape)}
        inputs.update(_affine(rng, C) if affine else {})
        inputs.update(_running(rng, C) if running else {})
        return Sample(inputs, dict(training=training, momentum=momentum, eps=1e-5), desc, checkable)
    return [
        s((4, 3, 5, 6), "2d, training"),
        s((1, 3, 4, 5), "batch 1, H*W > 1"),
        s((5, 1, 3, 3), "one channel"),
        s((7, 5), "1d (N, C), odd sizes"),
        s((9, 70), "1d (N, C), a block of 64 channels and a tail of 6"),
        s((3, 4, 7), "1d (N, C, L)"),
        s((4, 3, 5, 6), "eval: the running statistics", training=False),
        s((7, 5), "eval, 1d", training=False),
        s((4, 3, 5, 6), "affine off", affine=False),
        s((4, 3, 5, 6), "no running statistics", running=False),
        s((4, 3, 5, 6), "momentum 1/3 (the cumulative average at the third batch)", momentum=1 / 3),
        s((4, 3, 5, 6), "constant input (variance 0)", x=lambda sh: np.full(sh, 3.0)),
        s((6, 4), "constant input, 1d", x=lambda sh: np.full(sh, -2.0)),
        s((8, 3, 6, 6), "mean 1e4, sigma 1", x=lambda sh: 1e4 + rng.standard_normal(sh), checkable=False),
        s((64, 70), "mean 1e4, sigma 1, 1d", x=lambda sh: 1e4 + rng.standard_normal(sh), checkable=False),
        s((3, 2, 300), "1d (N, C, L), runs longer than a chunk (the per-channel path)"),
        s((4, 2, 200), "mean 1e4, sigma 1, per-channel path", x=lambda sh: 1e4 + rng.standard_normal(sh),
          checkable=False),
        s((3, 2, 200), "eval, per-channel path", training=False),
        s((2, 35, 4, 4), "planes of 16 (whole vectors): a block of 32 channels and a tail of 3"),
        s((20, 3, 16), "planes of 16 over images past a flush of the vector sums",
          x=lambda sh: 1e4 + rng.standard_normal(sh), checkable=False),
    ]


def _bn_call(k, a, p):
    y, mean, invstd = k.batch_norm_forward(a["x"], a.get("running_mean"), a.get("running_var"), a.get("weight"),
                                           a.get("bias"), **p)
    return y, (mean, invstd)


def _bn_backward(k, a, p):
    dx, dweight, dbias = k.batch_norm_backward(a["dy"], a["x"], a["mean"], a["invstd"], a.get("weight"),
                                               training=p["training"])
    return {"x": dx, **({"weight": dweight, "bias": dbias} if "weight" in a else {})}


def _bn_bad():
    def one_value(a, p):
        return {**a, "x": a["x"][:1, :, :1, :1].copy()}, p
    return [
        BadInput("one value per channel in training", "forward", one_value, ValueError,
                 r"expected more than 1 value per channel when training"),
        BadInput("eval without running statistics", "forward",
                 lambda a, p: (_drop("running_mean", "running_var")(a, p)[0], {**p, "training": False}),
                 ValueError, r"'running_mean' and 'running_var' are required when training is False"),
        BadInput("running_var alone", "forward", _drop("running_mean"), ValueError,
                 r"'running_mean' and 'running_var' must both be arrays or both be None"),
        BadInput("weight of another length", "forward", lambda a, p: ({**a, "weight": a["weight"][:1].copy()}, p),
                 ValueError, r"'weight' must have shape \(3,\)"),
        BadInput("momentum a string", "forward", _set(momentum="0.1"), TypeError, r"'momentum' must be a real number"),
        BadInput("eps negative", "forward", _set(eps=-1.0), ValueError, r"'eps' must be >= 0"),
        BadInput("training not a bool", "forward", _set(training=1), TypeError, r"'training' must be a bool"),
        BadInput("invstd of another length", "backward", lambda a, p: ({**a, "invstd": a["invstd"][:2].copy()}, p),
                 ValueError, r"'invstd' must have shape \(3,\)"),
    ]


BATCH_NORM = KernelSpec(
    name="batch_norm", forward="batch_norm_forward", backward="batch_norm_backward", samples=_bn_samples,
    call_forward=_bn_call,
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x": a["x"], "mean": saved[0], "invstd": saved[1],
                                          **({"weight": a["weight"]} if "weight" in a else {})},
    call_backward=_bn_backward,
    ranks={"weight": 1, "bias": 1, "running_mean": 1, "running_var": 1, "mean": 1, "invstd": 1},
    bad_inputs=_bn_bad, compare_saved=True, updated=("running_mean", "running_var"))


# ------------------------------------------------------------------------------------------ group norm

def _gn_samples(rng):
    def s(shape, G, desc, affine=True, running=False, x=None, checkable=True, momentum=0.1):
        C = shape[1]
        inputs = {"x": _rn(rng, *shape) if x is None else x(shape)}
        inputs.update(_affine(rng, C) if affine else {})
        inputs.update(_running(rng, G) if running else {})
        return Sample(inputs, dict(num_groups=G, eps=1e-5, momentum=momentum), desc, checkable)
    return [
        s((2, 6, 4, 5), 3, "3 groups of 2 channels"),
        s((1, 4, 3, 3), 1, "G = 1 (layer norm over (C, H, W)), batch 1"),
        s((3, 5, 7), 5, "G = C (instance norm), odd sizes"),
        s((2, 4, 6, 6), 4, "instance norm with running statistics", running=True),
        s((3, 6), 2, "no spatial dims (S = 1)"),
        s((2, 6, 4, 5), 3, "affine off", affine=False),
        s((2, 4, 3, 3), 2, "constant input (variance 0)", x=lambda sh: np.full(sh, 1.5)),
        s((4, 4, 8, 8), 2, "mean 1e4, sigma 1", x=lambda sh: 1e4 + rng.standard_normal(sh), checkable=False),
        s((2, 1, 300), 1, "one channel, runs longer than a chunk"),
    ]


def _gn_call(k, a, p):
    y, mean, invstd = k.group_norm_forward(a["x"], p["num_groups"], a.get("weight"), a.get("bias"), p["eps"],
                                           a.get("running_mean"), a.get("running_var"), p["momentum"])
    return y, (mean, invstd)


def _gn_backward(k, a, p):
    dx, dweight, dbias = k.group_norm_backward(a["dy"], a["x"], a["mean"], a["invstd"], p["num_groups"],
                                               a.get("weight"))
    return {"x": dx, **({"weight": dweight, "bias": dbias} if "weight" in a else {})}


GROUP_NORM = KernelSpec(
    name="group_norm", forward="group_norm_forward", backward="group_norm_backward", samples=_gn_samples,
    call_forward=_gn_call,
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x": a["x"], "mean": saved[0], "invstd": saved[1],
                                          **({"weight": a["weight"]} if "weight" in a else {})},
    call_backward=_gn_backward,
    ranks={"weight": 1, "bias": 1, "mean": 2, "invstd": 2},
    bad_inputs=lambda: [
        BadInput("groups not dividing C", "forward", _set(num_groups=4), ValueError,
                 r"'num_groups' must divide the 6 channels of 'x', got 4"),
        BadInput("groups 0", "forward", _set(num_groups=0), ValueError, r"'num_groups' must be >= 1"),
        BadInput("groups a float", "backward", _set(num_groups=3.0), TypeError, r"'num_groups' must be an int"),
        BadInput("mean of another shape", "backward", lambda a, p: ({**a, "mean": a["mean"][:, :1].copy()}, p),
                 ValueError, r"'mean' must have shape \(2, 3\)")],
    compare_saved=True, updated=("running_mean", "running_var"))


# ------------------------------------------------------------------------------------------ layer norm

def _ln_samples(rng):
    def s(shape, k, desc, affine=True, x=None, checkable=True):
        ns = tuple(shape[len(shape) - k:])
        inputs = {"x": _rn(rng, *shape) if x is None else x(shape)}
        inputs.update(_affine(rng, None, ns) if affine else {})
        return Sample(inputs, dict(normalized_shape=ns, eps=1e-5), desc, checkable)
    return [
        s((4, 7), 1, "rows of 7"),
        s((2, 3, 5, 6), 2, "over the last two dims"),
        s((3, 300), 1, "rows longer than a chunk"),
        s((5,), 1, "one row, no leading dims"),
        s((4, 7), 1, "affine off", affine=False),
        s((3, 6), 1, "constant input (variance 0)", x=lambda sh: np.full(sh, 7.0)),
        s((16, 64), 1, "mean 1e4, sigma 1", x=lambda sh: 1e4 + rng.standard_normal(sh), checkable=False),
        s((2, 3, 4), 3, "over every dim"),
    ]


def _ln_call(k, a, p):
    y, mean, invstd = k.layer_norm_forward(a["x"], p["normalized_shape"], a.get("weight"), a.get("bias"), p["eps"])
    return y, (mean, invstd)


def _ln_backward(k, a, p):
    dx, dweight, dbias = k.layer_norm_backward(a["dy"], a["x"], a["mean"], a["invstd"], p["normalized_shape"],
                                               a.get("weight"))
    return {"x": dx, **({"weight": dweight, "bias": dbias} if "weight" in a else {})}


LAYER_NORM = KernelSpec(
    name="layer_norm", forward="layer_norm_forward", backward="layer_norm_backward", samples=_ln_samples,
    call_forward=_ln_call,
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x": a["x"], "mean": saved[0], "invstd": saved[1],
                                          **({"weight": a["weight"]} if "weight" in a else {})},
    call_backward=_ln_backward,
    ranks={"weight": 1, "bias": 1, "mean": 1, "invstd": 1},  # as in the first sample (rows of 7)
    bad_inputs=lambda: [
        BadInput("normalized_shape not trailing", "forward", _set(normalized_shape=(3,)), ValueError,
                 r"'normalized_shape' must be the trailing dims of 'x' \(4, 7\), got \(3,\)"),
        BadInput("normalized_shape a float", "forward", _set(normalized_shape=7.0), TypeError,
                 r"'normalized_shape' must be an int or a tuple of ints"),
        BadInput("weight of another shape", "forward", lambda a, p: ({**a, "weight": a["weight"][:3].copy()}, p),
                 ValueError, r"'weight' must have shape \(7,\)")],
    compare_saved=True)
