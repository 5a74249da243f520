"""The reference backend: NumPy written like the lecture's formulas. It is the specification the
``cpu`` and ``cuda`` backends are checked against; each module's docstring gives the formula,
the shapes and the edge cases."""
from .activation import relu_backward, relu_forward
from .conv import conv2d_backward, conv2d_forward
from .optim import sgd_step_
from .linear import linear_backward, linear_forward
from .loss import cross_entropy_backward, cross_entropy_forward
from .pool import (avg_pool2d_backward, avg_pool2d_forward, global_avg_pool2d_backward, global_avg_pool2d_forward,
                   max_pool2d_backward, max_pool2d_forward)

NAME = "reference"
