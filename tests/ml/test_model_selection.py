"""Splits and cross-validation: the same folds and splits as scikit-learn for the same seed."""
import numpy as np
import pytest

from i2dl import ml

skm = pytest.importorskip("sklearn.model_selection")


@pytest.mark.parametrize("n", [10, 23])
@pytest.mark.parametrize("shuffle,seed", [(False, None), (True, 0), (True, 7)])
def test_kfold_matches_sklearn(n, shuffle, seed):
    X = np.zeros((n, 2))
    for (a, b), (c, d) in zip(ml.KFold(4, shuffle=shuffle, random_state=seed).split(X),
                              skm.KFold(4, shuffle=shuffle, random_state=seed).split(X), strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@pytest.mark.parametrize("shuffle,seed", [(False, None), (True, 3)])
def test_stratified_kfold_matches_sklearn(shuffle, seed):
    y = np.array([0] * 13 + [1] * 7 + [2] * 9)[np.random.default_rng(0).permutation(29)]
    X = np.zeros((29, 1))
    for (a, b), (c, d) in zip(ml.StratifiedKFold(3, shuffle=shuffle, random_state=seed).split(X, y),
                              skm.StratifiedKFold(3, shuffle=shuffle, random_state=seed).split(X, y), strict=True):
        np.testing.assert_array_equal(b, d)
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("kw", [dict(test_size=0.3, random_state=5), dict(train_size=40, random_state=1),
                                dict(test_size=7, train_size=20, random_state=2), dict(shuffle=False, test_size=0.2)])
def test_train_test_split_matches_sklearn(kw):
    X, y = np.arange(100).reshape(50, 2), np.arange(50)
    for a, b in zip(ml.train_test_split(X, y, **kw), skm.train_test_split(X, y, **kw), strict=True):
        np.testing.assert_array_equal(a, b)


def test_stratified_split_keeps_the_class_shares():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    tr, te = ml.train_test_split(y, test_size=0.2, random_state=0, stratify=y)
    assert np.bincount(te).tolist() == [12, 6, 2] and len(tr) == 80
    assert set(tr.tolist() + te.tolist()) == {0, 1, 2}


def test_cross_val_score_matches_sklearn():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsClassifier
    X, y = load_iris(return_X_y=True)
    np.testing.assert_allclose(ml.cross_val_score(ml.KNeighborsClassifier(3), X, y, cv=5),
                               skm.cross_val_score(KNeighborsClassifier(3, algorithm="brute"), X, y, cv=5))
    cv = skm.KFold(3, shuffle=True, random_state=0)
    np.testing.assert_allclose(ml.cross_val_score(ml.Ridge(0.5), X[:, :3], X[:, 3], cv=cv, scoring="neg_mean_squared_error"),
                               skm.cross_val_score(Ridge(0.5), X[:, :3], X[:, 3], cv=cv, scoring="neg_mean_squared_error"))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"KFold: argument 'n_splits' must be an integer >= 2, got 1"):
        ml.KFold(1)
    with pytest.raises(ValueError, match=r"argument 'n_splits' = 5 exceeds the 3 samples"):
        list(ml.KFold(5).split(np.zeros((3, 1))))
    with pytest.raises(ValueError, match=r"argument 'test_size' must be a fraction in \(0, 1\) or a count of samples, got 1.5"):
        ml.train_test_split(np.zeros(10), test_size=1.5)
    with pytest.raises(ValueError, match=r"array 1 has 9 samples, array 0 has 10"):
        ml.train_test_split(np.zeros(10), np.zeros(9))
    with pytest.raises(ValueError, match=r"argument 'scoring' must be None, a callable or one of"):
        ml.cross_val_score(ml.Ridge(), np.zeros((10, 2)), np.zeros(10), scoring="f1")
