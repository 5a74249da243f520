"""The C++ convolution picks an algorithm per shape (depthwise, small_forward, channel_vector,
winograd, winograd_shared, strided, im2col); the registry's conv samples must reach every one of them in both dtypes, so
that the cross-check and bad-input families test each path. A change of a dispatch threshold
that leaves a path untested fails here."""
import numpy as np
import pytest

from i2dl import _C
from i2dl.kernels.registry import by_name

# The strided direct convolution's register tiles are sized for AVX-512; elsewhere im2col takes its shapes.
AVX512 = _C.isa_clone() == "x86-64-v4"
STRIDED = {"strided"} if AVX512 else set()
ALGORITHMS = {
    "forward": {"depthwise", "small_forward", "channel_vector", "winograd", "winograd_shared", "im2col"} | STRIDED,
    "weight_grad": {"depthwise", "channel_vector", "winograd", "winograd_shared", "im2col"} | STRIDED,
    "input_grad": {"depthwise", "winograd", "winograd_shared", "im2col"} | STRIDED,
}
STRIDED_OR_IM2COL = "strided" if AVX512 else "im2col"


def _algorithms(x, w, params):
    return _C.conv2d_algorithms(x, w, params["stride"], params["padding"], params["dilation"], params["groups"])


@pytest.fixture
def at_most_16_threads():
    """The strided direct conv is picked only with at least as many images as threads; the
    registry's strided samples have 16."""
    import i2dl
    before = i2dl.get_num_threads()
    i2dl.set_num_threads(min(before, 16))
    yield
    i2dl.set_num_threads(before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_registry_samples_reach_every_conv_algorithm(dtype, at_most_16_threads):
    seen = {k: set() for k in ALGORITHMS}
    for sample in by_name("conv2d").samples(np.random.default_rng(0)):
        x, w = sample.inputs["x"].astype(dtype), sample.inputs["w"].astype(dtype)
        for k, v in _algorithms(x, w, sample.params).items():
            seen[k].add(v)
    assert seen == ALGORITHMS


@pytest.mark.parametrize("x_shape,w_shape,params,want", [
    ((32, 64, 32, 32), (64, 64, 3, 3), dict(padding=(1, 1)), ("winograd", "winograd", "winograd")),
    # ResNet-18 at 224 px, batch 1: 128 channels on 28x28 (49 tiles) and 256 on 14x14 (16: dW by im2col)
    # share their tiles, 512 on 7x7 (4 tiles) keeps im2col; at 64 px, batch 16: 128 on 8x8 (64 tiles) and
    # 256 on 4x4 (16) share them, 512 on 2x2 does not (a 4x4 tile for 2x2 outputs)
    ((1, 128, 28, 28), (128, 128, 3, 3), dict(padding=(1, 1)), ("winograd_shared",) * 3),
    ((1, 256, 14, 14), (256, 256, 3, 3), dict(padding=(1, 1)), ("winograd_shared", "im2col", "winograd_shared")),
    ((1, 512, 7, 7), (512, 512, 3, 3), dict(padding=(1, 1)), ("im2col",) * 3),
    ((16, 128, 8, 8), (128, 128, 3, 3), dict(padding=(1, 1)), ("winograd_shared",) * 3),
    ((16, 256, 4, 4), (256, 256, 3, 3), dict(padding=(1, 1)), ("winograd_shared", "im2col", "winograd_shared")),
    ((16, 512, 2, 2), (512, 512, 3, 3), dict(padding=(1, 1)), ("im2col",) * 3),
    ((64, 6, 12, 12), (16, 6, 5, 5), {}, ("channel_vector", "channel_vector", "im2col")),
    ((64, 1, 28, 28), (6, 1, 5, 5), {}, ("depthwise", "depthwise", "depthwise")),
    ((64, 1, 8, 8), (32, 1, 3, 3), dict(padding=(1, 1)), ("im2col", "im2col", "im2col")),  # the digits CNN's conv1
    ((32, 64, 32, 32), (128, 64, 3, 3), dict(stride=(2, 2), padding=(1, 1)), (STRIDED_OR_IM2COL,) * 3),
    ((32, 256, 16, 16), (64, 256, 1, 1), {}, ("im2col", "im2col", "im2col")),
])
def test_the_lecture_shapes_take_the_documented_paths(x_shape, w_shape, params, want, at_most_16_threads):
    p = {**dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1), **params}
    got = _algorithms(np.zeros(x_shape, np.float32), np.zeros(w_shape, np.float32), p)
    assert (got["forward"], got["weight_grad"], got["input_grad"]) == want


def test_algorithm_query_validates_like_the_kernel():
    with pytest.raises(ValueError, match=r"conv2d_algorithms: argument 'groups' \(3\) must divide"):
        _C.conv2d_algorithms(np.zeros((1, 4, 5, 5), np.float32), np.zeros((3, 1, 3, 3), np.float32),
                             (1, 1), (0, 0), (1, 1), 3)


