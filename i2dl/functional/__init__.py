"""``i2dl.functional`` (import as ``F``): differentiable ops on Tensors, PyTorch's names, one module
per family (linear, conv, pool, dropout, activation, loss, norm, recurrent)."""
from .activation import elu, leaky_relu, log_softmax, maxout, prelu, relu, sigmoid, silu, softmax, swish, tanh
from .conv import conv2d, conv_transpose2d
from .dropout import dropout, dropout2d
from .linear import flatten, linear
from .norm import batch_norm, group_norm, instance_norm, layer_norm
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss,
                   l1_loss, l1_regularization, l2_regularization, mse_loss, multi_margin_loss)
from .pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, global_avg_pool2d, max_pool2d, max_unpool2d
from .select import topk
from .upsample import interpolate, upsample
from .recurrent import conv_lstm_cell, gru_cell, gru_layer, lstm_cell, lstm_layer, rnn_cell, rnn_layer
