"""``i2dl.optim``: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) on the fused in-place kernels of
each backend, and ``lr_scheduler``."""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import Adagrad, RMSprop
from .sgd import SGD
