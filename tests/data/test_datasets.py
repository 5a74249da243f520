"""MNIST/Fashion-MNIST IDX files and CIFAR-10 binary batches read from disk (small files written here
in those formats), and the errors bad files get."""
import gzip

import numpy as np
import pytest

from i2dl.data import cifar10, fashion_mnist, load_bundled, mnist, read_idx, write_idx


def _mnist_dir(tmp_path, n_train=12, n_test=5, gz=True, dotted=False):
    rng = np.random.default_rng(0)
    d = tmp_path / "mnist"
    d.mkdir()
    sets = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        img, lab = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)
        sep = "." if dotted else "-"
        write_idx(d / (f"{split}-images{sep}idx3-ubyte" + (".gz" if gz else "")), img)
        write_idx(d / (f"{split}-labels{sep}idx1-ubyte" + (".gz" if gz else "")), lab)
        sets[split] = (img, lab)
    return d, sets


@pytest.mark.parametrize("gz,dotted", [(True, False), (False, False), (False, True)])
def test_mnist_reads_idx_files(tmp_path, gz, dotted):
    d, sets = _mnist_dir(tmp_path, gz=gz, dotted=dotted)
    for train, key in ((True, "train"), (False, "t10k")):
        x, y = mnist(d, train=train).arrays
        img, lab = sets[key]
        assert x.shape == (len(img), 1, 28, 28) and x.dtype == np.float32
        np.testing.assert_allclose(x[:, 0] * 255, img, atol=1e-4)
        np.testing.assert_array_equal(y, lab)
    assert len(fashion_mnist(d)) == 12


def test_idx_round_trip_of_every_type(tmp_path):
    for dtype in (np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64):
        a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        write_idx(tmp_path / "a.idx", a)
        b = read_idx(tmp_path / "a.idx")
        assert b.dtype == np.dtype(dtype) and b.dtype.isnative
        np.testing.assert_array_equal(a, b)


def test_bad_idx_files_name_the_file(tmp_path):
    d, _ = _mnist_dir(tmp_path, gz=False)
    f = d / "train-images-idx3-ubyte"
    raw = f.read_bytes()
    f.write_bytes(raw[:-10])
    with pytest.raises(ValueError, match=rf"{f}: truncated: {len(raw) - 10} bytes, its header \(12, 28, 28\) of uint8 announces {len(raw)}"):
        mnist(d)
    f.write_bytes(b"\x08\x03" + raw[2:])
    with pytest.raises(ValueError, match=rf"{f}: not an IDX file: magic number 0803"):
        mnist(d)
    f.write_bytes(raw)
    write_idx(d / "train-labels-idx1-ubyte", np.zeros(11, np.uint8))
    with pytest.raises(ValueError, match=r"holds 12 images but .*train-labels-idx1-ubyte 11 labels"):
        mnist(d)
    write_idx(d / "train-labels-idx1-ubyte", np.full(12, 10, np.uint8))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte: label 10 outside \[0, 10\)"):
        mnist(d)
    g = d / "t10k-images-idx3-ubyte"
    (d / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(g.read_bytes())[:-20])
    g.unlink()
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz: a damaged or truncated gzip file"):
        mnist(d, train=False)
    with pytest.raises(FileNotFoundError, match=r"none of \['train-images-idx3-ubyte'"):
        mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"no folder"):
        mnist(tmp_path / "nowhere")


def _cifar_dir(tmp_path, per_batch=4, nested=False):
    rng = np.random.default_rng(1)
    d = tmp_path / "cifar" / ("cifar-10-batches-bin" if nested else "")
    d.mkdir(parents=True)
    want = {}
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        labels = rng.integers(0, 10, per_batch).astype(np.uint8)
        pix = rng.integers(0, 256, (per_batch, 3, 32, 32), dtype=np.uint8)
        (d / name).write_bytes(b"".join(bytes([l]) + p.tobytes() for l, p in zip(labels, pix)))
        want[name] = (pix, labels)
    return tmp_path / "cifar", d, want


@pytest.mark.parametrize("nested", [False, True])
def test_cifar10_reads_binary_batches(tmp_path, nested):
    root, d, want = _cifar_dir(tmp_path, nested=nested)
    x, y = cifar10(root).arrays
    assert x.shape == (20, 3, 32, 32) and x.dtype == np.float32
    pix = np.concatenate([want[f"data_batch_{i}.bin"][0] for i in range(1, 6)])
    np.testing.assert_allclose(x * 255, pix, atol=1e-4)     # R, G, B planes in that order
    np.testing.assert_array_equal(y, np.concatenate([want[f"data_batch_{i}.bin"][1] for i in range(1, 6)]))
    xt, yt = cifar10(root, train=False).arrays
    np.testing.assert_array_equal(yt, want["test_batch.bin"][1])


def test_bad_cifar_files_name_the_file(tmp_path):
    root, d, _ = _cifar_dir(tmp_path)
    f = d / "data_batch_3.bin"
    raw = f.read_bytes()
    f.write_bytes(raw[:-1])
    with pytest.raises(ValueError, match=rf"{f}: not a CIFAR-10 binary batch: {len(raw) - 1} bytes is not a positive multiple"):
        cifar10(root)
    f.write_bytes(bytes([200]) + raw[1:])
    with pytest.raises(ValueError, match=rf"{f}: record 0 has label 200, outside \[0, 10\)"):
        cifar10(root)
    f.unlink()
    with pytest.raises(FileNotFoundError, match=r"missing \['data_batch_3.bin'\]"):
        cifar10(root)


def test_bundled_sets():
    pytest.importorskip("sklearn")
    x, y = load_bundled("iris").arrays
    assert x.shape == (150, 4) and y.dtype == np.int64
    assert load_bundled("digits").arrays[0].shape == (1797, 1, 8, 8)
    assert load_bundled("diabetes").arrays[1].dtype == np.float32
    with pytest.raises(ValueError, match=r"argument 'name' must be one of"):
        load_bundled("mnist")
