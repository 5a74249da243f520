"""``i2dl.nn.utils``: gradient clipping, max-norm weight constraints, folding batch norm into convolutions, freezing and
parameter groups by name pattern (transfer learning), and (``rnn``) packed sequences of different lengths, with
PyTorch's names."""
from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .constraints import max_norm_
from .fusion import fuse_conv_bn, fuse_conv_bn_eval
from .transfer import freeze, param_groups, unfreeze

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "max_norm_", "fuse_conv_bn", "fuse_conv_bn_eval", "rnn", "freeze", "unfreeze",
           "param_groups"]
