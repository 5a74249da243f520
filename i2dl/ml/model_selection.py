"""The train/val/test discipline (§II and §VI of the lecture): splits, k-fold cross-validation and
its score. scikit-learn's functions and split rules, so the same seed gives the same folds:
``KFold`` and ``train_test_split`` draw their permutations as scikit-learn does (NumPy's legacy
``RandomState``), ``StratifiedKFold`` deals each class's samples round the folds as scikit-learn does.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .base import clone, is_classifier, r2_score


def _rng(random_state):
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.RandomState(random_state)
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise ValueError(f"argument 'random_state' must be None, an int or a numpy RandomState, got {random_state!r}")


def _num_samples(fn, X):
    if not hasattr(X, "__len__"):
        raise TypeError(f"{fn}: argument 'X' must be an array-like with a length, got {type(X).__name__}")
    return len(X)


class KFold:
    """``n_splits`` consecutive folds (the first n % k one sample larger), each once the test fold;
    with ``shuffle`` the samples are permuted first by ``random_state``."""

    def __init__(self, n_splits=5, shuffle=False, random_state=None):
        if not (isinstance(n_splits, numbers.Integral) and n_splits >= 2):
            raise ValueError(f"KFold: argument 'n_splits' must be an integer >= 2, got {n_splits!r}")
        if not shuffle and random_state is not None:
            raise ValueError("KFold: argument 'random_state' has no effect unless shuffle=True")
        self.n_splits, self.shuffle, self.random_state = int(n_splits), bool(shuffle), random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def _test_masks(self, n, y):
        indices = np.arange(n)
        if self.shuffle:
            _rng(self.random_state).shuffle(indices)
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=int)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            mask = np.zeros(n, dtype=bool)
            mask[indices[start:start + size]] = True
            yield mask
            start += size

    def split(self, X, y=None, groups=None):
        """Yields (train indices, test indices) per fold."""
        n = _num_samples(f"{type(self).__name__}.split", X)
        if self.n_splits > n:
            raise ValueError(f"{type(self).__name__}.split: argument 'n_splits' = {self.n_splits} exceeds the "
                             f"{n} samples")
        for mask in self._test_masks(n, y):
            yield np.flatnonzero(~mask), np.flatnonzero(mask)


class StratifiedKFold(KFold):
    """k folds that keep each class's share: the samples of each class, in order (or shuffled), are
    dealt round the folds as scikit-learn deals them."""

    def _test_masks(self, n, y):
        fn = "StratifiedKFold.split"
        if y is None:
            raise ValueError(f"{fn}: argument 'y' is required")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ValueError(f"{fn}: argument 'y' must be 1-D with {n} labels, got shape {y.shape}")
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        _, order = np.unique(first, return_inverse=True)       # classes numbered by first appearance
        codes = order[inverse]
        counts = np.bincount(codes)
        if self.n_splits > counts.max():
            raise ValueError(f"{fn}: argument 'n_splits' = {self.n_splits} exceeds the {counts.max()} samples of "
                             f"the largest class")
        rng = _rng(self.random_state) if self.shuffle else None
        sorted_codes = np.sort(codes)
        # fold i takes every n_splits-th sample of the classes sorted together: balanced class counts per fold
        allocation = np.array([np.bincount(sorted_codes[i::self.n_splits], minlength=len(counts))
                               for i in range(self.n_splits)])
        test_folds = np.empty(n, dtype=int)
        for k in range(len(counts)):
            folds = np.arange(self.n_splits).repeat(allocation[:, k])
            if rng is not None:
                rng.shuffle(folds)
            test_folds[codes == k] = folds
        for i in range(self.n_splits):
            yield test_folds == i


def _split_sizes(fn, n, test_size, train_size):
    def size(name, v):
        if v is None:
            return None
        if isinstance(v, numbers.Integral) and not isinstance(v, bool):
            if not 0 < v < n:
                raise ValueError(f"{fn}: argument '{name}' = {v} must be in (0, {n}) samples")
            return v
        if isinstance(v, numbers.Real) and 0 < v < 1:
            return v
        raise ValueError(f"{fn}: argument '{name}' must be a fraction in (0, 1) or a count of samples, got {v!r}")
    test_size, train_size = size("test_size", test_size), size("train_size", train_size)
    if test_size is None and train_size is None:
        test_size = 0.25
    n_test = (math.ceil(test_size * n) if isinstance(test_size, float) else test_size) if test_size is not None else None
    n_train = (math.floor(train_size * n) if isinstance(train_size, float) else train_size) if train_size is not None else None
    n_test = n - n_train if n_test is None else n_test
    n_train = n - n_test if n_train is None else n_train
    if n_train + n_test > n or n_train < 1 or n_test < 1:
        raise ValueError(f"{fn}: {n_train} train and {n_test} test samples do not fit {n} samples (both need >= 1)")
    return n_train, n_test


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle=True, stratify=None):
    """[a_train, a_test for each array]: a random split (scikit-learn's sizes: test = ceil(test_size·n),
    default 0.25; the same permutation for the same ``random_state``). ``stratify`` (labels) keeps each
    class's share in both parts (each class split by the same fractions)."""
    fn = "train_test_split"
    if not arrays:
        raise ValueError(f"{fn}: needs at least one array")
    n = _num_samples(fn, arrays[0])
    for i, a in enumerate(arrays):
        if _num_samples(fn, a) != n:
            raise ValueError(f"{fn}: array {i} has {len(a)} samples, array 0 has {n}")
    n_train, n_test = _split_sizes(fn, n, test_size, train_size)
    if stratify is not None:
        if not shuffle:
            raise ValueError(f"{fn}: argument 'stratify' needs shuffle=True")
        labels = np.asarray(stratify)
        if labels.shape != (n,):
            raise ValueError(f"{fn}: argument 'stratify' must hold {n} labels, got shape {labels.shape}")
        rng = _rng(random_state)
        test, train = [], []
        classes = np.unique(labels)
        quota = _apportion(np.array([(labels == c).sum() for c in classes]), n_test)
        for c, q in zip(classes, quota):
            members = rng.permutation(np.flatnonzero(labels == c))
            test.append(members[:q]); train.append(members[q:])
        test, train = rng.permutation(np.concatenate(test)), rng.permutation(np.concatenate(train))[:n_train]
    elif shuffle:
        perm = _rng(random_state).permutation(n)
        test, train = perm[:n_test], perm[n_test:n_test + n_train]
    else:
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    out = []
    for a in arrays:
        a_ = a if hasattr(a, "shape") else np.asarray(a)
        out += [a_[train], a_[test]]
    return out


