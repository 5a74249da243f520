"""The training loop: bitwise resume, atomic checkpoints, early stopping, history files, learning
curves, label smoothing and max-norm constraints."""
import csv
import json
import os

import numpy as np
import pytest

import i2dl
from i2dl import models, nn, optim
from i2dl.data import DataLoader, TensorDataset
from i2dl.data import transforms as T
from i2dl.train import EarlyStopping, fit, load_run, save_run
from i2dl.train import history as history_mod


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, 1, 8, 8)) + y[:, None, None, None] * 0.8).astype(np.float32)
    return TensorDataset(x[: n * 3 // 4], y[: n * 3 // 4]), TensorDataset(x[n * 3 // 4:], y[n * 3 // 4:])


def _run(epochs, out=None, resume=None, early=None, optimizer="adam"):
    """Builds everything afresh as a new process would (seeded), then trains."""
    i2dl.manual_seed(0)
    train, val = _data()
    model = models.DigitsCNN(num_classes=3, width=4, dropout=0.3)         # dropout: the global generator matters
    opt = optim.Adam(model.parameters(), lr=1e-2) if optimizer == "adam" else optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    loader = DataLoader(train, batch_size=16, shuffle=True, seed=1, prefetch=2,
                        transform=T.Compose([T.RandomAffine(10, (0.1, 0.1)), T.GaussianNoise(0.05)]))
    hist = fit(model, opt, loader, DataLoader(val, batch_size=64), epochs=epochs, scheduler=sched, checkpoint=out,
               resume=resume, early_stopping=early, progress=False, log=None)
    return model, opt, hist


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_resume_reproduces_an_uninterrupted_run_bitwise(tmp_path, optimizer):
    whole, opt_a, hist_a = _run(5, optimizer=optimizer)
    _run(2, out=tmp_path / "run", optimizer=optimizer)
    resumed, opt_b, hist_b = _run(5, out=tmp_path / "run", resume=tmp_path / "run", optimizer=optimizer)
    for (k, a), (k2, b) in zip(whole.state_dict().items(), resumed.state_dict().items(), strict=True):
        assert k == k2
        np.testing.assert_array_equal(a, b, err_msg=k)
    strip = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h]  # noqa: E731
    assert strip(hist_a) == strip(hist_b)
    sa, sb = opt_a.state_dict(), opt_b.state_dict()
    for i in sa["state"]:
        for k, v in sa["state"][i].items():
            np.testing.assert_array_equal(v, sb["state"][i][k])


def test_a_save_killed_half_way_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    model, opt, _ = _run(1, out=tmp_path / "run")
    before = (tmp_path / "run.checkpoint.safetensors").read_bytes()

    def killed(src, dst):   # the process dies between writing the temporary file and the rename
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        save_run(tmp_path / "run", model, opt, dict(epoch=2, history=[]))
    monkeypatch.undo()
    assert (tmp_path / "run.checkpoint.safetensors").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]    # the partial file is removed
    run = load_run(tmp_path / "run", model, opt)
    assert run["epoch"] == 1


def test_damaged_or_foreign_checkpoints_are_refused(tmp_path):
    model, opt, _ = _run(1, out=tmp_path / "run")
    f = tmp_path / "run.checkpoint.safetensors"
    raw = f.read_bytes()
    f.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"is truncated"):
        load_run(tmp_path / "run", model, opt)
    f.write_bytes(raw)
    other = models.MLP((64, 5, 3))
    with pytest.raises(ValueError, match=r"does not fit this model: missing"):
        load_run(tmp_path / "run", other, optim.Adam(other.parameters()))
    with pytest.raises(ValueError, match=r"was written by a Adam optimizer, this run uses SGD"):
        load_run(tmp_path / "run", model, optim.SGD(model.parameters(), lr=0.1))
    models.save(model, tmp_path / "weights")
    with pytest.raises(ValueError, match=r"holds no i2dl run state \(metadata key .i2dl-run.\)"):
        load_run(tmp_path / "weights.safetensors", model, opt)
    with pytest.raises(FileNotFoundError, match=r"no checkpoint"):
        load_run(tmp_path / "missing", model, opt)


