"""scikit-learn's bundled data sets (shipped inside scikit-learn, no download) as TensorDatasets."""
from __future__ import annotations

import numpy as np

from .dataset import TensorDataset

LOADERS = ("iris", "digits", "wine", "breast_cancer", "diabetes")


def load_bundled(name):
    """TensorDataset of (features float32, target): int64 class labels, or float32 for "diabetes"
    (regression). Digits come as (1, 8, 8) images scaled to [0, 1]."""
    if name not in LOADERS:
        raise ValueError(f"load_bundled: argument 'name' must be one of {LOADERS}, got {name!r}")
    try:
        import sklearn.datasets as sk
    except ImportError as e:
        raise ImportError("i2dl.data.load_bundled needs scikit-learn, which carries the data sets: "
                          "pip install 'i2dl[data]'") from e
    X, y = getattr(sk, f"load_{name}")(return_X_y=True)
    if name == "digits":
        X = X.reshape(-1, 1, 8, 8) / 16.0
    y = y.astype(np.float32) if name == "diabetes" else y.astype(np.int64)
    return TensorDataset(X.astype(np.float32), y)
