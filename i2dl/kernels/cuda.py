"""The ``cuda`` backend: CUDA kernels (``i2dl._C_cuda``) on CuPy arrays; GEMMs through cuBLAS
via CuPy. Every kernel launches on CuPy's current stream and every launch is checked.

Same names and signatures as :mod:`i2dl.kernels.reference`. Convolution lowers a bounded block
of images at a time to columns (``im2col`` kernel), multiplies with one batched cuBLAS GEMM and
takes the adjoint with a gathering ``col2im`` kernel (no atomics, deterministic). 1x1 stride-1
convs multiply x itself (no im2col); depthwise convs (one input channel per group) run direct
kernels (``csrc/cuda/conv2d_depthwise.cu``) instead of one tiny GEMM per channel.
Importing this module needs neither CuPy nor a GPU; calling a kernel does.
"""
from __future__ import annotations

import functools
import importlib
import math
import sys as _sys

from . import checks as _checks
from . import compose as _compose
from . import reference as _reference
from .checks import (check_avg_pool2d_backward, check_avg_pool2d_forward, check_conv2d_backward, check_conv2d_forward,
                     check_cross_entropy_backward, check_cross_entropy_forward, check_global_avg_pool2d_backward,
                     check_global_avg_pool2d_forward, check_linear_backward, check_linear_forward,
                     check_max_pool2d_backward, check_max_pool2d_forward,
                     check_sgd_step_)

NAME = "cuda"
_COLUMN_BUDGET = 1 << 26  # elements of the column buffer per block of images


def _module():
    try:
        return importlib.import_module("i2dl._C_cuda")
    except ImportError as e:  # built without nvcc
        raise RuntimeError("i2dl was built without its CUDA module (no nvcc at build time); "
                           "rebuild with I2DL_CUDA=ON on a machine with the CUDA toolkit") from e


def _cupy():
    try:
        import cupy
    except ImportError as e:
        raise RuntimeError("the cuda backend needs CuPy: pip install cupy-cuda12x (or the wheel matching "
                           "your CUDA)") from e
    return cupy


def is_built() -> bool:
    return importlib.util.find_spec("i2dl._C_cuda") is not None


def why_unavailable():
    """None when kernels can run here, else the reason."""
    if not is_built():
        return "i2dl was built without the CUDA module (nvcc was not found at build time)"
    try:
        import cupy  # noqa: F401
    except ImportError:
        return "CuPy is not installed (pip install cupy-cuda12x)"
    n, why = _module().device_count()
    if n <= 0:
        return f"no usable CUDA device: {why}"
    return None


def is_available() -> bool:
    return why_unavailable() is None


def _ctx(x):
    cp = _cupy()
    if not isinstance(x, cp.ndarray):
        raise TypeError(f"cuda kernels take cupy.ndarray, got {type(x).__module__}.{type(x).__name__}")
    return cp, _module(), cp.cuda.get_current_stream().ptr, str(x.dtype)


def _ptr(a):
    return 0 if a is None else a.data.ptr  # a device pointer, 0 for an absent array


def _require_cupy(fn, name, a):
    cp = _cupy()
    if not isinstance(a, cp.ndarray):
        raise TypeError(f"{fn}: argument '{name}' must be a cupy.ndarray (the cuda backend), "
                        f"got {type(a).__module__}.{type(a).__name__}")


