"""``i2dl.nn.parallel``: DistributedDataParallel, PyTorch's name and semantics."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
