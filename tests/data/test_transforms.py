"""Batch augmentation: shapes, exact cases, reproducibility, and the loader's generators and prefetch."""
import numpy as np
import pytest

import i2dl
from i2dl.data import DataLoader, TensorDataset
from i2dl.data import transforms as T


@pytest.fixture
def batch():
    return np.random.default_rng(0).random((16, 3, 10, 12)).astype(np.float32)


def test_crop_without_padding_at_full_size_is_the_identity(batch):
    np.testing.assert_array_equal(T.RandomCrop((10, 12))(batch, np.random.default_rng(0)), batch)


def test_crop_windows_are_shifted_copies_of_the_padded_image(batch):
    out = T.RandomCrop((10, 12), padding=2)(batch, np.random.default_rng(3))
    padded = np.pad(batch, ((0, 0), (0, 0), (2, 2), (2, 2)))
    for n in range(len(batch)):   # each output is some window of its own padded input
        found = any(np.array_equal(out[n], padded[n, :, i:i + 10, j:j + 12]) for i in range(5) for j in range(5))
        assert found
    assert out.shape == batch.shape


def test_flip_mirrors_a_random_subset(batch):
    out = T.RandomHorizontalFlip(0.5)(batch, np.random.default_rng(1))
    flipped = [np.array_equal(o, b[:, :, ::-1]) for o, b in zip(out, batch)]
    kept = [np.array_equal(o, b) for o, b in zip(out, batch)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(batch), batch[..., ::-1])


def test_affine_identity_and_a_quarter_turn():
    x = np.random.default_rng(0).random((2, 1, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(T.RandomAffine(0)(x, np.random.default_rng(0)), x, atol=1e-6)

    class Fixed:  # a generator that always draws the top of the range: a 90 degree turn
        def uniform(self, lo, hi, n):
            return np.full(n, hi)
    turned = T.RandomAffine(90)(x, Fixed())
    want = np.rot90(x, k=1, axes=(2, 3))
    assert np.allclose(turned, want, atol=1e-5) or np.allclose(turned, np.rot90(x, k=-1, axes=(2, 3)), atol=1e-5)


def test_affine_shift_by_whole_pixels_moves_the_image():
    x = np.zeros((1, 1, 6, 6), np.float32)
    x[0, 0, 2, 2] = 1.0

    class Fixed:
        def uniform(self, lo, hi, n):
            return np.full(n, hi)
    out = T.RandomAffine(0, translate=(1 / 6, 1 / 6))(x, Fixed())
    assert out[0, 0, 3, 3] == pytest.approx(1.0) and out.sum() == pytest.approx(1.0)


def test_noise_normalize_compose(batch):
    rng = np.random.default_rng(0)
    noisy = T.GaussianNoise(0.1)(batch, rng)
    assert abs(float((noisy - batch).std()) - 0.1) < 0.01
    norm = T.Normalize([0.5, 0.4, 0.3], [0.1, 0.2, 0.3])(batch)
    np.testing.assert_allclose(norm[:, 1], (batch[:, 1] - 0.4) / 0.2, rtol=1e-6)
    c = T.Compose([T.RandomHorizontalFlip(1.0), T.Normalize(0.5, 0.5)])
    np.testing.assert_allclose(c(batch), (batch[..., ::-1] - 0.5) / 0.5)


def test_same_seed_same_augmentation(batch):
    t = T.Compose([T.RandomCrop((10, 12), padding=1), T.RandomAffine(15, (0.1, 0.1), (0.9, 1.1)), T.GaussianNoise(0.1)])
    np.testing.assert_array_equal(t(batch, np.random.default_rng(5)), t(batch, np.random.default_rng(5)))
    assert not np.array_equal(t(batch, np.random.default_rng(5)), t(batch, np.random.default_rng(6)))


def test_bad_arguments(batch):
    with pytest.raises(ValueError, match=r"RandomCrop: argument 'size' must be an int or a pair of ints, got 'a'"):
        T.RandomCrop("a")
    with pytest.raises(ValueError, match=r"RandomCrop: argument 'size' \(20, 20\) is larger than the padded image \(12, 14\)"):
        T.RandomCrop(20, padding=1)(batch)
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: argument 'p' must be in \[0, 1\], got 2"):
        T.RandomHorizontalFlip(2)
    with pytest.raises(ValueError, match=r"Normalize: argument 'std' must be positive"):
        T.Normalize(0, 0)
    with pytest.raises(ValueError, match=r"argument 'x' must be a NumPy batch \(N, C, H, W\)"):
        T.GaussianNoise()(batch[0])
    with pytest.raises(ValueError, match=r"'mean' and 'std' must have 1 or 3 \(channels\) values, got 2 and 1"):
        T.Normalize([0, 0], 1)(batch)


def _loader(prefetch, seed=0):
    x = np.random.default_rng(0).random((50, 1, 6, 6)).astype(np.float32)
    ds = TensorDataset(x, np.arange(50))
    return DataLoader(ds, batch_size=8, shuffle=True, seed=seed, prefetch=prefetch,
                      transform=T.Compose([T.RandomAffine(10, (0.1, 0.1)), T.GaussianNoise(0.1)]))


def test_prefetch_gives_the_same_batches_as_inline():
    a, b = _loader(0), _loader(3)
    for _ in range(2):   # two epochs: the generators carry on identically
        for (xa, ya), (xb, yb) in zip(a, b, strict=True):
            np.testing.assert_array_equal(xa.numpy(), xb.numpy())
            np.testing.assert_array_equal(ya.numpy(), yb.numpy())


def test_loader_state_resumes_the_same_draws():
    a = _loader(2)
    list(a)
    state = a.state_dict()
    nxt = [x.numpy() for x, _ in a]
    b = _loader(2, seed=99)
    b.load_state_dict(state)
    for x, want in zip((x.numpy() for x, _ in b), nxt, strict=True):
        np.testing.assert_array_equal(x, want)


def test_prefetch_raises_the_workers_error_and_stops_on_break():
    def boom(x):
        raise RuntimeError("bad batch")
    ds = TensorDataset(np.zeros((10, 1, 2, 2), np.float32), np.zeros(10))
    with pytest.raises(RuntimeError, match="bad batch"):
        list(DataLoader(ds, batch_size=2, transform=boom, prefetch=2))
    it = iter(DataLoader(ds, batch_size=2, prefetch=1))
    next(it)
    it.close()   # leaving early joins the thread
    import threading
    assert not any(t.name == "i2dl-prefetch" for t in threading.enumerate())


def test_loader_bad_arguments():
    ds = TensorDataset(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"argument 'prefetch' must be an integer >= 0 \(batches ahead\), got -1"):
        DataLoader(ds, prefetch=-1)
    with pytest.raises(TypeError, match=r"argument 'transform' must be callable"):
        DataLoader(ds, transform=3)


def test_unseeded_loaders_follow_manual_seed():
    i2dl.manual_seed(3)
    a = [x.numpy() for x, _ in _loader(0, seed=None)]
    i2dl.manual_seed(3)
    b = [x.numpy() for x, _ in _loader(0, seed=None)]
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
