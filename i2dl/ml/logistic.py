"""Logistic regression (§II of the lecture): p(y = 1 | x) = σ(wᵀx + b) for two classes, the softmax
p(y = k | x) = exp(z_k) / Σ_j exp(z_j), z = Wx + b, for more; fitted by maximum likelihood with an
L2 penalty. scikit-learn's objective, so coefficients compare:

    f(W, b) = (1/n) Σ_i -log p(y_i | x_i) + ‖W‖² / (2·C·n)      (b unpenalised)

Solvers: ``"newton"`` (Newton's method on the exact Hessian, quadratic convergence, one (p+1)·K
square solve a step), ``"lbfgs"`` (quasi-Newton from the last 10 steps), ``"sgd"`` (minibatch
stochastic gradient descent with a decaying step, the deep-learning way). All stop when the largest
gradient entry is at most ``tol``.
"""
from __future__ import annotations

import warnings

import numpy as np

from .base import BaseEstimator, ClassifierMixin, check_X, check_X_y
from .solvers import lbfgs, newton

SOLVERS = ("lbfgs", "newton", "sgd")


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at ``max_iter`` before its tolerance was met."""


def _softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _log_softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))


class _Objective:
    """f, ∇f and the Hessian of the penalised mean negative log-likelihood, over θ = [W | b] flattened
    (K rows of p weights and, with an intercept, one bias each; K = 1 for two classes)."""

    def __init__(self, X, Y, C, fit_intercept, binary):
        self.X, self.Y, self.binary, self.fit_intercept = X, Y, binary, fit_intercept
        self.n, self.p = X.shape
        self.K = 1 if binary else Y.shape[1]
        self.lam = 1.0 / (C * self.n)
        self.cols = self.p + int(fit_intercept)

    def split(self, theta):
        T = theta.reshape(self.K, self.cols)
        return T[:, :self.p], (T[:, self.p] if self.fit_intercept else np.zeros(self.K))

    def scores(self, theta, X=None):
        W, b = self.split(theta)
        return (self.X if X is None else X) @ W.T + b

    def __call__(self, theta, rows=None):
        X, Y = (self.X, self.Y) if rows is None else (self.X[rows], self.Y[rows])
        W, _ = self.split(theta)
        Z = self.scores(theta, X)
        if self.binary:
            z, y = Z[:, 0], Y
            nll = np.logaddexp(0.0, z) - y * z                 # -log σ(z) for y=1, -log(1-σ(z)) for y=0
            R = (1.0 / (1.0 + np.exp(-z)) - y)[:, None]
        else:
            nll = -(Y * _log_softmax(Z)).sum(axis=1)
            R = _softmax(Z) - Y
        m = X.shape[0]
        f = nll.mean() + 0.5 * self.lam * (W * W).sum()
        G = np.empty((self.K, self.cols))
        G[:, :self.p] = R.T @ X / m + self.lam * W
        if self.fit_intercept:
            G[:, self.p] = R.mean(axis=0)
        return float(f), G.ravel()

    def hessian(self, theta):
        n, p, K, cols = self.n, self.p, self.K, self.cols
        Xa = np.concatenate([self.X, np.ones((n, 1))], axis=1) if self.fit_intercept else self.X
        Z = self.scores(theta)
        P = 1.0 / (1.0 + np.exp(-Z)) if self.binary else _softmax(Z)
        H = np.empty((K * cols, K * cols))
        for k in range(K):
            for j in range(k, K):
                w = P[:, 0] * (1 - P[:, 0]) if self.binary else P[:, k] * ((k == j) - P[:, j])
                block = (Xa * w[:, None]).T @ Xa / n
                H[k * cols:(k + 1) * cols, j * cols:(j + 1) * cols] = block
                H[j * cols:(j + 1) * cols, k * cols:(k + 1) * cols] = block.T
        for k in range(K):                                      # the penalty on the weights, not the biases
            idx = k * cols + np.arange(p)
            H[idx, idx] += self.lam
        return H


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary or multinomial logistic regression with an L2 penalty (scikit-learn's arguments).

    ``C``: inverse penalty strength (larger: weaker penalty). ``solver``: "lbfgs" | "newton" | "sgd".
    ``penalty``: "l2" or None. After ``fit``: ``classes_``, ``coef_`` (1, p) for two classes or (K, p),
    ``intercept_`` (1,) or (K,), ``n_iter_``. The sgd solver takes ``learning_rate`` (its first step),
    ``batch_size`` and ``random_state``, ``max_iter`` counting epochs; its default step suits
    standardised features.
    """

    def __init__(self, penalty="l2", C=1.0, fit_intercept=True, solver="lbfgs", max_iter=100, tol=1e-4,
                 learning_rate=1.0, batch_size=32, random_state=None):
        self.penalty, self.C, self.fit_intercept, self.solver = penalty, C, fit_intercept, solver
        self.max_iter, self.tol = max_iter, tol
        self.learning_rate, self.batch_size, self.random_state = learning_rate, batch_size, random_state

    def _validate(self):
        fn = "LogisticRegression.fit"
        if self.solver not in SOLVERS:
            raise ValueError(f"{fn}: argument 'solver' must be one of {SOLVERS}, got {self.solver!r}")
        if self.penalty not in ("l2", None):
            raise ValueError(f"{fn}: argument 'penalty' must be 'l2' or None, got {self.penalty!r}")
        if not (np.isscalar(self.C) and self.C > 0):
            raise ValueError(f"{fn}: argument 'C' must be a number > 0, got {self.C!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"{fn}: argument 'max_iter' must be an integer >= 1, got {self.max_iter!r}")
        if not (np.isscalar(self.tol) and self.tol >= 0):
            raise ValueError(f"{fn}: argument 'tol' must be a number >= 0, got {self.tol!r}")

    def fit(self, X, y):
        self._validate()
        X, y = check_X_y("LogisticRegression.fit", X, y)
        X = X.astype(np.float64, copy=False)
        self.classes_, codes = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError(f"LogisticRegression.fit: argument 'y' needs at least 2 classes, got {K} "
                             f"({self.classes_.tolist()})")
        binary = K == 2
        Y = codes.astype(np.float64) if binary else np.eye(K)[codes]
        C = np.inf if self.penalty is None else float(self.C)
        obj = _Objective(X, Y, C, self.fit_intercept, binary)
        theta0 = np.zeros(obj.K * obj.cols)
        if self.solver == "newton":
            theta, self.n_iter_, ok = newton(obj, obj.hessian, theta0, self.tol, self.max_iter)
        elif self.solver == "lbfgs":
            theta, self.n_iter_, ok = lbfgs(obj, theta0, self.tol, self.max_iter)
        else:
            theta, self.n_iter_, ok = self._sgd(obj, theta0)
        if not ok:
            warnings.warn(f"LogisticRegression: the {self.solver} solver did not reach tol={self.tol} in "
                          f"max_iter={self.max_iter} iterations", ConvergenceWarning, stacklevel=2)
        W, b = obj.split(theta)
        if not binary and self.fit_intercept:
            b = b - b.mean()   # softmax scores shift freely by one constant: the biases summing to 0 are the answer
        self.coef_, self.intercept_ = W.copy(), np.array(b, dtype=np.float64)
        self.n_features_in_ = X.shape[1]
        return self

    def _sgd(self, obj, theta):
        """Minibatch SGD on f: a step of learning_rate / √(1 + epoch), the iterate averaged over each
        epoch (Polyak–Ruppert averaging, which removes most of the noise of the last steps)."""
        rng = np.random.default_rng(self.random_state)
        n, bs = obj.n, max(1, int(self.batch_size))
        for epoch in range(1, self.max_iter + 1):
            lr = self.learning_rate / np.sqrt(epoch)
            order = rng.permutation(n)
            avg, count = np.zeros_like(theta), 0
            for start in range(0, n, bs):
                with np.errstate(over="ignore", invalid="ignore"):   # a divergence is caught just below
                    _, g = obj(theta, order[start:start + bs])
                    theta = theta - lr * g
                if not np.isfinite(theta).all():
                    raise ValueError(f"LogisticRegression.fit: the sgd solver diverged with learning_rate="
                                     f"{self.learning_rate}; standardise the features or lower argument 'learning_rate'")
                avg += theta
                count += 1
            theta = avg / count
            if np.max(np.abs(obj(theta)[1])) <= self.tol:
                return theta, epoch, True
        return theta, self.max_iter, False

    def decision_function(self, X):
        """The scores wᵀx + b: (n,) for two classes, (n, K) otherwise."""
        self._check_fitted("coef_")
        X = check_X("LogisticRegression.decision_function", X, self.n_features_in_).astype(np.float64, copy=False)
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_proba(self, X):
        """(n, K) class probabilities, columns in the order of ``classes_``."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            p = 1.0 / (1.0 + np.exp(-Z))
            return np.stack([1 - p, p], axis=1)
        return _softmax(Z)

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))

    def predict(self, X):
        Z = self.decision_function(X)
        return self.classes_[(Z > 0).astype(int) if Z.ndim == 1 else Z.argmax(axis=1)]