def test_winograd_float32_error_at_resnet_width():
    """F(4x4, 3x3) trades accuracy for speed (interpolation points up to +-2); at a ResNet layer's
    width its float32 result must stay far inside the cross-check tolerance (1e-4)."""
    from i2dl import kernels
    from i2dl.kernels.registry import rel_error
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 64, 16, 16)).astype(np.float32)
    w = (rng.standard_normal((64, 64, 3, 3)) / 24).astype(np.float32)
    p = dict(stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1)
    assert _algorithms(x, w, p) == {"forward": "winograd", "weight_grad": "winograd", "input_grad": "winograd"}
    cpu, ref = kernels.get("cpu"), kernels.get("reference")
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    y, y_ref = cpu.conv2d_forward(x, w, None, **p), ref.conv2d_forward(x64, w64, None, **p)
    dy = rng.standard_normal(y_ref.shape)
    dx, dw, _ = cpu.conv2d_backward(dy.astype(np.float32), x, w, bias=False, **p)
    dx_ref, dw_ref, _ = ref.conv2d_backward(dy, x64, w64, bias=False, **p)
    assert max(rel_error(y, y_ref), rel_error(dx, dx_ref), rel_error(dw, dw_ref)) < 1e-5


@pytest.fixture
def at_most_two_threads():
    import i2dl
    before = i2dl.get_num_threads()
    i2dl.set_num_threads(min(before, 2))
    yield
    i2dl.set_num_threads(before)


@pytest.mark.skipif(not AVX512, reason="the strided direct conv runs on AVX-512 only")
def test_strided_direct_matches_the_reference_on_random_shapes(at_most_two_threads):
    """Random strides (1-3 per axis), kernels, paddings, dilations and widths that take the
    strided path: forward, both gradients and the weight gradient alone against the float64
    reference."""
    from i2dl import kernels
    from i2dl.kernels.registry import rel_error
    cpu, ref = kernels.get("cpu"), kernels.get("reference")
    rng = np.random.default_rng(42)
    checked = 0
    while checked < 24:
        n, c, o = int(rng.integers(2, 5)), int(rng.integers(16, 40)), int(rng.integers(16, 40))
        kh, kw, sh, sw = (int(v) for v in rng.integers(1, [6, 6, 4, 4]))
        ph, pw, dh, dw = (int(v) for v in rng.integers([0, 0, 1, 1], [4, 4, 3, 3]))
        h, w = int(rng.integers(3, 30)), int(rng.integers(10, 80))
        dtype = np.float32 if checked % 2 else np.float64
        if h + 2 * ph - dh * (kh - 1) - 1 < 0 or w + 2 * pw - dw * (kw - 1) - 1 < 0:
            continue
        x, wt = rng.standard_normal((n, c, h, w)).astype(dtype), rng.standard_normal((o, c, kh, kw)).astype(dtype)
        p = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), groups=1)
        if _algorithms(x, wt, p)["forward"] != "strided":
            continue
        checked += 1
        b = rng.standard_normal(o).astype(dtype)
        x64, w64, b64 = x.astype(np.float64), wt.astype(np.float64), b.astype(np.float64)
        y_ref = ref.conv2d_forward(x64, w64, b64, **p)
        dy = rng.standard_normal(y_ref.shape)
        dx_ref, dw_ref, _ = ref.conv2d_backward(dy, x64, w64, bias=True, **p)
        dx, dw_, _ = cpu.conv2d_backward(dy.astype(dtype), x, wt, bias=True, **p)
        _, dw_alone, _ = cpu.conv2d_backward(dy.astype(dtype), x, wt, bias=True, input_grad=False, **p)
        errors = [rel_error(cpu.conv2d_forward(x, wt, b, **p), y_ref), rel_error(dx, dx_ref),
                  rel_error(dw_, dw_ref), rel_error(dw_alone, dw_ref)]
        assert max(errors) < (1e-5 if dtype == np.float32 else 1e-12), (x.shape, wt.shape, p, dtype, errors)


def test_registry_samples_reach_every_cuda_conv_path():
    """The GPU convolution's path is a function of the geometry alone, so the coverage of its paths
    by the registry samples is checked here, GPU or not."""
    from i2dl.kernels import cuda
    from i2dl.kernels.checks import check_conv2d_forward
    reached = set()
    for s in by_name("conv2d").samples(np.random.default_rng(0)):
        g = check_conv2d_forward(s.inputs["x"], s.inputs["w"], s.inputs["b"], **s.params)
        reached.add(cuda.conv2d_path(g))
    assert reached == set(cuda.CONV_PATHS)
