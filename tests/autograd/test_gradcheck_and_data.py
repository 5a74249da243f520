"""gradcheck reports a wrong gradient; data loading and splitting."""
import numpy as np
import pytest

import i2dl
from i2dl.autograd import Function
from i2dl.data import DataLoader, TensorDataset, random_split


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return a * a

    @staticmethod
    def backward(ctx, g):
        return g * ctx.a * 2.02          # 1% off


def test_gradcheck_reports_the_worst_error_and_where():
    x = i2dl.tensor(np.linspace(1, 2, 6).reshape(2, 3), dtype=np.float64, requires_grad=True)
    res = i2dl.gradcheck(WrongSquare.apply, [x], raise_exception=False)
    assert not res.ok and res.worst_error > 1e-3 and "input 0, index" in res.where
    with pytest.raises(i2dl.GradcheckError, match="worst relative error"):
        i2dl.gradcheck(WrongSquare.apply, [x])
    with pytest.raises(TypeError, match="must be float64"):
        i2dl.gradcheck(lambda a: a * 2, [i2dl.ones(2, requires_grad=True)])


def test_dataloader_batches_shuffles_with_seed_and_drops_last():
    ds = TensorDataset(np.arange(10, dtype=np.float32).reshape(10, 1), np.arange(10))
    batches = list(DataLoader(ds, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert isinstance(batches[0][0], i2dl.Tensor) and batches[0][0].shape == (4, 1)
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    a = [b[1].numpy().tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, seed=3)]
    b = [b[1].numpy().tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, seed=3)]
    assert a == b and sorted(sum(a, [])) == list(range(10)) and a != [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    with pytest.raises(ValueError, match="'batch_size' must be >= 1"):
        DataLoader(ds, batch_size=0)


def test_random_split_partitions():
    ds = TensorDataset(np.arange(20))
    parts = random_split(ds, [0.7, 0.15, 0.15], seed=0)
    assert [len(p) for p in parts] == [14, 3, 3]
    seen = np.concatenate([p.indices for p in parts])
    assert sorted(seen.tolist()) == list(range(20))
    with pytest.raises(ValueError, match="must sum to the dataset size"):
        random_split(ds, [5, 5])


def test_tensor_dataset_checks_lengths():
    with pytest.raises(ValueError, match="array 1 has 3 rows"):
        TensorDataset(np.zeros(4), np.zeros(3))


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    import sys
    from i2dl.data import digits
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"needs scikit-learn.*pip install 'i2dl\[data\]'"):
        digits()
