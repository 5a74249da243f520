"""``i2dl.optim``: optimizers (SGD, Adam, AdamW) on the fused in-place kernels of each backend, and
``lr_scheduler``."""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD
