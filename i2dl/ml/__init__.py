"""``i2dl.ml``: the classic models of the lecture's first weeks with scikit-learn's API (``fit``,
``predict``, ``predict_proba``, ``score``, ``coef_``, ``intercept_``) and objectives — linear and
ridge regression in closed form, logistic regression (Newton, L-BFGS, SGD), k-nearest neighbours —
and the model-selection tools: ``train_test_split``, ``KFold``, ``StratifiedKFold``,
``cross_val_score``."""
from .base import BaseEstimator, clone, r2_score
from .linear_model import LinearRegression, Ridge
from .logistic import ConvergenceWarning, LogisticRegression
from .model_selection import KFold, StratifiedKFold, cross_val_score, train_test_split
from .neighbors import KNeighborsClassifier
from .solvers import lbfgs, newton

__all__ = ["BaseEstimator", "clone", "r2_score", "LinearRegression", "Ridge", "LogisticRegression",
           "ConvergenceWarning", "KNeighborsClassifier", "KFold", "StratifiedKFold", "cross_val_score",
           "train_test_split", "lbfgs", "newton"]
