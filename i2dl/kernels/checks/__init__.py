"""The kernel contract, stated once: one ``check_<kernel>(...)`` per kernel, by family, that every
backend (reference, cpu, cuda) calls before it allocates or computes, and that returns the
geometry and output shapes. A backend is then: check -> allocate -> call. ``core`` holds the
pieces (arrays, shapes, pairs, sizes, scalars) the family checks are made of.
"""
from .activation import check_relu_backward, check_relu_forward
from .conv import Conv2dGeometry, check_conv2d_backward, check_conv2d_forward
from .core import as_pair, check_bool, check_float_array, check_int, check_real, check_shape, check_x_shape
from .linear import check_linear_backward, check_linear_forward
from .loss import check_cross_entropy_backward, check_cross_entropy_forward, check_label_range
from .optim import check_sgd_step_
from .pool import (Pool2dGeometry, check_avg_pool2d_backward, check_avg_pool2d_forward, check_global_avg_pool2d_backward,
                   check_global_avg_pool2d_forward, check_max_pool2d_backward, check_max_pool2d_forward)
