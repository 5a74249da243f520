"""MNIST and Fashion-MNIST from their IDX files in a folder (as distributed; gzipped or not):
``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``. Nothing is downloaded."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .dataset import TensorDataset
from .idx import read_idx

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")


def _find(root: Path, stem: str) -> Path:
    """The file of an IDX stem in ``root``: the name as distributed, or with "." before "idx" (as some
    mirrors spell it), each with or without .gz."""
    dotted = stem.replace("-idx", ".idx")
    names = [n + gz for n in (stem, dotted) for gz in ("", ".gz")]
    for name in names:
        if (root / name).is_file():
            return root / name
    raise FileNotFoundError(f"{root}: none of {names} (the MNIST IDX files; nothing is downloaded)")


def load_idx_pair(root, split="train", num_classes=10):
    """(images uint8 (N, 28, 28), labels int64 (N,)) of one split, checked against each other."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no folder {root} (expected the MNIST-format IDX files in it)")
    prefix = {"train": "train", "test": "t10k"}[split]
    img_file, lab_file = _find(root, f"{prefix}-images-idx3-ubyte"), _find(root, f"{prefix}-labels-idx1-ubyte")
    images, labels = read_idx(img_file), read_idx(lab_file)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"{img_file}: expected images as uint8 (N, rows, cols), got {images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(f"{lab_file}: expected labels as uint8 (N,), got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{img_file} holds {len(images)} images but {lab_file} {len(labels)} labels")
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"{lab_file}: label {int(labels.max())} outside [0, {num_classes})")
    return images, labels.astype(np.int64)


def mnist(root, train=True):
    """TensorDataset of (image float32 (1, 28, 28) in [0, 1], label int64) from the IDX files in ``root``."""
    images, labels = load_idx_pair(root, "train" if train else "test")
    return TensorDataset((images.astype(np.float32) / 255.0)[:, None], labels)


def fashion_mnist(root, train=True):
    """Fashion-MNIST (Zalando): the same files and layout as MNIST, ten classes of clothing
    (``FASHION_CLASSES``)."""
    return mnist(root, train)