def _image_blocks(g):
    per_image = (g.C // g.groups) * g.KH * g.KW * g.OH * g.OW
    count = max(1, min(g.N, _COLUMN_BUDGET // max(per_image, 1)))
    for n0 in range(0, g.N, count):
        yield n0, min(count, g.N - n0)


def _shape(m, g):
    """The checks' geometry (a Conv2dGeometry or Pool2dGeometry) as the module's bound struct of the same
    field names (Conv2dShape / Pool2dShape): built by name, never by position."""
    return (m.Conv2dShape if hasattr(g, "groups") else m.Pool2dShape)(**g._asdict())


CONV_PATHS = ("depthwise", "pointwise", "im2col")


def conv2d_path(g) -> str:
    """The path the GPU convolution of geometry ``g`` takes, forward and backward (the very function
    conv2d_forward and conv2d_backward switch on): "depthwise" (direct kernels), "pointwise" (x is the
    column matrix: one batched GEMM) or "im2col" (columns per block of images, GEMMs by cuBLAS)."""
    if _is_depthwise(g):
        return "depthwise"
    return "pointwise" if _is_pointwise(g) else "im2col"


def _is_depthwise(g):
    """One input channel per group: the direct kernels beat 'groups' tiny GEMMs."""
    return g.groups > 1 and g.C == g.groups


def _is_pointwise(g):
    """A 1x1 stride-1 unpadded conv with one group: x itself is the column matrix."""
    return g.groups == 1 and g.KH == g.KW == 1 and g.SH == g.SW == 1 and g.PH == g.PW == 0


def conv2d_forward(x, w, b, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    fn = "conv2d_forward"
    _require_cupy(fn, "x", x)
    g = check_conv2d_forward(x, w, b, stride, padding, dilation, groups)
    cp, m, stream, dt = _ctx(x)
    Og, K, P = g.O // g.groups, (g.C // g.groups) * g.KH * g.KW, g.OH * g.OW
    path = conv2d_path(g)
    if path == "depthwise":
        y = cp.empty(g.out_shape, dtype=x.dtype)
        m.conv2d_direct_forward(dt, _shape(m, g), x.data.ptr, w.data.ptr, 0 if b is None else b.data.ptr, y.data.ptr,
                                stream)
        return y
    if path == "pointwise":
        y = cp.matmul(w.reshape(g.O, g.C), x.reshape(g.N, g.C, P)).reshape(g.out_shape)   # (O, C) @ (N, C, P)
    else:
        y = cp.empty(g.out_shape, dtype=x.dtype)
        yv = y.reshape(g.N, g.groups, Og, P)
        wg = w.reshape(g.groups, Og, K)
        for n0, count in _image_blocks(g):
            col = cp.empty((count, K, P), dtype=x.dtype)
            for grp in range(g.groups):
                m.im2col(dt, _shape(m, g), x.data.ptr, grp, n0, count, col.data.ptr, stream)
                yv[n0:n0 + count, grp] = cp.matmul(wg[grp], col)      # (Og, K) @ (count, K, P)
    if b is not None:
        m.add_channel_bias(dt, g.N, g.O, P, b.data.ptr, y.data.ptr, stream)
    return y


def conv2d_backward(dy, x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=True,
                    input_grad=True):
    fn = "conv2d_backward"
    _require_cupy(fn, "x", x)
    g = check_conv2d_backward(dy, x, w, stride, padding, dilation, groups)
    cp, m, stream, dt = _ctx(x)
    Og, K, P = g.O // g.groups, (g.C // g.groups) * g.KH * g.KW, g.OH * g.OW
    db = dy.sum(axis=(0, 2, 3)) if bias else None
    path = conv2d_path(g)
    if path == "depthwise":
        dx = cp.empty_like(x) if input_grad else None
        dw = cp.empty_like(w)
        m.conv2d_direct_backward_weight(dt, _shape(m, g), dy.data.ptr, x.data.ptr, dw.data.ptr, stream)
        if input_grad:
            m.conv2d_direct_backward_input(dt, _shape(m, g), dy.data.ptr, w.data.ptr, dx.data.ptr, stream)
        return dx, dw, db
    if path == "pointwise":
        dy3, x3, w2 = dy.reshape(g.N, g.O, P), x.reshape(g.N, g.C, P), w.reshape(g.O, g.C)
        dw = cp.tensordot(dy3, x3, axes=([0, 2], [0, 2])).reshape(w.shape)           # sum_n dy_n x_n^T
        dx = cp.matmul(w2.T, dy3).reshape(x.shape) if input_grad else None            # W^T dy_n
        return dx, dw, db
    dx = cp.empty_like(x) if input_grad else None
    dw = cp.zeros_like(w)
    dwg = dw.reshape(g.groups, Og, K)
    wg = w.reshape(g.groups, Og, K)
    dyv = dy.reshape(g.N, g.groups, Og, P)
    for n0, count in _image_blocks(g):
        col = cp.empty((count, K, P), dtype=x.dtype)
        for grp in range(g.groups):
            dy_blk = cp.ascontiguousarray(dyv[n0:n0 + count, grp])                 # (count, Og, P)
            m.im2col(dt, _shape(m, g), x.data.ptr, grp, n0, count, col.data.ptr, stream)
            dwg[grp] += cp.tensordot(dy_blk, col, axes=([0, 2], [0, 2]))          # sum_n dy_n col_n^T
            if input_grad:
                dcol = cp.ascontiguousarray(cp.matmul(wg[grp].T, dy_blk))         # (count, K, P)
                m.col2im(dt, _shape(m, g), dcol.data.ptr, grp, n0, count, dx.data.ptr, stream)
    return dx, dw, db


def _conv2d_input_grad(g, dy, w, dx):
    """dx (N, C, H, W) of the conv of geometry ``g`` from dy alone: the direct kernel (depthwise), W^T dy
    per image (1x1 stride 1), or per block W^T dY then the gathering col2im."""
    cp, m, stream, dt = _ctx(dy)
    Og, K, P = g.O // g.groups, (g.C // g.groups) * g.KH * g.KW, g.OH * g.OW
    path = conv2d_path(g)
    if path == "depthwise":
        m.conv2d_direct_backward_input(dt, _shape(m, g), dy.data.ptr, w.data.ptr, dx.data.ptr, stream)
    elif path == "pointwise":
        dx[...] = cp.matmul(w.reshape(g.O, g.C).T, dy.reshape(g.N, g.O, P)).reshape(dx.shape)
    else:
        wg, dyv = w.reshape(g.groups, Og, K), dy.reshape(g.N, g.groups, Og, P)
        for n0, count in _image_blocks(g):
            for grp in range(g.groups):
                dcol = cp.ascontiguousarray(cp.matmul(wg[grp].T, cp.ascontiguousarray(dyv[n0:n0 + count, grp])))
                m.col2im(dt, _shape(m, g), dcol.data.ptr, grp, n0, count, dx.data.ptr, stream)
    return dx


def conv_transpose2d_forward(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """conv2d's input gradient with x as its dy (the adjoint), plus the bias."""
    fn = "conv_transpose2d_forward"
    _require_cupy(fn, "x", x)
    g = _checks.check_conv_transpose2d_forward(x, w, b, stride, padding, output_padding, groups, dilation)
    if _compose.needs_taps(x, w, g):
        return _compose.conv_transpose2d_taps(x, w, b, g)
    cp, m, stream, dt = _ctx(x)
    y = _conv2d_input_grad(g, _compose.pad_to(x, (g.OH, g.OW)), w, cp.empty((g.N, g.C, g.H, g.W), dtype=x.dtype))
    if b is not None:
        m.add_channel_bias(dt, g.N, g.C, g.H * g.W, b.data.ptr, y.data.ptr, stream)
    return y


def conv_transpose2d_backward(dy, x, w, stride=1, padding=0, output_padding=0, groups=1, dilation=1, bias=True,
                              input_grad=True):
    """conv2d(dy, w) and conv2d's weight gradient (i2dl.kernels.compose): the convolution's fast paths."""
    return _compose.conv_transpose2d_backward(_sys.modules[__name__], dy, x, w, stride, padding, output_padding,
                                              groups, dilation, bias, input_grad)


def max_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    fn = "max_pool2d_forward"
    _require_cupy(fn, "x", x)
    g = check_max_pool2d_forward(x, kernel, stride, padding, dilation, ceil_mode)
    cp, m, stream, dt = _ctx(x)
    y = cp.empty(g.out_shape, dtype=x.dtype)
    idx = cp.empty(g.out_shape, dtype=cp.int64)
    m.max_pool2d_forward(dt, _shape(m, g), _ptr(x), _ptr(y), _ptr(idx), stream)
    return y, idx


def _scatter(fn, check, dy, idx, x_shape):
    """dx[idx] += dy per plane (max pooling's and adaptive max pooling's backward)."""
    _require_cupy(fn, "dy", dy)
    N, C, H, W = check(dy, idx, x_shape)
    cp, m, stream, dt = _ctx(dy)
    dx = cp.zeros((N, C, H, W), dtype=dy.dtype)
    # only N, C, H, W, OH, OW matter to the scatter: idx already names each window's maximum
    geometry = m.Pool2dShape(N=N, C=C, H=H, W=W, KH=1, KW=1, SH=1, SW=1, PH=0, PW=0, OH=dy.shape[2], OW=dy.shape[3])
    m.max_pool2d_backward(dt, geometry, _ptr(dy), _ptr(idx), _ptr(dx), stream)
    return dx


def max_pool2d_backward(dy, idx, x_shape):
    return _scatter("max_pool2d_backward", check_max_pool2d_backward, dy, idx, x_shape)


def adaptive_max_pool2d_backward(dy, idx, x_shape):
    return _scatter("adaptive_max_pool2d_backward", _checks.check_adaptive_max_pool2d_backward, dy, idx, x_shape)


def avg_pool2d_forward(x, kernel=(2, 2), stride=None, padding=(0, 0), ceil_mode=False, count_include_pad=True,
                       divisor_override=None):
    fn = "avg_pool2d_forward"
    _require_cupy(fn, "x", x)
    g = check_avg_pool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    cp, m, stream, dt = _ctx(x)
    y = cp.empty(g.out_shape, dtype=x.dtype)
    m.avg_pool2d_forward(dt, _shape(m, g), _ptr(x), _ptr(y), stream)
    return y


def avg_pool2d_backward(dy, x_shape, kernel=(2, 2), stride=None, padding=(0, 0), ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    fn = "avg_pool2d_backward"
    _require_cupy(fn, "dy", dy)
    g = check_avg_pool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override)
    cp, m, stream, dt = _ctx(dy)
    dx = cp.empty((g.N, g.C, g.H, g.W), dtype=dy.dtype)
    m.avg_pool2d_backward(dt, _shape(m, g), _ptr(dy), _ptr(dx), stream)
    return dx


def global_avg_pool2d_forward(x):
    fn = "global_avg_pool2d_forward"
    _require_cupy(fn, "x", x)
    out_shape = check_global_avg_pool2d_forward(x)
    cp, m, stream, dt = _ctx(x)
    y = cp.empty(out_shape, dtype=x.dtype)
    m.global_avg_pool2d_forward(dt, x.shape[0] * x.shape[1], x.shape[2] * x.shape[3], x.data.ptr, y.data.ptr, stream)
    return y


def global_avg_pool2d_backward(dy, x_shape):
    fn = "global_avg_pool2d_backward"
    _require_cupy(fn, "dy", dy)
    N, C, H, W = check_global_avg_pool2d_backward(dy, x_shape)
    cp, m, stream, dt = _ctx(dy)
    dx = cp.empty((N, C, H, W), dtype=dy.dtype)
    m.global_avg_pool2d_backward(dt, N * C, H * W, dy.data.ptr, dx.data.ptr, stream)
    return dx


def linear_forward(x, w, b=None):
    fn = "linear_forward"
    _require_cupy(fn, "x", x)
    check_linear_forward(x, w, b)
    y = x @ w.T                                                    # cuBLAS
    if b is not None:
        y += b
    return y


def linear_backward(dy, x, w, bias=True, input_grad=True):
    fn = "linear_backward"
    _require_cupy(fn, "x", x)
    lead, k, n = check_linear_backward(dy, x, w)
    m = math.prod(lead)  # not reshape(-1, k): -1 cannot be inferred when k or n is 0
    dy2, x2 = dy.reshape(m, n), x.reshape(m, k)
    dx = (dy2 @ w).reshape(x.shape) if input_grad else None
    dw = dy2.T @ x2
    db = dy2.sum(axis=0) if bias else None
    return dx, dw, db


def cross_entropy_forward(z, labels):
    fn = "cross_entropy_forward"
    _require_cupy(fn, "z", z)
    check_cross_entropy_forward(z, labels)
    cp, m, stream, dt = _ctx(z)
    loss = cp.empty(z.shape[0], dtype=z.dtype)
    m.cross_entropy_forward(dt, z.shape[0], z.shape[1], z.data.ptr, labels.data.ptr, loss.data.ptr, stream)
    return loss


def cross_entropy_backward(dloss, z, labels):
    fn = "cross_entropy_backward"
    _require_cupy(fn, "z", z)
    check_cross_entropy_backward(dloss, z, labels)
    cp, m, stream, dt = _ctx(z)
    dz = cp.empty_like(z)
    m.cross_entropy_backward(dt, z.shape[0], z.shape[1], dloss.data.ptr, z.data.ptr, labels.data.ptr, dz.data.ptr,
                             stream)
    return dz


def sgd_step_(param, grad, velocity, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
              first_step=False):
    fn = "sgd_step_"
    _require_cupy(fn, "param", param)
    check_sgd_step_(param, grad, velocity, lr, momentum, dampening, nesterov, weight_decay, first_step)
    cp, m, stream, dt = _ctx(param)
    config = m.SgdConfig(lr=float(lr), momentum=float(momentum), dampening=float(dampening), nesterov=bool(nesterov),
                         weight_decay=float(weight_decay), first_step=bool(first_step))
    m.sgd_step_(dt, param.size, _ptr(param), _ptr(grad), _ptr(velocity) if momentum != 0 else 0, config, stream)


def adam_multi_step_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs=None, step=1, lr=1e-3, beta1=0.9,
                     beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
                     decoupled_weight_decay=False):
    """One launch per parameter on the current stream (the launches queue without waiting); so for
    every multi-tensor step here."""
    _checks.check_adam_multi_step_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps,
                                   weight_decay, amsgrad, maximize, decoupled_weight_decay)
    _compose.each_tensor(adam_step_, [params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs if amsgrad else None],
                         step=step, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)


def sgd_multi_step_(params, grads, momentum_buffers=None, lr=0.01, momentum=0.0, dampening=0.0, nesterov=False,
                    weight_decay=0.0, first_step=False):
    _checks.check_sgd_multi_step_(params, grads, momentum_buffers, lr, momentum, dampening, nesterov, weight_decay,
                                  first_step)
    _compose.each_tensor(sgd_step_, [params, grads, momentum_buffers if momentum != 0 else None], lr=lr,
                         momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay,
                         first_step=first_step)


def rmsprop_multi_step_(params, grads, square_avgs, grad_avgs=None, momentum_buffers=None, lr=1e-2, alpha=0.99,
                        eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    _checks.check_rmsprop_multi_step_(params, grads, square_avgs, grad_avgs, momentum_buffers, lr, alpha, eps,
                                      weight_decay, momentum, centered, maximize)
    _compose.each_tensor(rmsprop_step_, [params, grads, square_avgs, grad_avgs if centered else None,
                                         momentum_buffers if momentum > 0 else None], lr=lr, alpha=alpha, eps=eps,
                         weight_decay=weight_decay, momentum=momentum, centered=centered, maximize=maximize)


def adagrad_multi_step_(params, grads, state_sums, step=1, lr=1e-2, lr_decay=0.0, weight_decay=0.0, eps=1e-10,
                        maximize=False):
    _checks.check_adagrad_multi_step_(params, grads, state_sums, step, lr, lr_decay, weight_decay, eps, maximize)
    _compose.each_tensor(adagrad_step_, [params, grads, state_sums], step=step, lr=lr, lr_decay=lr_decay,
                         weight_decay=weight_decay, eps=eps, maximize=maximize)


def total_norm(tensors, norm_type=2.0):
    """CuPy's reductions, per array in float64, joined on the host (one synchronisation)."""
    fn = "total_norm"
    for i, t in enumerate(tensors if isinstance(tensors, (list, tuple)) else ()):
        _require_cupy(fn, f"tensors[{i}]", t)
    p = _checks.check_total_norm(tensors, norm_type)
    if not tensors:
        return 0.0
    cp = _cupy()
    a = [cp.abs(t.astype(cp.float64)).ravel() for t in tensors]
    nan = cp.stack([cp.isnan(x).any() for x in a]).any()
    if math.isinf(p):
        value = cp.stack([x.max() if x.size else cp.zeros((), cp.float64) for x in a]).max()
    else:
        value = cp.stack([(x ** p).sum() for x in a]).sum() ** (1.0 / p)
    return float("nan") if bool(nan) else float(value)


def mul_multi_(tensors, factor):
    fn = "mul_multi_"
    for i, t in enumerate(tensors if isinstance(tensors, (list, tuple)) else ()):
        _require_cupy(fn, f"tensors[{i}]", t)
    factor = _checks.check_mul_multi_(tensors, factor)
    for t in tensors:
        t *= t.dtype.type(factor)


def clamp_multi_(tensors, min, max):
    fn = "clamp_multi_"
    for i, t in enumerate(tensors if isinstance(tensors, (list, tuple)) else ()):
        _require_cupy(fn, f"tensors[{i}]", t)
    lo, hi = _checks.check_clamp_multi_(tensors, min, max)
    cp = _cupy()
    for t in tensors:  # maximum and minimum propagate NaN
        cp.maximum(t, t.dtype.type(lo), out=t)
        cp.minimum(t, t.dtype.type(hi), out=t)


def _generated(name):
    """The adapter of a kernel whose check returns a :class:`~i2dl.kernels.checks.core.Launch`:
    check, allocate the outputs it names (CuPy), launch ``_C_cuda.<name>`` with every argument by
    keyword: arrays as device pointers (0 for an absent one), the dtype by name, the current stream."""
    check = getattr(_checks, "check_" + name)

    def adapter(*args, **kwargs):
        launch = check(*args, **kwargs)
        first, array = next(iter(launch.arrays.items()))
        _require_cupy(name, first, array)
        cp, m, stream, dt = _ctx(array)
        out = {k: None if spec is None else cp.empty(spec[0], dtype=spec[1]) for k, spec in launch.outputs.items()}
        pointers = {k: _ptr(a) for k, a in (*launch.arrays.items(), *out.items())}
        getattr(m, name)(dtype=dt, stream=stream, **pointers, **launch.sizes)
        return launch.result(out)

    adapter.generated = True
    return functools.wraps(getattr(_reference, name))(adapter)


# ------------------------------------------------------------------------------------------ recurrent
# The steps of a sequence run here: the input projection, each step's recurrent product and the
# weight gradients through cuBLAS (CuPy's matmul), the fused pointwise pass of each step as one
# kernel (csrc/cuda/recurrent.cu). The layouts and saved state are the CPU kernel's.

_CELL_KIND = {"lstm": 0, "gru": 1, "tanh": 2, "relu": 3}


def _recurrent_forward(kind, x3, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, y, gates, cs):
    """Fills y (T, N, H), gates (T, N, 4H) or None, cs (T, N, H) or None from x3 (T, N, I)."""
    cp, m, stream, dt = _ctx(x3)
    T, N, I = x3.shape
    H = w_hh.shape[1]
    lstm, gru = kind == "lstm", kind == "gru"
    GH = w_hh.shape[0]
    buf = gates if gates is not None else y
    if T * N == 0:
        return
    W = buf.shape[2]
    buf.reshape(T * N, W)[:, :GH] = x3.reshape(T * N, I) @ w_ih.T
    bi, bh = (b_ih, b_hh) if gru else (None if b_ih is None else b_ih + b_hh, None)
    hp, cprev = h0, c0
    for k in range(T):
        t = T - 1 - k if reverse else k
        g = buf[t]
        if hp is not None:
            if gru:
                g[:, :2 * H] += hp @ w_hh[:2 * H].T
                g[:, 3 * H:] = hp @ w_hh[2 * H:].T
            else:
                g[:, :GH] += hp @ w_hh.T
        m.recurrent_step_forward(dtype=dt, kind=_CELL_KIND[kind], N=N, H=H, gates=_ptr(g), b_ih=_ptr(bi),
                                 b_hh=_ptr(bh), h_prev=_ptr(hp), c_prev=_ptr(cprev), h=_ptr(y[t]),
                                 c=_ptr(cs[t] if lstm else None), stream=stream)
        hp, cprev = y[t], (cs[t] if lstm else None)


def _recurrent_backward(kind, dy3, dh_n, dc_n, x3, h0, c0, w_ih, w_hh, y, gates, cs, reverse, out):
    """Fills ``out`` (dx (T, N, I), dh0, dc0, dw_ih, dw_hh, db_ih, db_hh; None where not wanted)."""
    cp, m, stream, dt = _ctx(x3)
    T, N, I = x3.shape
    H, GH = w_hh.shape[1], w_hh.shape[0]
    lstm, gru = kind == "lstm", kind == "gru"
    W = 4 * H if lstm or gru else H
    dg = cp.zeros((T, N, W), dtype=x3.dtype)
    dh = cp.zeros((N, H), dtype=x3.dtype) if dh_n is None else dh_n.copy()
    dc = cp.zeros((N, H), dtype=x3.dtype) if dc_n is None else dc_n.copy()
    total = cp.empty((N, H), dtype=x3.dtype)
    order = [T - 1 - k for k in range(T)] if reverse else list(range(T))
    for k in range(T - 1, -1, -1):
        t = order[k]
        tp = order[k - 1] if k else None
        if dy3 is not None:
            cp.add(dh, dy3[t], out=total)
        else:
            total[...] = dh
        hp = h0 if k == 0 else y[tp]
        cprev = (c0 if k == 0 else cs[tp]) if lstm else None
        m.recurrent_step_backward(dtype=dt, kind=_CELL_KIND[kind], N=N, H=H, dh=_ptr(total), dc=_ptr(dc),
                                  gates=_ptr(gates[t] if gates is not None else None), h_prev=_ptr(hp),
                                  c_prev=_ptr(cprev), c=_ptr(cs[t] if lstm else None),
                                  h=_ptr(y[t] if kind not in ("lstm", "gru") else None), dgates=_ptr(dg[t]),
                                  direct=_ptr(dh), stream=stream)
        if k > 0 or out["dh0"] is not None:
            if gru:  # dh holds the direct part dh * z
                dh += dg[t][:, :2 * H] @ w_hh[:2 * H] + dg[t][:, 3 * H:] @ w_hh[2 * H:]
            else:
                dh = dg[t] @ w_hh
    if out["dh0"] is not None:
        out["dh0"][...] = dh
    if out.get("dc0") is not None:
        out["dc0"][...] = dc
    dg2, x2 = dg.reshape(T * N, W), x3.reshape(T * N, I)
    ih = dg2[:, :GH]
    if out["dx"] is not None:
        out["dx"].reshape(T * N, I)[...] = ih @ w_ih
    out["dw_ih"][...] = ih.T @ x2
    # dw_hh = sum_t dg_hh[t]^T h_prev(t): y shifted by one step, then h0 for the first step
    hh = cp.concatenate([dg2[:, :2 * H], dg2[:, 3 * H:]], axis=1) if gru else ih
    hh3 = hh.reshape(T, N, GH)
    later, prev = (hh3[:-1], y[1:]) if reverse else (hh3[1:], y[:-1] if y is not None else None)
    dw_hh = cp.zeros((GH, H), dtype=x3.dtype)
    if T > 1:
        dw_hh += later.reshape(-1, GH).T @ prev.reshape(-1, H)
    if h0 is not None and T > 0:
        dw_hh += hh3[order[0]].T @ h0
    out["dw_hh"][...] = dw_hh
    if out["db_ih"] is not None:
        out["db_ih"][...] = ih.sum(axis=0)
        out["db_hh"][...] = hh.sum(axis=0)


def _recurrent_outputs(launch, cp):
    return {k: None if s is None else cp.empty(s[0], dtype=s[1]) for k, s in launch.outputs.items()}


def _step_kind(kind, launch):
    """The step kernel's kind: 'lstm', 'gru', or the RNN's nonlinearity."""
    return kind if kind != "rnn" else ("relu" if launch.sizes["relu"] else "tanh")


def _sequence(kind, name):
    """The cuda adapters of ``name``_forward/_backward (kind 'lstm', 'gru' or 'rnn')."""
    check_f, check_b = getattr(_checks, f"check_{name}_forward"), getattr(_checks, f"check_{name}_backward")
    cell = name.endswith("_cell")
    lstm = kind == "lstm"

    def forward(*args, **kwargs):
        launch = check_f(*args, **kwargs)
        a = launch.arrays
        _require_cupy(f"{name}_forward", "x", a["x"])
        cp = _cupy()
        out = _recurrent_outputs(launch, cp)
        x3 = a["x"][None] if cell else a["x"]
        h0, c0 = (a.get("h"), a.get("c")) if cell else (a.get("h0"), a.get("c0"))
        sub = _step_kind(kind, launch)
        y = out["h1"][None] if cell else out["y"]
        gates = out.get("gates")
        cs = (out["c1"][None] if cell else out["cs"]) if lstm else None
        _recurrent_forward(sub, x3, h0, c0, a["w_ih"], a["w_hh"], a["b_ih"], a["b_hh"],
                           launch.sizes.get("reverse", False), y, None if gates is None else (gates[None] if cell else gates),
                           cs)
        if not cell:
            T = x3.shape[0]
            last = (0 if launch.sizes["reverse"] else T - 1) if T else None
            out["h_n"][...] = y[last] if T else (0 if h0 is None else h0)
            if lstm:
                out["c_n"][...] = cs[last] if T else (0 if c0 is None else c0)
        return launch.result(out)

    def backward(*args, **kwargs):
        launch = check_b(*args, **kwargs)
        a = launch.arrays
        _require_cupy(f"{name}_backward", "x", a["x"])
        cp = _cupy()
        out = _recurrent_outputs(launch, cp)
        sub = _step_kind(kind, launch)
        if cell:
            dy = a.get("dh1")
            dy3 = None if dy is None else dy[None]
            y = a["h1"][None] if kind == "rnn" else None
            gates = a["gates"][None] if kind != "rnn" else None
            cs = a["c1"][None] if lstm else None
            names = {"dx": "dx", "dh0": "dh", "dc0": "dc"}
            o = {k: out.get(v) for k, v in names.items()}
            o["dx"] = None if o["dx"] is None else o["dx"][None]
            o.update({k: out[k] for k in ("dw_ih", "dw_hh", "db_ih", "db_hh")})
            _recurrent_backward(sub, dy3, None, a.get("dc1"), a["x"][None], a.get("h"), a.get("c"), a["w_ih"],
                                a["w_hh"], y, gates, cs, False, o)
        else:
            o = dict(out)
            o.setdefault("dc0", None)
            _recurrent_backward(sub, a["dy"], a["dh_n"], a.get("dc_n"), a["x"], a.get("h0"), a.get("c0"), a["w_ih"],
                                a["w_hh"], a["y"], a.get("gates"), a.get("cs"), launch.sizes["reverse"], o)
        return launch.result(out)

    ref_f, ref_b = getattr(_reference, f"{name}_forward"), getattr(_reference, f"{name}_backward")
    return functools.wraps(ref_f)(forward), functools.wraps(ref_b)(backward)


for _kind, _name in (("lstm", "lstm"), ("gru", "gru"), ("rnn", "rnn"), ("lstm", "lstm_cell"), ("gru", "gru_cell"),
                     ("rnn", "rnn_cell")):
    globals()[f"{_name}_forward"], globals()[f"{_name}_backward"] = _sequence(_kind, _name)


def lstm_gates_forward(gates, c=None):
    """The fused pass as the LSTM step kernel over N rows of U = Hc * H * W units, without bias."""
    launch = _checks.check_lstm_gates_forward(gates, c)
    _require_cupy("lstm_gates_forward", "gates", gates)
    cp, m, stream, dt = _ctx(gates)
    out = _recurrent_outputs(launch, cp)
    out["act"][...] = gates
    m.recurrent_step_forward(dtype=dt, kind=_CELL_KIND["lstm"], N=launch.sizes["N"], H=launch.sizes["U"],
                             gates=_ptr(out["act"]), b_ih=0, b_hh=0, h_prev=0, c_prev=_ptr(c), h=_ptr(out["h1"]),
                             c=_ptr(out["c1"]), stream=stream)
    return launch.result(out)


def lstm_gates_backward(dh1, dc1, c, c1, act):
    launch = _checks.check_lstm_gates_backward(dh1, dc1, c, c1, act)
    _require_cupy("lstm_gates_backward", "act", act)
    cp, m, stream, dt = _ctx(act)
    out = _recurrent_outputs(launch, cp)
    dh = cp.zeros_like(c1) if dh1 is None else dh1
    dc = cp.zeros_like(c1) if dc1 is None else dc1.copy()  # in/out: becomes dc_prev
    m.recurrent_step_backward(dtype=dt, kind=_CELL_KIND["lstm"], N=launch.sizes["N"], H=launch.sizes["U"],
                              dh=_ptr(dh), dc=_ptr(dc), gates=_ptr(act), h_prev=0, c_prev=_ptr(c),
                              c=_ptr(c1), h=0, dgates=_ptr(out["dgates"]), direct=0, stream=stream)
    if out["dc"] is not None:
        out["dc"][...] = dc
    return launch.result(out)


def conv_lstm_cell_forward(x, h, c, weight, bias=None, padding=(0, 0)):
    """The ConvLSTM step from this backend's conv2d and fused LSTM pass (i2dl.kernels.compose)."""
    _require_cupy("conv_lstm_cell_forward", "x", x)
    return _compose.conv_lstm_cell_forward(_sys.modules[__name__], x, h, c, weight, bias, padding)


def conv_lstm_cell_backward(dh1, dc1, x, h, c, weight, c1, gates, padding=(0, 0), bias=True, input_grad=True):
    _require_cupy("conv_lstm_cell_backward", "x", x)
    return _compose.conv_lstm_cell_backward(_sys.modules[__name__], dh1, dc1, x, h, c, weight, c1, gates, padding,
                                            bias, input_grad)


def upsample2d_backward(dy, x_shape, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The gather kernel over the inverted taps (CSR per axis, built here on the host)."""
    import numpy as np
    launch = _checks.check_upsample2d_backward(dy, x_shape, size, scale_factor, mode, align_corners)
    _require_cupy("upsample2d_backward", "dy", dy)
    cp, m, stream, dt = _ctx(dy)
    a, sizes = launch.arrays, launch.sizes
    inverse = {}
    for axis, inputs in (("h", sizes["H"]), ("w", sizes["W"])):
        index = cp.asnumpy(a[axis + "_index"]).reshape(-1)
        entries = np.argsort(index, kind="stable")                      # increasing entry within an input
        start = np.searchsorted(index[entries], np.arange(inputs + 1))
        inverse[axis] = (cp.asarray(start.astype(np.int64)), cp.asarray(entries.astype(np.int64)))
    dx = cp.empty(launch.outputs["dx"][0], dtype=dy.dtype)
    m.upsample2d_backward(dtype=dt, dy=_ptr(dy), h_index=_ptr(a["h_index"]), h_weight=_ptr(a["h_weight"]),
                          w_index=_ptr(a["w_index"]), w_weight=_ptr(a["w_weight"]), h_start=_ptr(inverse["h"][0]),
                          h_entries=_ptr(inverse["h"][1]), w_start=_ptr(inverse["w"][0]),
                          w_entries=_ptr(inverse["w"][1]), dx=_ptr(dx), stream=stream, **sizes)
    return dx


globals().update({name[len("check_"):]: _generated(name[len("check_"):]) for name, f in vars(_checks).items()
                  if name.startswith("check_") and getattr(f, "launches", False) is True
                  and name[len("check_"):] not in globals()})


def topk_forward(x, k, largest=False):
    _require_cupy("topk_forward", "x", x)
    N, n = _checks.check_topk_forward(x, k, largest)
    cp, m, stream, dt = _ctx(x)
    values, indices = cp.empty((N, k), dtype=x.dtype), cp.empty((N, k), dtype=cp.int64)
    m.topk_forward(dt, N, n, k, bool(largest), x.data.ptr, values.data.ptr, indices.data.ptr, stream)
    return values, indices


def topk_backward(dvalues, indices, n):
    _require_cupy("topk_backward", "dvalues", dvalues)
    N, k = _checks.check_topk_backward(dvalues, indices, n)
    cp, m, stream, dt = _ctx(dvalues)
    dx = cp.empty((N, n), dtype=dvalues.dtype)
    m.topk_backward(dt, N, n, k, dvalues.data.ptr, indices.data.ptr, dx.data.ptr, stream)
    return dx


def affine_warp2d_forward(x, theta, fill=0.0):
    _require_cupy("affine_warp2d_forward", "x", x)
    N, C, H, W = _checks.check_affine_warp2d_forward(x, theta, fill)
    cp, m, stream, dt = _ctx(x)
    y = cp.empty_like(x)
    m.affine_warp2d_forward(dt, N, C, H, W, x.data.ptr, theta.data.ptr, float(fill), y.data.ptr, stream)
    return y


def affine_warp2d_backward(dy, theta, x_shape):
    _require_cupy("affine_warp2d_backward", "dy", dy)
    N, C, H, W = _checks.check_affine_warp2d_backward(dy, theta, x_shape)
    cp, m, stream, dt = _ctx(dy)
    dx = cp.empty_like(dy)
    m.affine_warp2d_backward(dt, N, C, H, W, dy.data.ptr, theta.data.ptr, dx.data.ptr, stream)
    return dx
