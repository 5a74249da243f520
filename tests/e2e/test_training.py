"""End to end on the real digits: an MLP reaches >= 90 % in a few seconds; the CLI job trains,
prints the test accuracy line and saves the model."""
import re

import numpy as np
import pytest

pytest.importorskip("sklearn")

import i2dl  # noqa: E402
from i2dl import models, optim  # noqa: E402
from i2dl.data import DataLoader, digits, random_split  # noqa: E402
from i2dl.train import evaluate, fit  # noqa: E402


def test_mlp_learns_the_digits():
    i2dl.manual_seed(0)
    train, test = random_split(digits(), [0.8, 0.2], seed=0)
    model = models.MLP((64, 64, 10))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    fit(model, opt, DataLoader(train, batch_size=32, shuffle=True, seed=0), epochs=8, progress=False)
    _, acc = evaluate(model, DataLoader(test, batch_size=256))
    assert acc >= 0.90


def test_cli_train_job(tmp_path, capsys):
    from i2dl.cli import main
    assert main(["train", "--epochs", "3", "--out", str(tmp_path / "digits")]) == 0
    out = capsys.readouterr().out
    line = [l for l in out.splitlines() if l.startswith("test accuracy: ")]
    assert line and line[-1].endswith("%")
    assert float(line[-1].split()[-1].rstrip("%")) > 50.0
    assert (tmp_path / "digits.safetensors").exists()
    model = models.load(tmp_path / "digits")
    assert model(i2dl.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_digits_dataset():
    ds = digits()
    x, y = ds.arrays
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32 and set(np.unique(y)) == set(range(10))


def test_cli_gpu_faces_say_why_they_cannot_run():
    """Without a usable GPU, `--device cuda` stops with the reason instead of a traceback."""
    from i2dl.cli import main
    from i2dl.kernels import cuda as cuda_backend
    reason = cuda_backend.why_unavailable()
    if reason is None:
        pytest.skip("a GPU is usable here")
    for argv, face in ((["train", "--device", "cuda", "--epochs", "1"], "train"), (["bench", "--device", "cuda"], "bench")):
        with pytest.raises(SystemExit, match=rf"i2dl {face} --device cuda: .*{re.escape(reason)}"):
            main(argv)


def test_lenet_bn_learns_the_digits_and_evaluates_with_its_running_statistics(tmp_path):
    i2dl.manual_seed(0)
    train, test = random_split(digits(), [0.8, 0.2], seed=0)
    model = models.DigitsCNN(batch_norm=True)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    fit(model, opt, DataLoader(train, batch_size=32, shuffle=True, seed=0), epochs=3, progress=False)
    _, acc = evaluate(model, DataLoader(test, batch_size=256))
    assert acc >= 0.90
    model.eval()
    conv, bn = model.features[0], model.features[1]
    assert int(bn.num_batches_tracked) > 0
    x = i2dl.tensor(digits().arrays[0][:16])
    z = conv(x).numpy()
    c = (slice(None), None, None)
    want = (z - bn.running_mean[c]) / np.sqrt(bn.running_var[c] + bn.eps) * bn.weight.numpy()[c] + bn.bias.numpy()[c]
    np.testing.assert_allclose(bn(conv(x)).numpy(), want, rtol=1e-5, atol=1e-5)
    models.save(model, tmp_path / "bn")  # buffers (int64 num_batches_tracked too) go through the checkpoint
    again = models.load(tmp_path / "bn").eval()
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())
    assert int(again.features[1].num_batches_tracked) == int(bn.num_batches_tracked)


def test_cli_trains_with_adam_and_a_schedule(tmp_path, capsys):
    from i2dl.cli import main
    assert main(["train", "--epochs", "3", "--optimizer", "adam", "--scheduler", "cosine",
                 "--out", str(tmp_path / "adam")]) == 0
    out = capsys.readouterr().out
    line = [l for l in out.splitlines() if l.startswith("test accuracy: ")]
    assert line and float(line[-1].split()[-1].rstrip("%")) > 80.0
    meta = models.read_metadata(tmp_path / "adam")
    assert meta["optimizer"] == "adam" and meta["lr"] == 2e-3


def test_cli_lstm_reads_the_digits_row_by_row(tmp_path, capsys):
    from i2dl.cli import main
    assert main(["train", "--model", "lstm", "--out", str(tmp_path / "lstm")]) == 0
    out = capsys.readouterr().out
    line = [l for l in out.splitlines() if l.startswith("test accuracy: ")]
    assert line and float(line[-1].split()[-1].rstrip("%")) >= 95.0
    meta = models.read_metadata(tmp_path / "lstm")
    assert meta["model"] == "RowSequenceClassifier" and meta["optimizer"] == "adam" and meta["max_grad_norm"] == 1.0
    model = models.load(tmp_path / "lstm")
    assert model(i2dl.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_cli_unet_segments_the_generated_shapes(tmp_path, capsys):
    from i2dl.cli import main
    assert main(["train", "--model", "unet", "--out", str(tmp_path / "unet")]) == 0
    out = capsys.readouterr().out
    line = [l for l in out.splitlines() if l.startswith("test mean IoU: ")]
    assert line and float(line[-1].split()[-1]) >= 0.9
    meta = models.read_metadata(tmp_path / "unet")
    assert meta["model"] == "UNet" and meta["test_mean_iou"] >= 0.9
    assert models.load(tmp_path / "unet")(i2dl.zeros(1, 1, 32, 32)).shape == (1, 3, 32, 32)
