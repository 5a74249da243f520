"""``i2dl.nn``: Module, Parameter, layers by family (linear, conv, pool, dropout, activation, loss,
norm, recurrent), containers, init, utils."""
from . import init, parallel, utils
from .activation import ELU, LeakyReLU, LogSoftmax, Maxout, PReLU, ReLU, Sigmoid, SiLU, Softmax, Swish, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .linear import Flatten, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, L1Loss, MSELoss, MultiMarginLoss
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .sync_batchnorm import SyncBatchNorm
from .pool import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d, MaxUnpool2d
from .upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .receptive import ReceptiveField, receptive_field
from .recurrent import GRU, LSTM, RNN, ConvLSTM, ConvLSTMCell, GRUCell, LSTMCell, RNNCell
