"""``i2dl.functional`` (import as ``F``): differentiable ops on Tensors, PyTorch's names."""
from .activations import elu, leaky_relu, log_softmax, maxout, prelu, relu, sigmoid, silu, softmax, swish, tanh
from .layers import avg_pool2d, conv2d, dropout, dropout2d, flatten, global_avg_pool2d, linear, max_pool2d
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss,
                     l1_loss, l1_regularization, l2_regularization, mse_loss, multi_margin_loss)
