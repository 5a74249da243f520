"""Every op's gradient by gradcheck (float64, central differences; the cases: tests/function_cases.py), plus the graph rules:
broadcast reduction, index accumulation, no_grad, freeing, accumulation into leaves."""
import numpy as np
import pytest

import i2dl
from i2dl import gradcheck

from function_cases import CASES, make_tensors


def t(*shape, positive=False, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return i2dl.tensor(a, dtype=np.float64, requires_grad=True)


@pytest.mark.parametrize("backend", ["cpu", "reference"])
@pytest.mark.parametrize("name", list(CASES))
def test_op_gradient(name, backend):
    """Every op of the database (tests/function_cases.py) by gradcheck, on both CPU backends."""
    fn, specs = CASES[name]
    with i2dl.use_backend(backend):
        res = gradcheck(fn, make_tensors(specs))
    assert res.ok and res.checked > 0


def test_broadcast_gradient_has_the_input_shape():
    a, b = t(3, 4), t(4)
    (a * b).sum().backward()
    assert b.grad.shape == (4,)
    np.testing.assert_allclose(b.grad, a.data.sum(axis=0))


def test_repeated_indices_accumulate():
    a = t(3)
    a[np.array([0, 0, 2])].sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 0.0, 1.0])


def test_gradients_accumulate_across_backward_calls_and_reused_tensors():
    a = t(2)
    (a * a).sum().backward()
    (a * 3).sum().backward()
    np.testing.assert_allclose(a.grad, 2 * a.data + 3)


def test_shared_subexpression_sums_its_paths():
    a = t(3)
    b = a * 2
    (b * b + b).sum().backward()
    np.testing.assert_allclose(a.grad, 8 * a.data + 2)


def test_no_grad_records_nothing():
    a = t(3)
    with i2dl.no_grad():
        y = a * 2
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_graph_is_freed_after_backward():
    a = t(3)
    y = (a.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    z = (a.exp() * 2).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(a.grad, 2 * 2 * np.exp(a.data) + 2 * np.exp(a.data))


def test_backward_needs_grad_for_non_scalars():
    a = t(3)
    with pytest.raises(RuntimeError, match="only for a scalar"):
        (a * 2).backward()
    with pytest.raises(ValueError, match="'grad' must have shape"):
        (a * 2).backward(np.ones(4))


def test_deep_graph_does_not_recurse():
    a = t(1)
    y = a
    for _ in range(5000):
        y = y + 1.0
    y.sum().backward()
    assert a.grad[0] == 1.0


def test_creation_and_dtypes():
    i2dl.manual_seed(3)
    x = i2dl.randn(2, 3)
    i2dl.manual_seed(3)
    assert np.array_equal(x.numpy(), i2dl.randn(2, 3).numpy())
    assert x.dtype == np.float32 and i2dl.tensor([1.0]).dtype == np.float32
    assert i2dl.tensor(np.zeros(2)).dtype == np.float64 and i2dl.arange(3).dtype.kind == "i"
    assert (i2dl.ones(2, 2) * 2.0).dtype == np.float32  # Python scalars keep the tensor's dtype
    assert i2dl.zeros((2, 3)).shape == (2, 3) and i2dl.tensor([[1.0, 2.0]]).item if True else None
    with pytest.raises(TypeError, match="floating point"):
        i2dl.tensor([1, 2], requires_grad=True)
    with pytest.raises(ValueError, match="one-element"):
        i2dl.ones(2).item()


def test_detach_numpy_item_and_device():
    a = t(2)
    d = a.detach()
    assert not d.requires_grad and d.numpy() is a.data
    assert i2dl.tensor([3.5]).item() == 3.5
    assert a.to("cpu") is a
    with pytest.raises(ValueError, match="'device' must be"):
        a.to("tpu")


def test_repr_of_a_tensor_whose_graph_was_freed():
    a = t(2)
    y = (a * 2).sum()
    y.backward()
    assert "grad_fn=Sum" in repr(y)


@pytest.mark.parametrize("a_shape,b_shape", [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((5, 2, 3), (3,)),
                                             ((3,), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4))])
def test_matmul_gradients_for_every_operand_rank(a_shape, b_shape):
    """NumPy's matmul rules: 1-D operands (a 1-D @ 1-D is a 0-D result) and batch broadcasting."""
    rng = np.random.default_rng(0)
    a = i2dl.Tensor(rng.standard_normal(a_shape), requires_grad=True)
    b = i2dl.Tensor(rng.standard_normal(b_shape), requires_grad=True)
    assert i2dl.gradcheck(lambda x, y: x @ y, [a, b]).ok
