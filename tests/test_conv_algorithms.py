"""The C++ convolution picks an algorithm per shape (depthwise, small_forward, channel_vector,
winograd, strided, im2col); the registry's conv samples must reach every one of them in both dtypes, so
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
    "forward": {"depthwise", "small_forward", "channel_vector", "winograd", "im2col"} | STRIDED,
    "weight_grad": {"depthwise", "channel_vector", "winograd", "im2col"} | STRIDED,
    "input_grad": {"depthwise", "winograd", "im2col"} | STRIDED,
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
    ((64, 6, 12, 12), (16, 6, 5, 5), {}, ("channel_vector", "channel_vector", "im2col")),
    ((64, 1, 28, 28), (6, 1, 5, 5), {}, ("depthwise", "depthwise", "depthwise")),
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
