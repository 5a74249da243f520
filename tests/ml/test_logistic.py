"""Logistic regression (binary and multinomial, L2 with C; Newton, L-BFGS, SGD) against scikit-learn."""
import warnings

import numpy as np
import pytest

from i2dl import ml

sk_lm = pytest.importorskip("sklearn.linear_model")
from sklearn.datasets import load_breast_cancer, load_iris  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def _set(name):
    X, y = (load_iris if name == "iris" else load_breast_cancer)(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("name", ["iris", "cancer"])
@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_second_order_solvers_reach_sklearns_optimum(name, solver, C):
    X, y = _set(name)
    theirs = sk_lm.LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X, y)
    ours = ml.LogisticRegression(C=C, solver=solver, tol=1e-9, max_iter=5000).fit(X, y)
    assert ours.coef_.shape == theirs.coef_.shape and ours.intercept_.shape == theirs.intercept_.shape
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=2e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=2e-5)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=2e-6)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y))


def test_newton_converges_in_few_steps():
    X, y = _set("cancer")
    m = ml.LogisticRegression(solver="newton", tol=1e-8).fit(X, y)
    assert m.n_iter_ <= 15   # quadratic convergence; L-BFGS needs several times as many
    assert ml.LogisticRegression(solver="lbfgs", tol=1e-8, max_iter=1000).fit(X, y).n_iter_ > m.n_iter_


def test_sgd_solver_approaches_the_optimum():
    X, y = _set("iris")
    exact = ml.LogisticRegression(C=0.5, solver="newton", tol=1e-9).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ml.ConvergenceWarning)
        sgd = ml.LogisticRegression(C=0.5, solver="sgd", learning_rate=2.0, max_iter=100, random_state=0).fit(X, y)
    assert np.mean(sgd.predict(X) == exact.predict(X)) >= 0.97
    assert np.abs(sgd.predict_proba(X) - exact.predict_proba(X)).mean() < 0.02


def test_string_labels_and_unpenalised_fit():
    X, y = _set("cancer")
    names = np.array(["benign", "malignant"])[y]
    m = ml.LogisticRegression(penalty=None, solver="newton", max_iter=200, tol=1e-6).fit(X[:, :4], names)
    assert list(m.classes_) == ["benign", "malignant"] and set(m.predict(X[:, :4])) <= set(names)
    p = m.predict_proba(X[:, :4])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(p), m.predict_log_proba(X[:, :4]))


def test_max_iter_reached_warns():
    X, y = _set("iris")
    with pytest.warns(ml.ConvergenceWarning, match=r"the lbfgs solver did not reach tol"):
        ml.LogisticRegression(max_iter=2).fit(X, y)


def test_bad_arguments():
    X, y = _set("iris")
    with pytest.raises(ValueError, match=r"argument 'solver' must be one of \('lbfgs', 'newton', 'sgd'\), got 'adam'"):
        ml.LogisticRegression(solver="adam").fit(X, y)
    with pytest.raises(ValueError, match=r"argument 'C' must be a number > 0, got 0"):
        ml.LogisticRegression(C=0).fit(X, y)
    with pytest.raises(ValueError, match=r"argument 'y' needs at least 2 classes, got 1"):
        ml.LogisticRegression().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match=r"the sgd solver diverged"):
        ml.LogisticRegression(solver="sgd", learning_rate=1e300).fit(X * 1e10, y)


def test_newton_and_lbfgs_minimise_a_quadratic_exactly():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    fun = lambda t: (0.5 * t @ A @ t - b @ t, A @ t - b)  # noqa: E731
    want = np.linalg.solve(A, b)
    t, it, ok = ml.newton(fun, lambda t: A, np.zeros(2), tol=1e-12)
    assert ok and it == 1 and np.allclose(t, want)
    t, it, ok = ml.lbfgs(fun, np.zeros(2), tol=1e-10)
    assert ok and np.allclose(t, want, atol=1e-9)
