"""k-nearest neighbours (§II of the lecture): a test point takes the majority label of the k training
points nearest to it in the L1 (p = 1) or L2 (p = 2) distance; k and p are hyper-parameters chosen on
a validation split or by cross-validation.

Brute force in blocks of test rows, so the distance matrix of 10k × 10k points never lives whole
(a block is at most ~32 MB). L2 distances come from one GEMM per block through i2dl's own linear
kernel: ‖q - t‖² = ‖q‖² - 2 q·t + ‖t‖², the ‖t‖² riding in as the kernel's bias (y = x wᵀ + b with
x = -2q, w = the training points) and ‖q‖² added to the k kept only, then the k smallest of each row, nearest first, by i2dl's
``topk`` kernel (ties go to the training point that comes first). On the digits (597 queries ×
1,200 points, k = 5) the selection takes 0.8 ms where ``np.argpartition`` and a sort of the k take
3.2 ms, which left the whole prediction slower than scikit-learn's.
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from .base import BaseEstimator, ClassifierMixin, check_X, check_X_y

BLOCK_BYTES = 32 << 20


class KNeighborsClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn's brute-force k-NN classifier: ``n_neighbors``, ``p`` (1: Manhattan, 2: Euclidean),
    ``weights`` ("uniform": one vote each, "distance": votes weighted by 1 / distance, an exact match
    taking all the vote). ``predict_proba`` gives the (weighted) vote shares, ``kneighbors`` the k
    nearest training points and their distances."""

    def __init__(self, n_neighbors=5, p=2, weights="uniform"):
        self.n_neighbors, self.p, self.weights = n_neighbors, p, weights

    def fit(self, X, y):
        fn = "KNeighborsClassifier.fit"
        if self.p not in (1, 2):
            raise ValueError(f"{fn}: argument 'p' must be 1 or 2, got {self.p!r}")
        if self.weights not in ("uniform", "distance"):
            raise ValueError(f"{fn}: argument 'weights' must be 'uniform' or 'distance', got {self.weights!r}")
        X, y = check_X_y(fn, X, y)
        if not (isinstance(self.n_neighbors, (int, np.integer)) and 1 <= self.n_neighbors <= len(X)):
            raise ValueError(f"{fn}: argument 'n_neighbors' must be an integer in [1, {len(X)}] (the training "
                             f"samples), got {self.n_neighbors!r}")
        self.classes_, self._codes = np.unique(y, return_inverse=True)
        self._fit_X = np.ascontiguousarray(X)
        self._fit_X_t = np.ascontiguousarray(X.T)             # features × points, for the L1 rows
        self._sq_norms = (self._fit_X.astype(np.float64) ** 2).sum(axis=1).astype(X.dtype)
        self.n_features_in_ = X.shape[1]
        self.n_samples_fit_ = len(X)
        return self

    def _block_rows(self):
        return max(1, BLOCK_BYTES // (16 * max(1, self.n_samples_fit_)))   # the distances and, for L1, a scratch

    def _distances(self, Q):
        """(rows of Q, training points): for p = 2 the squared distance less the row's own ‖q‖²
        (-2 q·t + ‖t‖², one GEMM; a constant per row does not change which points are nearest, so
        ‖q‖² is added to the k kept only), for p = 1 the distance."""
        T = self._fit_X
        if self.p == 2:
            Q = np.ascontiguousarray(Q, dtype=T.dtype)
            return kernels.for_array(Q).linear_forward(np.ascontiguousarray(-2 * Q), T, self._sq_norms)
        # L1: one feature at a time into a (rows, points) sum — the 3-D broadcast |q - t| would hold
        # rows × points × features at once and run 10× slower for the memory it moves
        Tt = self._fit_X_t
        d = np.zeros((len(Q), Tt.shape[1]), dtype=T.dtype)
        tmp = np.empty_like(d)
        for f in range(Tt.shape[0]):
            np.subtract(Q[:, f:f + 1], Tt[f], out=tmp)
            np.abs(tmp, out=tmp)
            d += tmp
        return d

    def kneighbors(self, X, n_neighbors=None, return_distance=True):
        """(distances (n, k), indices (n, k)) of the k nearest training points, nearest first."""
        self._check_fitted("_fit_X")
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        if not (isinstance(k, (int, np.integer)) and 1 <= k <= self.n_samples_fit_):
            raise ValueError(f"KNeighborsClassifier.kneighbors: argument 'n_neighbors' must be an integer in "
                             f"[1, {self.n_samples_fit_}], got {k!r}")
        Q = check_X("KNeighborsClassifier.kneighbors", X, self.n_features_in_)
        n = len(Q)
        dist, ind = np.empty((n, k)), np.empty((n, k), dtype=np.int64)
        step = self._block_rows()
        for s in range(0, n, step):
            q = Q[s:s + step]
            d = self._distances(q)
            dist[s:s + step], ind[s:s + step] = kernels.for_array(d).topk_forward(d, k, False)
            if self.p == 2:
                dist[s:s + step] += (q.astype(np.float64) ** 2).sum(axis=1)[:, None]
        if self.p == 2:
            np.sqrt(np.maximum(dist, 0, out=dist), out=dist)   # rounding can leave a hair below 0
        return (dist, ind) if return_distance else ind

    def predict_proba(self, X):
        """(n, classes) vote shares among the k nearest, columns in the order of ``classes_``."""
        dist, ind = self.kneighbors(X)
        labels = self._codes[ind]
        if self.weights == "uniform":
            w = np.ones_like(dist)
        else:
            with np.errstate(divide="ignore"):
                w = 1.0 / dist
            exact = np.isinf(w)
            rows = exact.any(axis=1)
            w[rows] = exact[rows].astype(np.float64)       # a training point at distance 0 decides alone
        K = len(self.classes_)
        slots = (np.arange(len(ind))[:, None] * K + labels).ravel()   # (query, class) cells, summed by bincount
        votes = np.bincount(slots, weights=w.ravel(), minlength=len(ind) * K).reshape(len(ind), K)
        return votes / votes.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The label with most votes (ties: the smallest label, as scikit-learn)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
