"""One row per kernel family, in the spirit of PyTorch's OpInfo: the kernels' names, how to call
them, their dtypes and tolerances, a generator of sample inputs that covers the edge shapes, and
the family's own bad inputs. Every test family (cross-check per backend, numerical gradients,
bad input, non-contiguous input) and ``i2dl check`` iterate over ``REGISTRY``: adding a kernel
adds a row here, not test code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

import numpy as np

DTYPES = (np.float32, np.float64)
# relative-norm error ||got - want|| / ||want|| allowed against the float64 reference
TOLERANCE = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-10}


@dataclass
class Sample:
    """Float64 inputs by name (cast per dtype by the tests), keyword parameters, a description."""
    inputs: Dict[str, np.ndarray]
    params: Dict[str, object]
    desc: str
    # False where central differences cannot resolve the gradient (a loss of 1e4 leaves ~1e-6 of
    # the difference quotient's digits); such samples are still cross-checked against the reference
    numerically_checkable: bool = True


@dataclass
class BadInput:
    """A family-specific wrong call: ``mutate(inputs, params)`` returns the wrong arguments for
    ``stage`` ("forward" or "backward"); the call must raise ``error`` matching ``match``."""
    desc: str
    stage: str
    mutate: Callable[[dict, dict], Tuple[dict, dict]]
    error: type
    match: str


@dataclass
class KernelSpec:
    name: str
    forward: str
    backward: str
    samples: Callable[[np.random.Generator], List[Sample]]
    call_forward: Callable      # (k, inputs, params) -> (y, saved)
    backward_inputs: Callable   # (inputs, saved, dy) -> arrays the backward takes, by name
    call_backward: Callable     # (k, arrays, params) -> {input name: gradient}
    ranks: Dict[str, int]       # arrays whose rank is fixed: name -> ndim
    bad_inputs: Callable[[], List[BadInput]] = lambda: []
    dtypes: Tuple = DTYPES
    saved_is_exact: bool = False  # compare the saved state exactly across backends (argmax indices)
    backward_anchor: str = "x"    # the array whose dtype the backward's other arrays must share
    batched: Tuple[str, ...] = ("x",)  # inputs whose first dim is the batch: an empty batch is a valid call


def _rn(rng, *shape):
    return rng.standard_normal(shape)


# ---------------------------------------------------------------- conv2d
def _conv_sample(rng, n, c, h, w, o, kh, kw, stride=1, padding=0, dilation=1, groups=1, bias=True, desc=""):
    inputs = {"x": _rn(rng, n, c, h, w), "w": _rn(rng, o, c // groups, kh, kw) / np.sqrt(c // groups * kh * kw)}
    inputs["b"] = _rn(rng, o) if bias else None
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    params = dict(stride=pair(stride), padding=pair(padding), dilation=pair(dilation), groups=groups)
    return Sample(inputs, params, desc or f"x{(n, c, h, w)} w{(o, c // groups, kh, kw)} {params}")


def _conv_samples(rng):
    s = lambda *a, **k: _conv_sample(rng, *a, **k)
    return [
        s(2, 3, 8, 8, 4, 3, 3, desc="basic 3x3"),
        s(1, 1, 5, 5, 1, 3, 3, desc="batch 1, one channel"),
        s(3, 2, 7, 9, 5, 2, 3, stride=(2, 3), padding=(1, 0), desc="odd, non-square kernel, stride, padding"),
        s(2, 3, 9, 9, 2, 2, 2, stride=3, desc="stride > kernel"),
        s(2, 2, 9, 8, 3, 3, 3, padding=2, dilation=2, desc="dilation with padding"),
        s(2, 4, 6, 6, 6, 3, 3, padding=1, groups=2, desc="groups=2"),
        s(2, 4, 7, 7, 4, 3, 3, padding=1, groups=4, desc="depthwise"),
        s(2, 3, 6, 6, 6, 3, 1, padding=(1, 0), groups=3, desc="depthwise x2 multiplier, 3x1"),
        s(2, 3, 10, 9, 3, 3, 3, stride=2, padding=2, dilation=2, groups=3, bias=False,
          desc="depthwise, stride, dilation, no bias"),
        s(2, 5, 6, 7, 3, 1, 1, desc="1x1 pointwise"),
        s(1, 8, 24, 24, 4, 1, 1, desc="1x1 pointwise, one image (direct GEMM)"),
        s(2, 3, 5, 5, 4, 3, 3, bias=False, desc="no bias"),
        s(2, 2, 3, 3, 3, 3, 3, desc="output 1x1"),
        s(2, 2, 1, 4, 2, 1, 3, padding=(1, 0), desc="height 1 input"),
        s(3, 3, 32, 20, 4, 3, 3, padding=1, desc="few filters, rows of a vector: direct forward"),
        s(2, 4, 9, 40, 6, 3, 3, stride=(1, 2), padding=1, dilation=(2, 1), groups=2,
          desc="direct forward with groups, stride and dilation"),
        s(2, 16, 34, 34, 16, 3, 3, padding=1, desc="GEMM path, one image per block"),
        s(2, 3, 11, 11, 4, 5, 5, stride=2, padding=2, dilation=(1, 2), groups=1, desc="5x5 mixed"),
        s(2, 16, 9, 11, 16, 3, 3, padding=1, desc="Winograd F(2x2,3x3): odd output sizes (partial tiles)"),
        s(1, 17, 6, 7, 20, 3, 3, padding=0, bias=False, desc="Winograd, no padding, one image, no bias"),
        s(2, 16, 5, 4, 18, 3, 3, padding=(2, 1), desc="Winograd, padding (2, 1): input gradient with padding (0, 1)"),
        # the strided direct conv takes whole images per thread: 16 images keep it at up to 16 threads
        s(16, 16, 5, 27, 20, 3, 3, stride=2, padding=1, desc="strided direct: 3x3 stride 2, a partial vector"),
        s(16, 16, 4, 57, 24, 3, 3, stride=2, padding=1, desc="strided direct: rows of two vectors, one partial"),
        s(16, 18, 11, 40, 17, 2, 3, stride=(2, 3), padding=(0, 2), dilation=(2, 1), bias=False,
          desc="strided direct: stride 3 across, a phase without taps"),
        s(16, 16, 5, 28, 24, 1, 1, stride=2, desc="strided direct: 1x1 stride 2 (dx's odd phases stay zero)"),
    ]


def _conv_forward(k, a, p):
    return k.conv2d_forward(a["x"], a["w"], a["b"], **p), None


def _conv_backward(k, a, p):
    dx, dw, db = k.conv2d_backward(a["dy"], a["x"], a["w"], bias=a["has_bias"], **p)
    grads = {"x": dx, "w": dw}
    if a["has_bias"]:
        grads["b"] = db
    elif db is not None:
        raise AssertionError("conv2d_backward returned db although bias=False")
    return grads


def _conv_bad():
    def set_(**kv):
        def m(a, p):
            a, p = dict(a), dict(p)
            for key, v in kv.items():
                (a if key in a else p)[key] = v(a, p) if callable(v) else v
            return a, p
        return m
    return [
        BadInput("channels of w do not match x", "forward",
                 set_(w=lambda a, p: np.zeros((4, a["x"].shape[1] + 1, 3, 3), a["x"].dtype)), ValueError, r"'w'.*input channels"),
        BadInput("groups does not divide C_in", "forward", set_(groups=2), ValueError, r"'groups' \(2\) must divide"),
        BadInput("groups < 1", "forward", set_(groups=0), ValueError, r"'groups' must be >= 1"),
        BadInput("empty output", "forward", set_(padding=(0, 0), dilation=(5, 5)), ValueError, r"output would be empty"),
        BadInput("stride 0", "forward", set_(stride=(0, 1)), ValueError, r"'stride' must be >= 1"),
        BadInput("negative padding", "forward", set_(padding=(-1, 0)), ValueError, r"'padding' must be >= 0"),
        BadInput("stride not a pair", "forward", set_(stride="ab"), TypeError, r"'stride' must be an int or a pair"),
        BadInput("bias of wrong length", "forward",
                 set_(b=lambda a, p: np.zeros(a["w"].shape[0] + 1, a["x"].dtype)), ValueError, r"'b' must have shape"),
        BadInput("dy of wrong shape", "backward",
                 set_(dy=lambda a, p: np.zeros(a["dy"].shape[:3] + (a["dy"].shape[3] + 1,), a["dy"].dtype)),
                 ValueError, r"'dy' must have shape"),
    ]


CONV2D = KernelSpec(
    name="conv2d", forward="conv2d_forward", backward="conv2d_backward",
    samples=_conv_samples, call_forward=_conv_forward,
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x": a["x"], "w": a["w"], "has_bias": a["b"] is not None},
    call_backward=_conv_backward, ranks={"x": 4, "w": 4, "b": 1, "dy": 4}, bad_inputs=_conv_bad)


# ---------------------------------------------------------------- pooling
def _pool_samples(rng):
    def s(n, c, h, w, kernel, stride, padding, desc):
        return Sample({"x": _rn(rng, n, c, h, w)}, dict(kernel=kernel, stride=stride, padding=padding), desc)
    return [
        s(2, 3, 8, 8, (2, 2), (2, 2), (0, 0), "2x2 stride 2"),
        s(1, 1, 5, 5, (2, 2), (2, 2), (0, 0), "batch 1, one channel, odd size (floor)"),
        s(2, 2, 7, 9, (3, 3), (2, 2), (1, 1), "3x3 stride 2 padding 1 (overlapping)"),
        s(2, 2, 6, 7, (2, 3), (1, 2), (1, 1), "non-square kernel and stride"),
        s(2, 3, 9, 9, (2, 2), (3, 3), (0, 0), "stride > kernel"),
        s(3, 2, 4, 4, (4, 4), (4, 4), (0, 0), "window = image"),
        s(2, 2, 6, 6, (3, 3), None, (0, 0), "stride defaults to kernel"),
        s(2, 3, 9, 71, (2, 2), (2, 2), (0, 0), "2x2/2 with rows of 35 outputs (vector and tail), odd sizes"),
    ]


def _pool_bad():
    def set_(**kv):
        def m(a, p):
            return a, {**p, **kv}
        return m
    return [
        BadInput("padding over half the kernel", "forward", set_(padding=(2, 0), kernel=(2, 2)), ValueError, r"'padding' must be at most half"),
        BadInput("kernel larger than input", "forward", set_(kernel=(40, 2), padding=(0, 0)), ValueError, r"output would be empty"),
        BadInput("kernel 0", "forward", set_(kernel=(0, 2)), ValueError, r"'kernel' must be >= 1"),
    ]


def _max_bad():
    def m_idx(a, p):
        a = dict(a)
        a["idx"] = a["idx"].astype(np.int32)
        return a, p

    def m_range(a, p):
        a = dict(a)
        a["idx"] = np.full_like(a["idx"], 10 ** 6)
        return a, p

    def m_shape(a, p):
        return {**a, "x_shape": (a["x_shape"][0] + 1,) + tuple(a["x_shape"][1:])}, p
    return _pool_bad() + [
        BadInput("idx not int64", "backward", m_idx, TypeError, r"'idx' must have dtype int64"),
        BadInput("idx out of its plane", "backward", m_range, ValueError, r"'idx' holds indices outside"),
        BadInput("x_shape batch differs from dy", "backward", m_shape, ValueError, r"'x_shape'"),
    ]


MAX_POOL2D = KernelSpec(
    name="max_pool2d", forward="max_pool2d_forward", backward="max_pool2d_backward",
    samples=_pool_samples, call_forward=lambda k, a, p: k.max_pool2d_forward(a["x"], **p),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "idx": saved, "x_shape": a["x"].shape},
    call_backward=lambda k, a, p: {"x": k.max_pool2d_backward(a["dy"], a["idx"], a["x_shape"])},
    ranks={"x": 4, "dy": 4}, bad_inputs=_max_bad, saved_is_exact=True, backward_anchor="dy")


AVG_POOL2D = KernelSpec(
    name="avg_pool2d", forward="avg_pool2d_forward", backward="avg_pool2d_backward",
    samples=_pool_samples, call_forward=lambda k, a, p: (k.avg_pool2d_forward(a["x"], **p), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x_shape": a["x"].shape},
    call_backward=lambda k, a, p: {"x": k.avg_pool2d_backward(a["dy"], a["x_shape"], **p)},
    ranks={"x": 4, "dy": 4}, bad_inputs=_pool_bad, backward_anchor="dy")


def _gap_samples(rng):
    return [Sample({"x": _rn(rng, *shape)}, {}, f"x{shape}") for shape in
            [(2, 3, 4, 5), (1, 1, 1, 1), (3, 2, 7, 1), (2, 8, 16, 16)]]


GLOBAL_AVG_POOL2D = KernelSpec(
    name="global_avg_pool2d", forward="global_avg_pool2d_forward", backward="global_avg_pool2d_backward",
    samples=_gap_samples, call_forward=lambda k, a, p: (k.global_avg_pool2d_forward(a["x"]), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x_shape": a["x"].shape},
    call_backward=lambda k, a, p: {"x": k.global_avg_pool2d_backward(a["dy"], a["x_shape"])},
    ranks={"x": 4, "dy": 4}, backward_anchor="dy",
    bad_inputs=lambda: [BadInput("dy not (N, C, 1, 1)", "backward",
                                 lambda a, p: ({**a, "dy": np.zeros(a["x_shape"], a["dy"].dtype)}, p),
                                 ValueError, r"'dy' must have shape")])


# ---------------------------------------------------------------- linear
def _linear_samples(rng):
    def s(lead, k, n, bias=True, desc=""):
        return Sample({"x": _rn(rng, *lead, k), "w": _rn(rng, n, k) / np.sqrt(k), "b": _rn(rng, n) if bias else None},
                      {}, desc or f"x{lead + (k,)} -> {n}")
    return [s((4,), 7, 3), s((1,), 1, 1, desc="one row, one feature"), s((5,), 16, 9, bias=False, desc="no bias"),
            s((2, 3), 5, 4, desc="leading batch dims"), s((64,), 784, 256, desc="MLP layer"), s((3,), 8, 2)]


def _linear_backward(k, a, p):
    dx, dw, db = k.linear_backward(a["dy"], a["x"], a["w"], bias=a["has_bias"])
    grads = {"x": dx, "w": dw}
    if a["has_bias"]:
        grads["b"] = db
    return grads


LINEAR = KernelSpec(
    name="linear", forward="linear_forward", backward="linear_backward",
    samples=_linear_samples, call_forward=lambda k, a, p: (k.linear_forward(a["x"], a["w"], a["b"]), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x": a["x"], "w": a["w"], "has_bias": a["b"] is not None},
    call_backward=_linear_backward, ranks={"w": 2, "b": 1},
    bad_inputs=lambda: [
        BadInput("in_features mismatch", "forward",
                 lambda a, p: ({**a, "w": np.zeros((3, a["x"].shape[-1] + 2), a["x"].dtype)}, p), ValueError, r"'w' must have in_features"),
        BadInput("bias of wrong length", "forward",
                 lambda a, p: ({**a, "b": np.zeros(a["w"].shape[0] + 1, a["x"].dtype)}, p), ValueError, r"'b' must have shape"),
    ])


# ---------------------------------------------------------------- relu
def _relu_samples(rng):
    shapes = [(7,), (3, 5), (2, 3, 4, 5), (64, 6, 24, 24), (1,), (0, 3)]
    return [Sample({"x": _rn(rng, *s)}, {}, f"x{s}") for s in shapes]


RELU = KernelSpec(
    name="relu", forward="relu_forward", backward="relu_backward",
    samples=_relu_samples, call_forward=lambda k, a, p: (k.relu_forward(a["x"]), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "y": saved_y(a)},
    call_backward=lambda k, a, p: {"x": k.relu_backward(a["dy"], a["y"])},
    ranks={}, backward_anchor="y",
    bad_inputs=lambda: [BadInput("dy of another shape", "backward",
                                 lambda a, p: ({**a, "dy": a["dy"][..., :1] * 1}, p), ValueError, r"'dy' must have shape")])


# ---------------------------------------------------------------- cross-entropy
def _ce_samples(rng):
    def s(n, c, scale=1.0, desc=""):
        return Sample({"z": _rn(rng, n, c) * scale, "labels": rng.integers(0, c, n).astype(np.int64)}, {},
                      desc or f"z{(n, c)}", numerically_checkable=scale < 100)
    return [s(4, 3), s(64, 10, desc="LeNet's classifier, batch 64"), s(1, 1, desc="one class: loss 0"),
            s(3, 1000, desc="1000 classes"), s(6, 5, scale=1e4, desc="logits of +-1e4 (finite, exact gradient)"),
            s(0, 4, desc="empty batch")]


def _ce_bad():
    def labels(value):
        def m(a, p):
            return {**a, "labels": value(a["labels"])}, p
        return m
    return [BadInput(f"labels {what}", stage, labels(f), err, pattern) for stage in ("forward", "backward")
            for what, f, err, pattern in [
                ("out of range", lambda l: l + 1000, ValueError, r"'labels' holds labels outside"),
                ("negative", lambda l: l - 1000, ValueError, r"'labels' holds labels outside"),
                ("not int64", lambda l: l.astype(np.int32), TypeError, r"'labels' must have dtype int64"),
                ("of the wrong length", lambda l: l[:1], ValueError, r"'labels' must have shape")]]


CROSS_ENTROPY = KernelSpec(
    name="cross_entropy", forward="cross_entropy_forward", backward="cross_entropy_backward",
    samples=_ce_samples, call_forward=lambda k, a, p: (k.cross_entropy_forward(a["z"], a["labels"]), None),
    backward_inputs=lambda a, saved, dy: {"dloss": dy, "z": a["z"], "labels": a["labels"]},
    call_backward=lambda k, a, p: {"z": k.cross_entropy_backward(a["dloss"], a["z"], a["labels"])},
    ranks={"z": 2, "dloss": 1}, bad_inputs=_ce_bad, backward_anchor="z", batched=("z", "labels"))


def saved_y(a):
    """ReLU's backward takes its output; computed here from the input with the reference."""
    x = a["x"]
    if isinstance(x, np.ndarray):
        return np.ascontiguousarray(np.maximum(x, 0))
    return (x > 0) * x