def _apportion(counts, total):
    """Integers proportional to ``counts`` summing to ``total`` (largest remainders)."""
    exact = counts * total / counts.sum()
    q = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - q), kind="stable")[: total - q.sum()]:
        q[i] += 1
    return q


SCORERS = {
    "accuracy": lambda est, X, y: float(np.mean(est.predict(X) == np.asarray(y))),
    "r2": lambda est, X, y: r2_score(y, est.predict(X)),
    "neg_mean_squared_error": lambda est, X, y: -float(np.mean((np.asarray(y, dtype=np.float64) - est.predict(X)) ** 2)),
    "neg_log_loss": lambda est, X, y: float(np.mean(np.log(np.clip(
        est.predict_proba(X)[np.arange(len(y)), np.searchsorted(est.classes_, np.asarray(y))], 1e-15, None)))),
}


def cross_val_score(estimator, X, y=None, cv=5, scoring=None):
    """The score of a fresh clone of ``estimator`` on each test fold after fitting on the rest.
    ``cv``: the number of folds (StratifiedKFold for a classifier, KFold otherwise, unshuffled, as
    scikit-learn), a splitter with ``split``, or an iterable of (train, test) index pairs. ``scoring``:
    None (the estimator's ``score``), a name in SCORERS, or a callable (estimator, X, y) -> float."""
    fn = "cross_val_score"
    if scoring is None:
        scorer = lambda est, X_, y_: est.score(X_, y_)  # noqa: E731
    elif callable(scoring):
        scorer = scoring
    elif scoring in SCORERS:
        scorer = SCORERS[scoring]
    else:
        raise ValueError(f"{fn}: argument 'scoring' must be None, a callable or one of {sorted(SCORERS)}, got {scoring!r}")
    X = np.asarray(X) if not hasattr(X, "shape") else X
    y = None if y is None else np.asarray(y)
    if isinstance(cv, numbers.Integral):
        cv = (StratifiedKFold if is_classifier(estimator) and y is not None else KFold)(int(cv))
    splits = cv.split(X, y) if hasattr(cv, "split") else cv
    scores = []
    for train, test in splits:
        est = clone(estimator)
        est.fit(X[train], y[train] if y is not None else None)
        scores.append(scorer(est, X[test], y[test] if y is not None else None))
    if not scores:
        raise ValueError(f"{fn}: argument 'cv' gave no splits")
    return np.array(scores)
