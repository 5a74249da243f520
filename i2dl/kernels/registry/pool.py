"""The pooling rows: max, average and global average pooling."""
from __future__ import annotations

import numpy as np

from .core import BadInput, KernelSpec, Sample, _rn


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


def _ceil(sample, desc, **extra):
    return Sample(sample.inputs, {**sample.params, **extra}, f"{sample.desc}, {desc}")


def _max_pool_samples(rng):
    """The shared samples, then max pooling's own parameters: ceil mode (GoogLeNet's 3x3/2 pools
    hang past odd inputs) and dilation."""
    base = _pool_samples(rng)
    return base + [
        _ceil(base[1], "ceil mode (the last window hangs past the input)", ceil_mode=True),
        _ceil(base[2], "ceil mode with padding", ceil_mode=True),
        Sample({"x": _rn(rng, 2, 2, 11, 10)}, dict(kernel=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 3)),
               "dilation (2, 3)"),
        Sample({"x": _rn(rng, 1, 2, 10, 10)}, dict(kernel=(3, 3), stride=(2, 2), padding=(0, 0), dilation=(2, 2),
                                                   ceil_mode=True), "dilation with ceil mode"),
        Sample({"x": _rn(rng, 2, 3, 9, 9)}, dict(kernel=(3, 3), stride=(2, 2), padding=(0, 0), ceil_mode=True),
               "3x3/2 ceil mode (GoogLeNet's pools)"),
    ]


def _avg_pool_samples(rng):
    """The shared samples, then average pooling's own parameters: ceil mode (an overhang past the
    padding does not count in the divisor), count_include_pad=False, divisor_override."""
    base = _pool_samples(rng)
    return base + [
        _ceil(base[1], "ceil mode", ceil_mode=True),
        _ceil(base[2], "ceil mode with padding (divisor cut at the padding)", ceil_mode=True),
        _ceil(base[2], "count_include_pad=False", count_include_pad=False),
        _ceil(base[2], "ceil mode, count_include_pad=False", ceil_mode=True, count_include_pad=False),
        _ceil(base[3], "divisor_override=5", divisor_override=5),
        _ceil(base[0], "2x2/2 with divisor_override=3 (not the fast path's 4)", divisor_override=3),
    ]


def _set(**kv):
    def m(a, p):
        return a, {**p, **kv}
    return m


def _pool_bad():
    set_ = _set
    return [
        BadInput("padding over half the kernel", "forward", set_(padding=(2, 0), kernel=(2, 2)), ValueError, r"'padding' must be at most half"),
        BadInput("kernel larger than input", "forward", set_(kernel=(40, 2), padding=(0, 0)), ValueError, r"output would be empty"),
        BadInput("kernel 0", "forward", set_(kernel=(0, 2)), ValueError, r"'kernel' must be >= 1"),
    ]


def _avg_bad():
    return _pool_bad() + [
        BadInput("divisor_override 0", "forward", _set(divisor_override=0), ValueError,
                 r"'divisor_override' must be >= 1"),
        BadInput("count_include_pad not a bool", "forward", _set(count_include_pad=0), TypeError,
                 r"'count_include_pad' must be a bool")]


def _max_bad():
    set_ = _set

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
        BadInput("dilation 0", "forward", set_(dilation=(0, 1)), ValueError, r"'dilation' must be >= 1"),
        BadInput("ceil_mode not a bool", "forward", set_(ceil_mode=1), TypeError, r"'ceil_mode' must be a bool"),
        BadInput("idx not int64", "backward", m_idx, TypeError, r"'idx' must have dtype int64"),
        BadInput("idx out of its plane", "backward", m_range, ValueError, r"'idx' holds indices outside"),
        BadInput("x_shape batch differs from dy", "backward", m_shape, ValueError, r"'x_shape'"),
    ]


MAX_POOL2D = KernelSpec(
    name="max_pool2d", forward="max_pool2d_forward", backward="max_pool2d_backward",
    samples=_max_pool_samples, call_forward=lambda k, a, p: k.max_pool2d_forward(a["x"], **p),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "idx": saved, "x_shape": a["x"].shape},
    call_backward=lambda k, a, p: {"x": k.max_pool2d_backward(a["dy"], a["idx"], a["x_shape"])},
    ranks={"x": 4, "dy": 4}, bad_inputs=_max_bad, saved_is_exact=True, backward_anchor="dy")


