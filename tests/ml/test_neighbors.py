"""k-nearest neighbours against scikit-learn's brute force, and its blocking."""
import numpy as np
import pytest

from i2dl import ml
from i2dl.ml import neighbors

sk = pytest.importorskip("sklearn.neighbors")


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_sklearn_on_continuous_data(p, weights, dtype):
    rng = np.random.default_rng(0)
    X, Q = rng.normal(size=(300, 6)).astype(dtype), rng.normal(size=(70, 6)).astype(dtype)
    y = rng.integers(0, 4, 300)
    ours = ml.KNeighborsClassifier(7, p=p, weights=weights).fit(X, y)
    theirs = sk.KNeighborsClassifier(7, p=p, weights=weights, algorithm="brute").fit(X, y)
    d1, i1 = ours.kneighbors(Q)
    d2, i2 = theirs.kneighbors(Q)
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(d1, d2, rtol=1e-4 if dtype == np.float32 else 1e-10)
    np.testing.assert_allclose(ours.predict_proba(Q), theirs.predict_proba(Q), atol=1e-5)
    np.testing.assert_array_equal(ours.predict(Q), theirs.predict(Q))


def test_digits_predictions_agree_with_sklearn():
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    ours = ml.KNeighborsClassifier(5).fit(X[:1200], y[:1200]).predict(X[1200:])
    theirs = sk.KNeighborsClassifier(5, algorithm="brute").fit(X[:1200], y[:1200]).predict(X[1200:])
    assert np.mean(ours == theirs) >= 0.995     # integer pixels tie distances; ties may order differently


def test_blocks_give_the_same_answer(monkeypatch):
    rng = np.random.default_rng(1)
    X, Q, y = rng.normal(size=(200, 5)), rng.normal(size=(90, 5)), rng.integers(0, 3, 200)
    whole = ml.KNeighborsClassifier(4, p=1).fit(X, y).kneighbors(Q)
    monkeypatch.setattr(neighbors, "BLOCK_BYTES", 16 * 200 * 7)   # 7 rows a block
    blocked = ml.KNeighborsClassifier(4, p=1).fit(X, y).kneighbors(Q)
    np.testing.assert_array_equal(whole[1], blocked[1])
    np.testing.assert_allclose(whole[0], blocked[0])


def test_an_exact_match_takes_the_whole_distance_weighted_vote():
    X, y = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.array([0, 1, 1])
    m = ml.KNeighborsClassifier(3, weights="distance").fit(X, y)
    np.testing.assert_array_equal(m.predict_proba([[0.0, 0.0]]), [[1.0, 0.0]])


def test_bad_arguments():
    X, y = np.zeros((4, 2)), np.arange(4)
    with pytest.raises(ValueError, match=r"argument 'n_neighbors' must be an integer in \[1, 4\] \(the training samples\), got 5"):
        ml.KNeighborsClassifier(5).fit(X, y)
    with pytest.raises(ValueError, match=r"argument 'p' must be 1 or 2, got 3"):
        ml.KNeighborsClassifier(p=3).fit(X, y)
    with pytest.raises(ValueError, match=r"argument 'weights' must be 'uniform' or 'distance', got 'gauss'"):
        ml.KNeighborsClassifier(2, weights="gauss").fit(X, y)
    m = ml.KNeighborsClassifier(2).fit(X, y)
    with pytest.raises(ValueError, match=r"argument 'X' has 3 features, the model was fitted with 2"):
        m.predict(np.zeros((1, 3)))
