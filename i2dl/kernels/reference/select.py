"""Selection: the k smallest (or largest) entries of each row, the step k-nearest neighbours and
beam searches take.

    topk_forward(x (N, n), k, largest) -> values (N, k), indices (N, k) int64

values[i] are row i's k smallest entries in ascending order (``largest``: its k largest, descending),
indices[i] where they sit in the row: values[i, j] = x[i, indices[i, j]]. Equal entries keep their
order in the row (the earlier index first), and NaN counts as larger than every number, as in
PyTorch's ``topk``: it comes last among the smallest and first among the largest.

    topk_backward(dvalues (N, k), indices (N, k), n) -> dx (N, n)

dx[i, indices[i, j]] = dvalues[i, j], zero elsewhere (the indices of a row are distinct).
"""
from __future__ import annotations

import numpy as np

from ..checks.select import check_topk_backward, check_topk_forward


def topk_order(x, largest):
    """The stable order of each row by the rule above (NaN larger than every number)."""
    nan = np.isnan(x)
    if largest:  # primary: NaN first; then descending value; lexsort is stable, so ties keep row order
        return np.lexsort((np.where(nan, 0, -x), ~nan), axis=-1)
    return np.lexsort((np.where(nan, 0, x), nan), axis=-1)


def topk_forward(x, k, largest=False):
    N, n = check_topk_forward(x, k, largest)
    idx = topk_order(x, largest)[:, :k].astype(np.int64) if N else np.empty((0, k), np.int64)
    return np.take_along_axis(x, idx, axis=1), idx


def topk_backward(dvalues, indices, n):
    N, k = check_topk_backward(dvalues, indices, n)
    dx = np.zeros((N, n), dtype=dvalues.dtype)
    np.put_along_axis(dx, indices, dvalues, axis=1)
    return dx
