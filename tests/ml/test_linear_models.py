"""Linear and ridge regression in closed form against scikit-learn and against the normal equations."""
import numpy as np
import pytest

from i2dl import ml

sk = pytest.importorskip("sklearn.linear_model")


def _data(n=200, p=7, t=None, seed=0, noise=0.3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3, p) + rng.normal(size=p)
    W = rng.normal(size=(p,) if t is None else (p, t))
    return X, X @ W + 1.5 + noise * rng.normal(size=(n,) if t is None else (n, t))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("targets", [None, 3])
def test_linear_regression_matches_sklearn(fit_intercept, targets):
    X, y = _data(t=targets)
    ours, theirs = ml.LinearRegression(fit_intercept=fit_intercept).fit(X, y), sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10, atol=1e-9)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-12)


def test_sigma2_is_the_maximum_likelihood_noise_variance():
    X, y = _data(n=20000, noise=0.5)
    m = ml.LinearRegression().fit(X, y)
    rss = ((y - m.predict(X)) ** 2).sum()
    assert m.sigma2_ == pytest.approx(rss / len(y), rel=1e-12)          # the MLE divides by n
    assert m.sigma2_ == pytest.approx(0.25, rel=0.05)                    # and recovers the true σ² = 0.5²
    ll = m.log_likelihood(X, y)
    assert ll == pytest.approx(-len(y) / 2 * (np.log(2 * np.pi * m.sigma2_) + 1), rel=1e-10)


def test_ill_conditioned_problems_take_the_qr_path_and_stay_accurate():
    x = np.linspace(0, 1, 300)
    V = np.vander(x, 10)                       # cond ~ 1e7: the semi-normal equations would lose digits
    rng = np.random.default_rng(1)
    theta = rng.normal(size=10)
    y = V @ theta
    m = ml.LinearRegression(fit_intercept=False).fit(V, y)
    assert np.abs(V @ m.coef_ - y).max() < 1e-8
    np.testing.assert_allclose(m.predict(V), V @ np.linalg.lstsq(V, y, rcond=None)[0], atol=1e-6)


def test_rank_deficient_x_gives_the_minimum_norm_solution_like_sklearn():
    X, y = _data(n=50, p=3)
    Xd = np.c_[X, X[:, :1] * 2.0]              # a column repeated (scaled): no unique solution
    ours, theirs = ml.LinearRegression().fit(Xd, y), sk.LinearRegression().fit(Xd, y)
    assert ours.rank_ == 3
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-9)
    more_features_than_samples = np.random.default_rng(2).normal(size=(5, 9))
    yy = np.arange(5.0)
    np.testing.assert_allclose(ml.LinearRegression().fit(more_features_than_samples, yy).coef_,
                               sk.LinearRegression().fit(more_features_than_samples, yy).coef_, atol=1e-9)


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn(alpha, fit_intercept):
    X, y = _data(t=2)
    ours, theirs = ml.Ridge(alpha, fit_intercept=fit_intercept).fit(X, y), sk.Ridge(alpha, fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-9, atol=1e-10)


def test_ridge_solves_its_regularised_normal_equations():
    X, y = _data()
    m = ml.Ridge(3.0, fit_intercept=False).fit(X, y)
    np.testing.assert_allclose((X.T @ X + 3.0 * np.eye(X.shape[1])) @ m.coef_, X.T @ y, rtol=1e-10)


def test_bad_input_names_the_argument():
    X, y = _data()
    with pytest.raises(ValueError, match=r"LinearRegression.fit: argument 'y' has 199 samples, 'X' has 200"):
        ml.LinearRegression().fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"argument 'X' must be 2-D \(n_samples, n_features\), got shape \(200,\)"):
        ml.LinearRegression().fit(X[:, 0], y)
    bad = X.copy(); bad[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"argument 'X' holds NaN or infinity"):
        ml.Ridge().fit(bad, y)
    with pytest.raises(ValueError, match=r"Ridge.fit: argument 'alpha' must be a finite number >= 0, got -1"):
        ml.Ridge(alpha=-1).fit(X, y)
    m = ml.LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"argument 'X' has 3 features, the model was fitted with 7"):
        m.predict(X[:, :3])
    with pytest.raises(RuntimeError, match=r"call fit before"):
        ml.LinearRegression().predict(X)


def test_params_and_clone_follow_sklearn():
    r = ml.Ridge(alpha=2.0)
    assert r.get_params() == {"alpha": 2.0, "fit_intercept": True}
    c = ml.clone(r.set_params(alpha=5.0))
    assert c.alpha == 5.0 and not hasattr(c, "coef_") and repr(c) == "Ridge(alpha=5.0)"
    with pytest.raises(ValueError, match=r"no parameter 'beta'"):
        r.set_params(beta=1)
