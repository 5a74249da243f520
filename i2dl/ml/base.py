"""What every estimator of ``i2dl.ml`` shares with scikit-learn's: constructor arguments as its
parameters (``get_params`` / ``set_params`` / ``clone``), input checks that name the argument, and
the scores ``score`` returns (accuracy for classifiers, R² for regressors)."""
from __future__ import annotations

import inspect

import numpy as np


class BaseEstimator:
    """Parameters are the constructor's keyword arguments, stored under their own names (as
    scikit-learn's estimators keep them), so ``clone`` rebuilds an unfitted copy."""

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD]

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        names = self._param_names()
        for key, value in params.items():
            if key not in names:
                raise ValueError(f"{type(self).__name__}.set_params: no parameter {key!r} (parameters: {names})")
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, defaults.get(k))]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_fitted(self, attribute):
        if not hasattr(self, attribute):
            raise RuntimeError(f"{type(self).__name__}: call fit before using the model (it is not fitted yet)")


def _same(a, b):
    try:
        return bool(a == b) if not isinstance(a, np.ndarray) else False
    except (TypeError, ValueError):
        return False


def clone(estimator):
    """A new, unfitted estimator of the same class and parameters."""
    if not hasattr(estimator, "get_params"):
        raise TypeError(f"clone: argument 'estimator' must have get_params(), got {type(estimator).__name__}")
    return type(estimator)(**estimator.get_params())


def is_classifier(estimator) -> bool:
    return getattr(estimator, "_estimator_type", None) == "classifier"


class ClassifierMixin:
    _estimator_type = "classifier"

    def score(self, X, y):
        """Mean accuracy of ``predict(X)`` against ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


class RegressorMixin:
    _estimator_type = "regressor"

    def score(self, X, y):
        """The coefficient of determination R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)² (averaged over targets)."""
        return r2_score(y, self.predict(X))


def r2_score(y_true, y_pred) -> float:
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"r2_score: 'y_true' has shape {y_true.shape}, 'y_pred' {y_pred.shape}")
    ss_res = ((y_true - y_pred) ** 2).sum(axis=0)
    ss_tot = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), np.where(ss_res > 0, 0.0, 1.0))
    return float(np.mean(r2))


def check_X(fn, X, n_features=None, name="X"):
    """X as a 2-D float array (float32 kept, anything else float64), finite, with ``n_features`` columns."""
    if hasattr(X, "numpy") and callable(X.numpy):
        X = X.numpy()
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{fn}: argument '{name}' must be numeric, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{fn}: argument '{name}' must be 2-D (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{fn}: argument '{name}' has 0 samples, expected at least 1")
    X = X.astype(np.float32 if X.dtype == np.float32 else np.float64, copy=False)
    if not np.isfinite(X).all():
        raise ValueError(f"{fn}: argument '{name}' holds NaN or infinity")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{fn}: argument '{name}' has {X.shape[1]} features, the model was fitted with {n_features}")
    return X


def check_X_y(fn, X, y, y_numeric=False):
    X = check_X(fn, X)
    if hasattr(y, "numpy") and callable(y.numpy):
        y = y.numpy()
    y = np.asarray(y)
    if y.ndim not in (1, 2) or (y.ndim == 2 and not y_numeric):
        raise ValueError(f"{fn}: argument 'y' must be 1-D (n_samples,){' or 2-D' if y_numeric else ''}, got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{fn}: argument 'y' has {y.shape[0]} samples, 'X' has {X.shape[0]}")
    if y_numeric:
        if y.dtype.kind not in "biuf":
            raise ValueError(f"{fn}: argument 'y' must be numeric, got dtype {y.dtype}")
        y = y.astype(np.float64, copy=False)
        if not np.isfinite(y).all():
            raise ValueError(f"{fn}: argument 'y' holds NaN or infinity")
    return X, y
