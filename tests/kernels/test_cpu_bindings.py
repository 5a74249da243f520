"""The C++ bindings validate on their own, before any pointer is touched: they are reachable
directly as i2dl._C and must never crash on a wrong array."""
import numpy as np
import pytest

from i2dl import _C


def _conv_args(dtype=np.float32):
    x = np.ones((2, 3, 6, 6), dtype)
    w = np.ones((4, 3, 3, 3), dtype)
    b = np.ones(4, dtype)
    y = np.empty((2, 4, 4, 4), dtype)
    return x, w, b, y


def test_read_only_output_is_rejected():
    x, w, b, y = _conv_args()
    y.setflags(write=False)
    with pytest.raises(ValueError, match=r"conv2d_forward: output argument 'y' must be writable"):
        _C.conv2d_forward(x, w, b, y, (1, 1), (0, 0), (1, 1), 1)


def test_output_of_wrong_shape_is_rejected():
    x, w, b, _ = _conv_args()
    with pytest.raises(ValueError, match=r"argument 'y' must have shape \(2, 4, 4, 4\), got \(2, 4, 5, 4\)"):
        _C.conv2d_forward(x, w, b, np.empty((2, 4, 5, 4), np.float32), (1, 1), (0, 0), (1, 1), 1)


def test_output_of_wrong_dtype_is_rejected_not_copied():
    x, w, b, _ = _conv_args()
    with pytest.raises(TypeError, match=r"argument 'y' must have dtype float32"):
        _C.conv2d_forward(x, w, b, np.empty((2, 4, 4, 4), np.float64), (1, 1), (0, 0), (1, 1), 1)



def test_input_grad_bias_is_checked_and_added_per_channel():
    """The transposed convolution's bias starts dx: wrong sizes and dtypes are refused by name,
    a right one lands on every plane of its channel (a pointwise and a 2x2 stride-2 layer)."""
    dy, dx = np.ones((1, 4, 3, 3), np.float32), np.empty((1, 2, 6, 6), np.float32)
    w = np.ones((4, 2, 2, 2), np.float32)
    with pytest.raises(ValueError, match=r"conv2d_input_grad: argument 'b' must have shape \(2,\), got \(3,\)"):
        _C.conv2d_input_grad(dy, w, dx, (2, 2), (0, 0), (1, 1), 1, np.zeros(3, np.float32))
    with pytest.raises(TypeError, match=r"argument 'b' must have dtype float32 \(the dtype of 'dx'\), got float64"):
        _C.conv2d_input_grad(dy, w, dx, (2, 2), (0, 0), (1, 1), 1, np.zeros(2, np.float64))
    b = np.array([10.0, -20.0], np.float32)
    _C.conv2d_input_grad(dy, w, dx, (2, 2), (0, 0), (1, 1), 1, b)
    np.testing.assert_array_equal(dx, np.broadcast_to((4.0 + b).reshape(1, 2, 1, 1), dx.shape))
    w1, dx1 = np.ones((4, 2, 1, 1), np.float32), np.empty((1, 2, 3, 3), np.float32)
    _C.conv2d_input_grad(dy, w1, dx1, (1, 1), (0, 0), (1, 1), 1, b)
    np.testing.assert_array_equal(dx1, np.broadcast_to((4.0 + b).reshape(1, 2, 1, 1), dx1.shape))

def test_non_contiguous_output_is_rejected():
    x, w, b, _ = _conv_args()
    y = np.empty((2, 4, 4, 8), np.float32)[..., ::2]
    with pytest.raises(ValueError, match=r"argument 'y' must be C-contiguous"):
        _C.conv2d_forward(x, w, b, y, (1, 1), (0, 0), (1, 1), 1)


@pytest.mark.parametrize("call", [
    lambda: _C.max_pool2d_forward(np.ones((1, 1, 4, 4), np.float32), np.empty((1, 1, 2, 2), np.float32),
                                  np.empty((1, 1, 2, 2), np.int32), (2, 2), (2, 2), (0, 0)),
    lambda: _C.linear_forward(np.ones((2, 3), np.float32), np.ones((4, 3), np.float32), None, [[0.0]]),
    lambda: _C.linear_backward(np.ones((2, 4)), np.ones((2, 3)), np.ones((4, 3)), np.empty((2, 3)),
                               np.empty((4, 3), np.float32), None),
])
def test_wrong_output_types(call):
    with pytest.raises(TypeError):
        call()


def test_read_only_pool_and_linear_outputs():
    y = np.empty((1, 1, 2, 2), np.float32)
    idx = np.empty((1, 1, 2, 2), np.int64)
    idx.setflags(write=False)
    with pytest.raises(ValueError, match=r"output argument 'idx' must be writable"):
        _C.max_pool2d_forward(np.ones((1, 1, 4, 4), np.float32), y, idx, (2, 2), (2, 2), (0, 0))
    out = np.empty((2, 4))
    out.setflags(write=False)
    with pytest.raises(ValueError, match=r"linear_forward: output argument 'y' must be writable"):
        _C.linear_forward(np.ones((2, 3)), np.ones((4, 3)), None, out)


def test_corrupt_pool_indices_raise_instead_of_writing_out_of_bounds():
    dy = np.ones((1, 1, 2, 2))
    idx = np.array([0, 1, 2, 99], np.int64).reshape(1, 1, 2, 2)
    with pytest.raises(ValueError, match=r"'idx' holds indices outside"):
        _C.max_pool2d_backward(dy, idx, np.empty((1, 1, 4, 4)))


def test_bad_pairs_are_rejected_by_the_binding():
    x, w, b, y = _conv_args()
    with pytest.raises(ValueError, match=r"'stride' must be a pair of integers >= 1"):
        _C.conv2d_forward(x, w, b, y, (0, 1), (0, 0), (1, 1), 1)
    with pytest.raises(ValueError, match=r"'groups' \(2\) must divide the input channels"):
        _C.conv2d_forward(x, w, b, y, (1, 1), (0, 0), (1, 1), 2)


def test_threads_setting_roundtrip():
    import i2dl
    before = i2dl.get_num_threads()
    try:
        i2dl.set_num_threads(1)
        assert i2dl.get_num_threads() == 1 and _C.blas_num_threads() == 1
    finally:
        i2dl.set_num_threads(before)
    with pytest.raises(ValueError, match="'n' must be >= 1"):
        i2dl.set_num_threads(0)


def test_sgd_config_takes_named_fields_only():
    """The step's scalars cross into C++ as one struct with named fields: no positional order to
    get wrong, and no float silently turned into a bool."""
    import pytest
    c = _C.SgdConfig(lr=0.1, momentum=0.9, nesterov=True)
    assert (c.lr, c.momentum, c.dampening, c.nesterov, c.weight_decay, c.first_step) == (0.1, 0.9, 0.0, True, 0.0, False)
    with pytest.raises(TypeError):
        _C.SgdConfig(0.1, 0.9)
    with pytest.raises(TypeError):
        _C.SgdConfig(lr=0.1, nesterov=0.5)
