"""The bundled default dataset: scikit-learn's handwritten digits — 1,797 real 8x8 grey images
of the digits 0-9 (UCI ML hand-written digits), shipped inside scikit-learn, so no download."""
from __future__ import annotations

import numpy as np

from .dataset import TensorDataset


def load_digits_arrays():
    """(images float32 (1797, 1, 8, 8) scaled to [0, 1], labels int64 (1797,))."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError("i2dl.data.digits() needs scikit-learn, which carries the dataset: "
                          "pip install 'i2dl[data]' (or pip install scikit-learn)") from e
    bunch = load_digits()
    images = (bunch.images.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    return images, bunch.target.astype(np.int64)


def digits(normalize=True):
    """TensorDataset of (image (1, 8, 8), label). With ``normalize``, pixels are standardised
    with the dataset's mean and std (zero-centred inputs train faster)."""
    x, y = load_digits_arrays()
    if normalize:
        x = (x - x.mean()) / x.std()
    return TensorDataset(x.astype(np.float32), y)
