"""i2dl: the deep-learning system of TUM's Introduction to Deep Learning.

Every operator exists three times: a NumPy reference written like the lecture's formulas
(``i2dl.kernels.get("reference")``), a C++ kernel (``"cpu"``) and a CUDA kernel (``"cuda"``),
under a PyTorch-shaped API: Tensor with autograd, nn.Module, optimizers, data loading, training.
"""
__version__ = "0.1.0"

# Loads OpenBLAS (libscipy_openblas.so) into the process before the extension that links it.
import scipy_openblas32  # noqa: F401,E402

from . import _C  # noqa: E402
from . import blas  # noqa: E402
from . import kernels  # noqa: E402
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402
from .kernels import set_backend, use_backend  # noqa: E402
from .random import get_rng_state, manual_seed, set_rng_state  # noqa: E402
from .tensor import (Tensor, abs, arange, cat, concatenate, exp, from_dlpack, from_numpy, full, log, maximum, minimum,  # noqa: E402
                     ones, ones_like, rand, randn, sigmoid, sqrt, stack, tanh, tensor, where, zeros, zeros_like)
from . import functional, nn, optim  # noqa: E402
from .functional.select import topk  # noqa: E402
from .gradcheck import GradcheckError, gradcheck  # noqa: E402


blas._select_at_import()


def set_num_threads(n: int) -> None:
    """Sets the threads of every CPU kernel: OpenMP loops and the GEMMs split over them (OpenBLAS
    and MKL themselves run single-threaded, so no second pool competes for the cores)."""
    _C.set_num_threads(int(n))


def get_num_threads() -> int:
    return _C.get_num_threads()