def test_early_stopping_stops_and_restores_the_best_weights(tmp_path):
    _, _, hist = _run(60, out=tmp_path / "run", early=EarlyStopping(patience=2))
    assert len(hist) < 60
    accs = [h["val_acc"] for h in hist]
    best = int(np.argmax(accs))
    assert len(hist) - 1 - best == 2         # stopped two epochs after the best one
    # a resumed run that had stopped stays stopped
    _, _, again = _run(60, out=tmp_path / "run", resume=tmp_path / "run", early=EarlyStopping(patience=2))
    assert len(again) == len(hist)
    with pytest.raises(ValueError, match=r"EarlyStopping: argument 'patience' must be an integer >= 1, got 0"):
        EarlyStopping(patience=0)


def test_history_files_and_learning_curves(tmp_path):
    _run(3, out=tmp_path / "run")
    rows = json.loads((tmp_path / "run.history.json").read_text())
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert {"loss", "acc", "val_loss", "val_acc", "lr", "seconds"} <= set(rows[0])
    with open(tmp_path / "run.history.csv") as f:
        table = list(csv.DictReader(f))
    assert float(table[2]["val_acc"]) == pytest.approx(rows[2]["val_acc"])
    pytest.importorskip("matplotlib")
    png = history_mod.plot_history(rows, tmp_path / "curves.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_curves_without_matplotlib_are_still_a_png(tmp_path, monkeypatch, capsys):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *a, **kw):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *a, **kw)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    monkeypatch.setattr(history_mod, "_warned", False)
    rows = [dict(epoch=e, loss=1 / e, acc=1 - 1 / (e + 1), val_loss=1.1 / e, val_acc=1 - 1.2 / (e + 1)) for e in range(1, 6)]
    png = history_mod.plot_history(rows, tmp_path / "c.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"IHDR" in png[:16] and png.endswith(b"IEND\xaeB`\x82")
    assert "pip install 'i2dl[plot]'" in capsys.readouterr().out
    import zlib
    idat = png[png.index(b"IDAT") + 4: png.index(b"IEND") - 8]
    pixels = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(320, 1 + 800 * 3)[:, 1:].reshape(320, 800, 3)
    assert (pixels == (31, 119, 180)).all(axis=2).sum() > 100        # the train loss curve is drawn


def test_max_norm_constraint_holds_after_every_step():
    i2dl.manual_seed(0)
    train, _ = _data()
    model = models.MLP((64, 32, 3))
    fit(model, optim.SGD(model.parameters(), lr=0.5), DataLoader(train, batch_size=8), epochs=2, max_norm=0.5,
        progress=False, log=None)
    for name, p in model.named_parameters():
        if p.ndim == 2:
            assert np.linalg.norm(p.numpy(), axis=1).max() <= 0.5 + 1e-5, name
    w = nn.Parameter(i2dl.tensor(np.array([[3.0, 4.0], [0.3, 0.4]], np.float32)))
    assert nn.utils.max_norm_([w], 1.0) == 1
    np.testing.assert_allclose(w.numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    with pytest.raises(ValueError, match=r"max_norm_: argument 'max_value' must be a finite number > 0, got 0"):
        nn.utils.max_norm_([w], 0.0)


def test_label_smoothing_reaches_the_loss():
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    y = np.array([0, 3, 1, 1, 2])
    got = nn.CrossEntropyLoss(label_smoothing=0.2)(i2dl.tensor(z), y).item()
    want = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y), label_smoothing=0.2).item()
    assert got == pytest.approx(want, rel=1e-6)
    with pytest.raises(ValueError, match=r"argument 'label_smoothing' must be in \[0, 1\], got 1.5"):
        i2dl.functional.cross_entropy(i2dl.tensor(z), y, label_smoothing=1.5)
