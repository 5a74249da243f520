"""PyTorch's type promotion where i2dl's ops meet integer or mixed-precision tensors: real-valued
functions of integers give float32 (the default dtype), a gradient keeps its tensor's dtype, and
matmul refuses operands of two dtypes."""
import numpy as np
import pytest

import i2dl
import i2dl.functional as F
from i2dl import nn, optim

INTS = np.array([-2, 0, 3])


@pytest.mark.parametrize("fn", [F.sigmoid, F.tanh, F.silu, F.softmax, F.log_softmax,
                                lambda t: t.exp(), lambda t: (t + 3).log(), lambda t: (t + 3).sqrt(), lambda t: t / 2])
def test_real_valued_functions_of_integers_give_float32(fn):
    y = fn(i2dl.Tensor(INTS))
    assert y.dtype == np.float32
    assert np.all(np.isfinite(y.numpy()))


def test_sigmoid_of_integers_is_not_truncated():
    np.testing.assert_allclose(F.sigmoid(i2dl.Tensor(INTS)).numpy(), 1 / (1 + np.exp(-INTS)), rtol=1e-6)


def test_integer_ops_that_stay_integer():
    t = i2dl.Tensor(INTS)
    assert (t + 1).dtype.kind == "i" and (t * 2).dtype.kind == "i" and (-t).dtype.kind == "i"


def test_a_leaf_gets_a_gradient_of_its_own_dtype():
    m = nn.Linear(3, 1)
    opt = optim.SGD(m.parameters(), lr=0.1)
    other = i2dl.Tensor(np.ones((2, 3)))                 # float64
    y = m.weight * other
    assert y.dtype == np.float64                         # float32 * float64 -> float64, as in PyTorch
    y.sum().backward()
    assert m.weight.grad.dtype == np.float32
    opt.step()
    a = i2dl.randn(3, dtype=np.float64, requires_grad=True)
    (a * i2dl.randn(3, requires_grad=True)).sum().backward()
    assert a.grad.dtype == np.float64


def test_matmul_of_two_dtypes_is_refused():
    with pytest.raises(TypeError, match=r"matmul: argument 'other' must have dtype float32.*got float64"):
        i2dl.randn(2, 3) @ i2dl.Tensor(np.ones((3, 2)))
    assert (i2dl.randn(2, 3) @ i2dl.randn(3, 2)).dtype == np.float32
