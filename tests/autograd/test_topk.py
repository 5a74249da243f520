"""i2dl.topk against PyTorch: values, indices and gradients along every dim; NaN and ties; errors."""
import numpy as np
import pytest

import i2dl

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dim", [-1, 0, 1])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_pytorch(dim, largest, dtype):
    x = np.random.default_rng(0).normal(size=(4, 9, 6)).astype(dtype)
    t = i2dl.tensor(x, requires_grad=True)
    v, i = i2dl.topk(t, 3, dim=dim, largest=largest)
    tt = torch.tensor(x, requires_grad=True)
    tv, ti = torch.topk(tt, 3, dim=dim, largest=largest)
    np.testing.assert_array_equal(v.numpy(), tv.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    w = np.random.default_rng(1).normal(size=v.shape).astype(dtype)
    (v * i2dl.tensor(w)).sum().backward()
    (tv * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(t.grad, tt.grad.numpy())


def test_nan_counts_as_largest_and_ties_keep_order():
    x = np.array([[1.0, np.nan, 3.0, 1.0, -2.0]], np.float32)
    v, i = i2dl.topk(i2dl.tensor(x), 2)
    assert np.isnan(v.numpy()[0, 0]) and i.tolist() == [[1, 2]]
    v, i = i2dl.functional.topk(i2dl.tensor(x), 3, largest=False)
    assert i.tolist() == [[4, 0, 3]]
    with i2dl.use_backend("reference"):
        assert i2dl.topk(i2dl.tensor(x), 5, largest=False).indices.tolist() == [[4, 0, 3, 2, 1]]


def test_bad_arguments():
    t = i2dl.tensor(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"topk_forward: argument 'k' must be in \[1, 3\] \(the row length of x \(2, 3\)\), got 4"):
        i2dl.topk(t, 4)
    with pytest.raises(ValueError, match=r"topk: argument 'dim' must be an int in \[-2, 1\], got 2"):
        i2dl.topk(t, 1, dim=2)
