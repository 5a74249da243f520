"""Checkpoints on disk: one file, written atomically (a reader sees the old checkpoint or the new
one, whenever the writer is killed or the disk fills), paths taken as stems, and files checked —
truncated, damaged, or describing another architecture — before any weight is read."""
import json
import os
import resource
import signal
import subprocess
import textwrap
import time

import numpy as np
import pytest

from conftest import child_python

import i2dl
from i2dl import models


def _same(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


def test_names_with_a_dot_are_stems(tmp_path):
    a, b = models.MLP(sizes=(4, 3, 2)), models.MLP(sizes=(4, 3, 2))
    fa, fb = models.save(a, tmp_path / "run.1"), models.save(b, tmp_path / "run.2")
    assert (fa.name, fb.name) == ("run.1.safetensors", "run.2.safetensors")
    assert _same(models.load(tmp_path / "run.1"), a) and _same(models.load(tmp_path / "run.2"), b)
    assert _same(models.load(fa), a)  # the file's own name works too


def test_a_failing_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    old = models.MLP(sizes=(8, 16, 4))
    models.save(old, tmp_path / "ck")
    real = os.fsync

    def disk_full(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        models.save(models.MLP(sizes=(8, 16, 4)), tmp_path / "ck")
    monkeypatch.setattr(os, "fsync", real)
    assert _same(models.load(tmp_path / "ck"), old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.safetensors"]  # no temporary left behind


WRITER = textwrap.dedent("""
    import sys, i2dl
    from i2dl import models
    i2dl.manual_seed(int(sys.argv[2]))
    m = models.MLP(sizes=(256, 512, 512, 10))
    print('ready', flush=True)
    while True:
        models.save(m, sys.argv[1], step=int(sys.argv[2]))
""")


def test_a_save_killed_at_any_moment_leaves_a_loadable_checkpoint(tmp_path):
    """A writer that saves in a loop is SIGKILLed at 12 moments; after each kill the checkpoint
    loads and is one of the two models ever saved, whole."""
    path = tmp_path / "ck"
    models.save(models.MLP(sizes=(256, 512, 512, 10)), path, step=-1)
    seen = set()
    for i in range(12):
        p = subprocess.Popen(**child_python(WRITER, path, i % 2, stdout=subprocess.PIPE, text=True))
        assert p.stdout.readline().strip() == "ready"
        time.sleep(0.002 + 0.011 * i)
        p.send_signal(signal.SIGKILL)
        p.wait()
        model = models.load(path)                       # never a mix, never a partial file
        step = models.read_metadata(path)["step"]
        if step >= 0:
            i2dl.manual_seed(step)
            assert _same(model, models.MLP(sizes=(256, 512, 512, 10)))
        seen.add(step)
    assert seen & {0, 1}, "no kill happened after a save completed"


def test_truncated_file_is_named_and_called_truncated(tmp_path):
    file = models.save(models.MLP(sizes=(64, 128, 10)), tmp_path / "ck")
    data = file.read_bytes()
    for cut in (4, 60, len(data) // 2, len(data) - 1):
        file.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=rf"{file.name} is truncated"):
            models.load(tmp_path / "ck")


def _rewrite_header(file, edit):
    data = file.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    edit(header)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    file.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n:])


def test_damaged_header_names_the_file(tmp_path):
    file = models.save(models.MLP(sizes=(4, 3, 2)), tmp_path / "ck")
    data = bytearray(file.read_bytes())
    data[9] = ord("#")  # the JSON header no longer parses
    file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=rf"{file.name} is not a safetensors checkpoint"):
        models.load(file)
    file.write_bytes(b"PK\x03\x04 not a checkpoint at all, a zip file's start" * 4)
    with pytest.raises(ValueError, match=rf"{file.name}"):
        models.load(file)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        models.load(tmp_path / "absent")


def test_description_that_does_not_fit_its_weights_is_refused_before_allocating(tmp_path):
    """The header says the model is an MLP 8000-8000-10 (256 MB of weights) while the file holds a
    64-128-10 one: refused from the header, without building 256 MB of initialised weights."""
    file = models.save(models.MLP(sizes=(64, 128, 10)), tmp_path / "ck")

    def bigger(header):
        meta = json.loads(header["__metadata__"]["i2dl"])
        meta["config"]["sizes"] = [8000, 8000, 10]
        header["__metadata__"]["i2dl"] = json.dumps(meta)
    _rewrite_header(file, bigger)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"does not fit.*mis-shaped"):
        models.load(file)
    assert time.perf_counter() - t0 < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024  # KiB: < 64 MB more


def test_config_that_builds_nothing_and_unknown_models(tmp_path):
    file = models.save(models.MLP(sizes=(4, 3, 2)), tmp_path / "ck")

    def set_meta(**kv):
        def edit(header):
            meta = json.loads(header["__metadata__"]["i2dl"])
            meta.update(kv)
            header["__metadata__"]["i2dl"] = json.dumps(meta)
        return edit
    _rewrite_header(file, set_meta(config={"sizes": [4, 3, 2], "width": 3}))
    with pytest.raises(ValueError, match="does not build a MLP"):
        models.load(file)
    _rewrite_header(file, set_meta(model="os.system"))
    with pytest.raises(ValueError, match="unknown model 'os.system'"):
        models.load(file)


def test_extras_must_be_json(tmp_path):
    with pytest.raises(TypeError, match="JSON values"):
        models.save(models.MLP(sizes=(4, 3, 2)), tmp_path / "ck", note=object())
    assert not list(tmp_path.iterdir())
