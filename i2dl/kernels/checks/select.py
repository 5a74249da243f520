"""The selection kernels' contract (topk): a 2-D float x, 1 <= k <= its row length; the backward's
indices int64 of dvalues' shape, each in [0, n)."""
from __future__ import annotations

from .core import check_bool, check_float_array, check_index_array, check_int


def check_topk_forward(x, k, largest):
    fn = "topk_forward"
    check_float_array(fn, "x", x, ndim=2)
    check_int(fn, "k", k, 1)
    check_bool(fn, "largest", largest)
    N, n = (int(s) for s in x.shape)
    if k > n:
        raise ValueError(f"{fn}: argument 'k' must be in [1, {n}] (the row length of x {tuple(x.shape)}), got {k}")
    return N, n


def check_topk_backward(dvalues, indices, n):
    fn = "topk_backward"
    check_float_array(fn, "dvalues", dvalues, ndim=2)
    N, k = (int(s) for s in dvalues.shape)
    check_int(fn, "n", n, 1)
    if k > n:
        raise ValueError(f"{fn}: argument 'n' must be at least k = {k} (the columns of dvalues), got {n}")
    check_index_array(fn, "indices", indices, (N, k), like=dvalues)
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= n):
        raise ValueError(f"{fn}: argument 'indices' holds positions outside [0, {n})")
    return N, k
