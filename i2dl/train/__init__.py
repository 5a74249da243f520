"""``i2dl.train``: the training loop, evaluation and the digits job behind ``i2dl train``."""
from .progress import ProgressBar
from .trainer import accuracy, evaluate, fit, train_epoch
