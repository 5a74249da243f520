"""``i2dl.optim``: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) on the fused in-place multi-tensor
kernels of each backend, ``lr_scheduler``, and for full-batch problems L-BFGS, Newton's method and
nonlinear least squares (Gauss-Newton, Levenberg-Marquardt)."""
from . import lr_scheduler
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .least_squares import OptimizeResult, least_squares
from .newton import Newton
from .optimizer import Optimizer
from .rmsprop import Adagrad, RMSprop
from .sgd import SGD

__all__ = ["Adam", "AdamW", "Adagrad", "LBFGS", "Newton", "Optimizer", "OptimizeResult", "RMSprop", "SGD",
           "least_squares", "lr_scheduler"]
