"""CIFAR-10 from its binary version (``cifar-10-binary.tar.gz``, extracted): ``data_batch_1.bin`` ..
``data_batch_5.bin`` and ``test_batch.bin``, each a run of 3,073-byte records — one label byte, then
the 32 × 32 red, green and blue planes. The pickled Python version is never read (unpickling a file
runs code). The files may sit in ``root`` or in its ``cifar-10-batches-bin`` folder."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .dataset import TensorDataset
from .idx import read_bytes

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
RECORD = 1 + 3 * 32 * 32
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILES = ("test_batch.bin",)


def read_cifar_batch(path):
    """(images uint8 (N, 3, 32, 32), labels int64 (N,)) of one binary batch file."""
    raw = read_bytes(path)
    if len(raw) == 0 or len(raw) % RECORD:
        raise ValueError(f"{path}: not a CIFAR-10 binary batch: {len(raw)} bytes is not a positive multiple of the "
                         f"{RECORD}-byte record (truncated?)")
    rec = np.frombuffer(raw, np.uint8).reshape(-1, RECORD)
    labels = rec[:, 0].astype(np.int64)
    if labels.max() >= len(CLASSES):
        bad = int(np.flatnonzero(labels >= len(CLASSES))[0])
        raise ValueError(f"{path}: record {bad} has label {int(labels[bad])}, outside [0, {len(CLASSES)})")
    return rec[:, 1:].reshape(-1, 3, 32, 32), labels


def cifar10(root, train=True):
    """TensorDataset of (image float32 (3, 32, 32) in [0, 1], label int64): the five training batches,
    or the test batch."""
    root = Path(root)
    if (root / "cifar-10-batches-bin").is_dir():
        root = root / "cifar-10-batches-bin"
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root} (expected CIFAR-10's binary batches in it)")
    files = TRAIN_FILES if train else TEST_FILES
    missing = [f for f in files if not (root / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{root}: missing {missing} (CIFAR-10's binary version; nothing is downloaded)")
    parts = [read_cifar_batch(root / f) for f in files]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    return TensorDataset(images.astype(np.float32) / 255.0, labels)