REGISTRY: Tuple[KernelSpec, ...] = (CONV2D, MAX_POOL2D, AVG_POOL2D, GLOBAL_AVG_POOL2D, LINEAR, RELU, CROSS_ENTROPY)


# ---------------------------------------------------------------- in-place kernels (optimizer steps)
@dataclass
class InplaceSpec:
    """A kernel that updates some of its array arguments in place: ``call(k, arrays, params)``
    runs it; ``updated`` names the arrays it writes. Every backend must leave them as the reference
    does (relative-norm error within the tolerance), from the same dtype-rounded starting values."""
    name: str
    kernel: str
    samples: Callable[[np.random.Generator], List[Sample]]
    call: Callable
    updated: Tuple[str, ...]
    dtypes: Tuple = DTYPES


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
    call=lambda k, a, p: k.sgd_step_(a["param"], a["grad"], a["velocity"], **p), updated=("param", "velocity"))

INPLACE_REGISTRY: Tuple[InplaceSpec, ...] = (SGD_STEP,)


def by_name(name: str) -> KernelSpec:
    for spec in REGISTRY:
        if spec.name == name:
            return spec
    raise KeyError(name)


# ---------------------------------------------------------------- helpers shared by tests and `i2dl check`
def rel_error(got, want) -> float:
    """||got - want|| / ||want|| (absolute norm when want is all zeros)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return float("inf")
    denom = np.linalg.norm(want)
    diff = np.linalg.norm(got - want)
    return float(diff / denom) if denom > 0 else float(diff)


def cast_inputs(inputs: dict, dtype, to_device=None) -> dict:
    """Casts float arrays to ``dtype`` (and moves them with ``to_device``); other values pass."""
    out = {}
    for key, v in inputs.items():
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            v = np.ascontiguousarray(v, dtype=dtype)
        if isinstance(v, np.ndarray) and to_device is not None:
            v = to_device(v)
        out[key] = v
    return out


def to_numpy(a):
    if a is None or isinstance(a, np.ndarray):
        return a
    return a.get()  # CuPy


def cross_check(spec: KernelSpec, backend, sample: Sample, dtype, rng, to_device=None) -> Dict[str, float]:
    """Runs forward and backward on ``backend`` and on the float64 reference with the same
    (dtype-rounded) inputs; backward gets the reference's saved state and the same dy.
    Returns the relative error of every output, by name ("y", "saved", "dx", ...)."""
    from . import get
    ref = get("reference")
    rounded = cast_inputs(sample.inputs, dtype)               # the values the backend sees
    want_inputs = cast_inputs(rounded, np.float64)
    y_ref, saved_ref = spec.call_forward(ref, want_inputs, sample.params)
    inputs = cast_inputs(rounded, dtype, to_device)
    y, saved = spec.call_forward(backend, inputs, sample.params)
    errors = {"y": rel_error(to_numpy(y), y_ref)}
    if np.dtype(to_numpy(y).dtype) != np.dtype(dtype):
        errors["y"] = float("inf")
    if spec.saved_is_exact and saved_ref is not None:
        errors["saved"] = 0.0 if np.array_equal(to_numpy(saved), saved_ref) else float("inf")
    dy = rng.standard_normal(y_ref.shape)
    dy_rounded = dy.astype(dtype).astype(np.float64)
    g_ref = spec.call_backward(ref, spec.backward_inputs(want_inputs, saved_ref, dy_rounded), sample.params)
    saved_in = saved_ref if to_device is None or saved_ref is None else to_device(saved_ref)
    bw = spec.backward_inputs(inputs, saved_in, np.ascontiguousarray(dy_rounded, dtype=dtype) if to_device is None
                              else to_device(np.ascontiguousarray(dy_rounded, dtype=dtype)))
    grads = spec.call_backward(backend, bw, sample.params)
    for name, g in g_ref.items():
        got = to_numpy(grads.get(name))
        errors["d" + name] = rel_error(got, g) if got is not None and np.dtype(got.dtype) == np.dtype(dtype) else float("inf")
    return errors


def cross_check_inplace(spec: InplaceSpec, backend, sample: Sample, dtype, to_device=None) -> Dict[str, float]:
    """Runs an in-place kernel on ``backend`` (in ``dtype``) and on the float64 reference from the
    same rounded values; returns the relative error of every updated array."""
    from . import get
    rounded = {k: np.array(v, dtype=dtype) for k, v in sample.inputs.items()}      # fresh copies: both
    want = {k: v.astype(np.float64) for k, v in rounded.items()}                  # calls write in place
    got = {k: (to_device(v) if to_device else v.copy()) for k, v in rounded.items()}
    spec.call(get("reference"), want, sample.params)
    spec.call(backend, got, sample.params)
    errors = {}
    for name in spec.updated:
        g = to_numpy(got[name])
        errors[name] = rel_error(g, want[name]) if np.dtype(g.dtype) == np.dtype(dtype) else float("inf")
    return errors
