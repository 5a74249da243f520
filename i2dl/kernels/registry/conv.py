"""The conv2d row: samples that reach every algorithm path of the C++ convolution, its bad inputs."""
from __future__ import annotations

import numpy as np

from .core import BadInput, KernelSpec, Sample, _rn


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
        s(2, 1, 22, 21, 7, 5, 5, desc="one channel, 7 filters (blocks of 4 and 3), 18 rows of 17: the direct planes"),
        s(2, 1, 21, 36, 6, 3, 3, stride=(2, 1), padding=1, dilation=(1, 2), bias=False,
          desc="one channel, 6 filters, row stride 2, column dilation: the direct planes"),
        s(2, 2, 5, 20, 4, 3, 3, padding=1, groups=2, desc="depthwise x2 multiplier on rows of 20"),
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
        s(2, 16, 13, 15, 16, 3, 3, padding=1, desc="Winograd F(4x4,3x3): odd output sizes (partial tiles)"),
        s(1, 44, 15, 19, 48, 3, 3, padding=1, desc="Winograd with tiles shared by the threads: 20 partial tiles, "
                                                    "fewer than half the channels"),
        s(2, 48, 12, 14, 56, 3, 3, padding=1, bias=False, desc="Winograd with shared tiles over two images, no bias "
                                                                 "(dW by im2col: under 48 tiles)"),
        s(1, 16, 32, 24, 100, 3, 3, padding=1, desc="Winograd with shared tiles, 48 of them: its weight gradient too"),
        s(1, 17, 14, 15, 20, 3, 3, padding=0, bias=False, desc="Winograd, no padding, one image, no bias"),
        s(2, 16, 12, 12, 18, 3, 3, padding=(2, 1), desc="Winograd, padding (2, 1): input gradient with padding (0, 1)"),
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


# ------------------------------------------------------------------------------------------ transposed

def _convt_sample(rng, n, cin, h, w, cout, kh, kw, stride=1, padding=0, output_padding=0, dilation=1, groups=1,
                  bias=True, desc=""):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    inputs = {"x": _rn(rng, n, cin, h, w), "w": _rn(rng, cin, cout // groups, kh, kw) / np.sqrt(cin // groups * kh * kw),
              "b": _rn(rng, cout) if bias else None}
    params = dict(stride=pair(stride), padding=pair(padding), output_padding=pair(output_padding),
                  groups=groups, dilation=pair(dilation))
    return Sample(inputs, params, desc)


def _convt_samples(rng):
    s = lambda *a, **k: _convt_sample(rng, *a, **k)  # noqa: E731
    return [
        s(2, 4, 5, 6, 3, 2, 2, stride=2, desc="U-Net's up-convolution: 2x2 stride 2"),
        s(2, 3, 4, 4, 5, 3, 3, stride=2, padding=1, output_padding=1, desc="3x3 stride 2, padding 1, output_padding 1"),
        s(1, 2, 5, 5, 2, 3, 3, desc="stride 1 (a full convolution), batch 1"),
        s(2, 4, 4, 5, 6, 3, 2, stride=(2, 1), padding=(1, 0), groups=2, desc="groups 2, non-square"),
        s(2, 3, 4, 4, 3, 3, 3, stride=1, padding=2, dilation=2, output_padding=1,
          desc="dilation 2, output_padding 1 < dilation"),
        s(2, 4, 3, 3, 4, 3, 3, stride=2, groups=4, bias=False, desc="depthwise-like, no bias"),
        s(2, 5, 4, 4, 3, 1, 1, desc="1x1"),
        s(2, 16, 6, 6, 8, 4, 4, stride=2, padding=1, desc="4x4 stride 2 padding 1 (DCGAN's up-sampling)"),
        s(0, 3, 4, 4, 2, 2, 2, stride=2, desc="empty batch"),
    ]


def _convt_forward(k, a, p):
    return k.conv_transpose2d_forward(a["x"], a["w"], a["b"], **p), None


def _convt_backward(k, a, p):
    dx, dw, db = k.conv_transpose2d_backward(a["dy"], a["x"], a["w"], bias=a["has_bias"], **p)
    return {"x": dx, "w": dw, **({"b": db} if a["has_bias"] else {})}


def _convt_bad():
    def set_(**kv):
        def m(a, p):
            return {**a, **{k: v for k, v in kv.items() if k in a}}, {**p, **{k: v for k, v in kv.items() if k not in a}}
        return m
    return [
        BadInput("output_padding not below stride or dilation", "forward", set_(output_padding=(2, 2)), ValueError,
                 r"'output_padding' \(2, 2\) must be smaller than either stride"),
        BadInput("w's first dim not the input channels", "forward",
                 lambda a, p: ({**a, "w": np.zeros((a["x"].shape[1] + 1,) + a["w"].shape[1:])}, p), ValueError,
                 r"'w' must have shape \(in_channels = \d+, out_channels/groups, KH, KW\)"),
        BadInput("groups not dividing the input channels", "forward", set_(groups=3), ValueError,
                 r"'groups' \(3\) must divide the input channels"),
        BadInput("empty output", "forward", set_(padding=(9, 9)), ValueError, r"the output would be empty"),
        BadInput("dy of the wrong shape", "backward", lambda a, p: ({**a, "dy": a["dy"][:, :, 1:].copy()}, p),
                 ValueError, r"'dy' must have shape"),
    ]


CONV_TRANSPOSE2D = KernelSpec(
    name="conv_transpose2d", forward="conv_transpose2d_forward", backward="conv_transpose2d_backward",
    samples=_convt_samples, call_forward=_convt_forward,
    backward_inputs=lambda a, saved, dy: {"dy": dy, "x": a["x"], "w": a["w"], "has_bias": a["b"] is not None},
    call_backward=_convt_backward, ranks={"x": 4, "w": 4, "b": 1, "dy": 4}, bad_inputs=_convt_bad)