AVG_POOL2D = KernelSpec(
    name="avg_pool2d", forward="avg_pool2d_forward", backward="avg_pool2d_backward",
    samples=_avg_pool_samples, call_forward=lambda k, a, p: (k.avg_pool2d_forward(a["x"], **p), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x_shape": a["x"].shape},
    call_backward=lambda k, a, p: {"x": k.avg_pool2d_backward(a["dy"], a["x_shape"], **p)},
    ranks={"x": 4, "dy": 4}, bad_inputs=_avg_bad, backward_anchor="dy")


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


def _adaptive_samples(rng):
    def s(shape, out, desc):
        return Sample({"x": _rn(rng, *shape)}, {"output_size": out}, desc)
    return [s((2, 3, 7, 5), (3, 2), "bins of unequal sizes (7 -> 3, 5 -> 2)"), s((2, 2, 6, 6), (1, 1), "global"),
            s((1, 2, 2, 3), (7, 7), "more outputs than inputs (VGG's 7x7 on a 2x3 map)"),
            s((2, 3, 8, 8), (4, 4), "even 2x2 bins"), s((2, 2, 5, 9), (5, None), "None keeps the height"),
            s((0, 3, 4, 4), (2, 2), "empty batch")]


ADAPTIVE_AVG_POOL2D = KernelSpec(
    name="adaptive_avg_pool2d", forward="adaptive_avg_pool2d_forward", backward="adaptive_avg_pool2d_backward",
    samples=_adaptive_samples, call_forward=lambda k, a, p: (k.adaptive_avg_pool2d_forward(a["x"], **p), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x_shape": a["x"].shape},
    call_backward=lambda k, a, p: {"x": k.adaptive_avg_pool2d_backward(a["dy"], a["x_shape"])},
    ranks={"x": 4, "dy": 4}, backward_anchor="dy",
    bad_inputs=lambda: [
        BadInput("output_size 0", "forward", lambda a, p: (a, {"output_size": (0, 2)}), ValueError,
                 r"argument 'output_size' must give 1 to 2\*\*31 - 1 outputs per side"),
        BadInput("output_size a string", "forward", lambda a, p: (a, {"output_size": "7"}), TypeError,
                 r"argument 'output_size' must be an int, None or a pair"),
        BadInput("dy of other channels", "backward", lambda a, p: ({**a, "dy": a["dy"][:, :1].copy()}, p),
                 ValueError, r"argument 'dy' must have the batch and channels of 'x_shape'")])



def _adaptive_max_bad():
    def m_range(a, p):
        return {**a, "idx": np.full_like(a["idx"], 10 ** 6)}, p
    return [
        BadInput("output_size 0", "forward", lambda a, p: (a, {"output_size": (0, 2)}), ValueError,
                 r"argument 'output_size' must give 1 to 2\*\*31 - 1 outputs per side"),
        BadInput("idx out of its plane", "backward", m_range, ValueError,
                 r"adaptive_max_pool2d_backward: argument 'idx' holds indices outside")]


ADAPTIVE_MAX_POOL2D = KernelSpec(
    name="adaptive_max_pool2d", forward="adaptive_max_pool2d_forward", backward="adaptive_max_pool2d_backward",
    samples=lambda rng: _adaptive_samples(rng) + [
        Sample({"x": np.repeat(_rn(rng, 2, 2, 1, 6), 4, axis=2)}, {"output_size": (2, 3)},
               "ties: equal rows (the first maximum wins)", numerically_checkable=False)],
    call_forward=lambda k, a, p: k.adaptive_max_pool2d_forward(a["x"], **p),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "idx": saved, "x_shape": a["x"].shape},
    call_backward=lambda k, a, p: {"x": k.adaptive_max_pool2d_backward(a["dy"], a["idx"], a["x_shape"])},
    ranks={"x": 4, "dy": 4}, bad_inputs=_adaptive_max_bad, saved_is_exact=True, backward_anchor="dy")



def _unpool_samples(rng):
    """Indices from non-overlapping max pools (no repeats: the numerical gradient sees every input)."""
    from ..reference import max_pool2d_forward
    out = []
    for shape, k, size, desc in [((2, 3, 8, 8), 2, (8, 8), "2x2 pools of 8x8"),
                                 ((1, 2, 9, 7), 3, (9, 7), "3x3 pools, floor mode left a margin"),
                                 ((2, 2, 5, 5), 2, (6, 6), "ceil-mode pools: the output one stride larger"),
                                 ((0, 3, 4, 4), 2, (4, 4), "empty batch")]:
        src = _rn(rng, *shape)
        pooled, idx = max_pool2d_forward(src, (k, k), (k, k), (0, 0), ceil_mode=size[0] > shape[2])
        out.append(Sample({"x": pooled, "idx": idx}, {"output_size": size}, desc))
    return out


MAX_UNPOOL2D = KernelSpec(
    name="max_unpool2d", forward="max_unpool2d_forward", backward="max_unpool2d_backward",
    samples=_unpool_samples, call_forward=lambda k, a, p: (k.max_unpool2d_forward(a["x"], a["idx"], **p), None),
    backward_inputs=lambda a, saved, dy: {"dy": dy, "idx": a["idx"]},
    call_backward=lambda k, a, p: {"x": k.max_unpool2d_backward(a["dy"], a["idx"])},
    ranks={"x": 4, "dy": 4}, backward_anchor="dy",
    bad_inputs=lambda: [
        BadInput("an index outside the output plane", "forward",
                 lambda a, p: ({**a, "idx": np.full_like(a["idx"], 10 ** 6)}, p), ValueError,
                 r"max_unpool2d_forward: argument 'idx' holds positions outside"),
        BadInput("idx not int64", "forward", lambda a, p: ({**a, "idx": a["idx"].astype(np.int32)}, p), TypeError,
                 r"'idx' must have dtype int64"),
        BadInput("output_size 0", "forward", lambda a, p: (a, {"output_size": (0, 4)}), ValueError,
                 r"'output_size' must be >= 1"),
        BadInput("an index outside dy's plane", "backward",
                 lambda a, p: ({**a, "idx": np.full_like(a["idx"], 10 ** 6)}, p), ValueError,
                 r"max_unpool2d_backward: argument 'idx' holds positions outside")])
