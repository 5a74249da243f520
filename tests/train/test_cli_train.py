"""``i2dl train`` through its options: datasets from disk, augmentation, early stopping, resume,
plots and search (tiny epochs)."""
import json

import numpy as np
import pytest

from i2dl.cli import main
from i2dl.data import write_idx

pytest.importorskip("sklearn")


def _acc(out):
    return float([l for l in out.splitlines() if l.startswith("test accuracy: ")][-1].split()[-1].rstrip("%"))


@pytest.fixture
def mnist_dir(tmp_path):
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    img = np.pad(np.kron(X.reshape(-1, 8, 8), np.ones((2, 2))), ((0, 0), (6, 6), (6, 6))) * (255 / 16)
    d = tmp_path / "mnist"
    d.mkdir()
    write_idx(d / "train-images-idx3-ubyte.gz", img[:600].astype(np.uint8))
    write_idx(d / "train-labels-idx1-ubyte.gz", y[:600].astype(np.uint8))
    write_idx(d / "t10k-images-idx3-ubyte", img[600:800].astype(np.uint8))
    write_idx(d / "t10k-labels-idx1-ubyte", y[600:800].astype(np.uint8))
    return d


def test_mnist_files_with_augmentation_and_a_plot(tmp_path, mnist_dir, capsys):
    out = tmp_path / "m" / "run"
    assert main(["train", "--dataset", f"mnist:{mnist_dir}", "--epochs", "2", "--augment", "--plot",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mnist 28x28x1" in text and "540 train / 60 val / 200 test" in text
    assert _acc(text) > 30
    assert (tmp_path / "m" / "run.png").read_bytes()[:4] == b"\x89PNG"
    with np.load(tmp_path / "m" / "run.npz") as z:
        assert z["features.0.weight"].shape == (32, 1, 3, 3)
    assert json.loads((tmp_path / "m" / "run.history.json").read_text())[-1]["epoch"] == 2


def test_cifar_files_and_a_bad_folder(tmp_path, capsys):
    rng = np.random.default_rng(0)
    d = tmp_path / "cifar"
    d.mkdir()
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        labels = rng.integers(0, 10, 20)
        pix = np.clip(40 + 20 * labels[:, None] + rng.normal(0, 10, (20, 3072)), 0, 255).astype(np.uint8)
        (d / name).write_bytes(b"".join(bytes([int(l)]) + p.tobytes() for l, p in zip(labels, pix)))
    assert main(["train", "--dataset", f"cifar10:{d}", "--epochs", "1", "--model", "mlp", "--augment",
                 "--out", str(tmp_path / "c")]) == 0
    assert "cifar10 32x32x3" in capsys.readouterr().out
    # the CIFAR ResNet-20 on CIFAR-10's files, its 3 channels
    assert main(["train", "--dataset", f"cifar10:{d}", "--epochs", "1", "--model", "resnet20", "--batch-size", "16",
                 "--out", str(tmp_path / "r")]) == 0
    with np.load(tmp_path / "r.npz") as z:
        assert z["conv1.weight"].shape == (16, 3, 3, 3) and z["fc.weight"].shape == (10, 64)
    (d / "test_batch.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(SystemExit, match=r"test_batch.bin: not a CIFAR-10 binary batch"):
        main(["train", "--dataset", f"cifar10:{d}", "--epochs", "1", "--out", str(tmp_path / "c")])
    with pytest.raises(SystemExit, match=r"--dataset must be digits, mnist:DIR, fashion-mnist:DIR or cifar10:DIR, got 'svhn:x'"):
        main(["train", "--dataset", "svhn:x"])


@pytest.mark.parametrize("model", ["mlp", "lenet-bn"])   # lenet-bn: 0-d buffers (num_batches_tracked) go through
def test_resume_continues_and_refuses_another_run(tmp_path, capsys, model):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    const = ["--scheduler", "none"]  # a constant rate: a run of 1 epoch extends to 3 as if it had been one run
    main(["train", "--epochs", "3", "--model", model, "--out", a] + const)
    main(["train", "--epochs", "1", "--model", model, "--out", b] + const)
    main(["train", "--epochs", "3", "--model", model, "--out", b, "--resume", b] + const)
    assert "resumed from" in capsys.readouterr().out
    with np.load(a + ".npz") as za, np.load(b + ".npz") as zb:
        assert za.files == zb.files and all(np.array_equal(za[k], zb[k]) for k in za.files)
    if model == "lenet-bn":
        return
    with pytest.raises(SystemExit, match=r"the checkpoint was written by another run \(lr: 0.05 then, 0.1 now"):
        main(["train", "--epochs", "4", "--model", "mlp", "--lr", "0.1", "--out", b, "--resume", b])
    with pytest.raises(SystemExit, match=r"no checkpoint"):
        main(["train", "--epochs", "4", "--resume", str(tmp_path / "nothing")])


def test_an_interrupted_cosine_run_resumes_bit_for_bit(tmp_path, capsys, monkeypatch):
    import i2dl.train.trainer as trainer
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    cos = ["--epochs", "3", "--scheduler", "cosine"]  # the rate at each epoch depends on the run's 3 epochs
    main(["train", *cos, "--out", a])
    assert "'scheduler': 'cosine'" in capsys.readouterr().out
    real, calls = trainer.train_epoch, []

    def killed_in_epoch_3(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(trainer, "train_epoch", killed_in_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        main(["train", *cos, "--out", b])
    monkeypatch.setattr(trainer, "train_epoch", real)
    main(["train", *cos, "--out", b, "--resume", b])
    assert "resumed from" in capsys.readouterr().out
    with np.load(a + ".npz") as za, np.load(b + ".npz") as zb:
        assert za.files == zb.files and all(np.array_equal(za[k], zb[k]) for k in za.files)
    with pytest.raises(SystemExit, match=r"epochs: 3 then, 5 now, and --scheduler cosine spreads its rates over the "
                                         r"run's epochs"):
        main(["train", "--epochs", "5", "--scheduler", "cosine", "--out", b, "--resume", b])


def test_early_stopping_and_options(tmp_path, capsys):
    assert main(["train", "--epochs", "200", "--early-stopping", "2", "--label-smoothing", "0.1", "--max-norm", "3",
                 "--scheduler", "plateau", "--out", str(tmp_path / "e")]) == 0
    text = capsys.readouterr().out
    epochs = [l for l in text.splitlines() if l.startswith("epoch")]
    assert len(epochs) < 200 and "early stop" in epochs[-1]


def test_random_search_then_retrains_the_best(tmp_path, capsys):
    assert main(["train", "--model", "mlp", "--epochs", "2", "--search", "random", "--trials", "2",
                 "--out", str(tmp_path / "s")]) == 0
    text = capsys.readouterr().out
    assert "random search over" in text and text.count("trial ") == 2 and "best on validation" in text
    assert "rank" in text and _acc(text) > 30
