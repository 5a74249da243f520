"""``i2dl.nn``: Module, Parameter, layers, activations, losses, init."""
from . import init
from .activations import ELU, LeakyReLU, LogSoftmax, Maxout, PReLU, ReLU, Sigmoid, SiLU, Softmax, Swish, Tanh
from .containers import ModuleList, Sequential
from .layers import AvgPool2d, Conv2d, Dropout, Dropout2d, Flatten, GlobalAvgPool2d, Identity, Linear, MaxPool2d
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, L1Loss, MSELoss, MultiMarginLoss
from .module import Module, Parameter
