"""Names that keep their promise: contiguous() gives a C-contiguous tensor, zeros_like/ones_like
allocate (the source's values never enter), zero_grad(set_to_none=False) writes zeros."""
import numpy as np

import i2dl
from i2dl import nn, optim


def test_contiguous_copies_a_transposed_view_and_passes_the_gradient():
    a = i2dl.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    t = a.T
    assert not t.data.flags.c_contiguous
    c = t.contiguous()
    assert c.data.flags.c_contiguous and np.array_equal(c.numpy(), t.numpy())
    (c * i2dl.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(a.grad, np.arange(6.0).reshape(3, 2).T)
    assert a.contiguous() is a


def test_zeros_like_and_ones_like_ignore_the_values():
    t = i2dl.tensor(np.array([np.nan, np.inf, 1.0], np.float32))
    z, o = i2dl.zeros_like(t), i2dl.ones_like(t)
    assert np.array_equal(z.numpy(), [0, 0, 0]) and np.array_equal(o.numpy(), [1, 1, 1])
    assert z.dtype == o.dtype == np.float32


def test_zero_grad_without_none_writes_zeros_over_nan():
    m = nn.Linear(2, 1)
    opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m.weight.grad = np.full((1, 2), np.nan, np.float32)
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(m.weight.grad, np.zeros((1, 2), np.float32))
    m.weight.data[...] = np.nan                    # a NaN parameter does not poison the first velocity
    m.weight.grad = np.ones((1, 2), np.float32)
    opt.step()
    assert np.all(np.isfinite(opt.state[id(m.weight)]["momentum_buffer"]))
