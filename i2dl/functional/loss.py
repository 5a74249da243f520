"""Loss functions, numerically stable, with ``reduction="mean" | "sum" | "none"``.

Each loss with a closed-form gradient is one Function (fused forward and backward), so that it
stays finite and exact for extreme logits (|z| ~ 1e4) where composing log and exp would not.
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd import Function
from ..kernels.checks import check_real
from ..ops import xp_of
from ..tensor import Tensor
from ..ops import _sigmoid
from .activation import _log_softmax

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(fn, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{fn}: argument 'reduction' must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _check_same_shape(fn, input, target):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{fn}: argument 'target' must have the shape of 'input' {tuple(input.shape)}, "
                         f"got {tuple(target.shape)}")


def _as_tensor(t, like):
    if isinstance(t, Tensor):
        return t
    return Tensor(np.asarray(t, dtype=like.dtype) if like.device == "cpu" else t)


def _checked_target(fn, input, target, reduction):
    """The checks every elementwise loss makes; returns target as a Tensor like input."""
    _check_reduction(fn, reduction)
    target = _as_tensor(target, input)
    _check_same_shape(fn, input, target)
    return target


def l1_loss(input, target, reduction="mean"):
    """|x - y|, averaged or summed."""
    target = _checked_target("l1_loss", input, target, reduction)
    return _reduce((input - target).abs(), reduction)


def mse_loss(input, target, reduction="mean"):
    """(x - y)^2, averaged or summed."""
    target = _checked_target("mse_loss", input, target, reduction)
    d = input - target
    return _reduce(d * d, reduction)


BCE_EPS = 1e-7


class _BCE(Function):
    """-(y log p + (1 - y) log(1 - p)) with p clamped to [eps, 1 - eps] (eps = 1e-7 in float32 and
    float64: log(0) would be -inf, and PyTorch clamps the log at -100 for the same reason)."""

    @staticmethod
    def forward(ctx, p, y):
        xp = xp_of(p)
        pc = xp.clip(p, BCE_EPS, 1 - BCE_EPS)
        ctx.pc, ctx.y = pc, y
        return -(y * xp.log(pc) + (1 - y) * xp.log1p(-pc))

    @staticmethod
    def backward(ctx, g):
        pc, y = ctx.pc, ctx.y
        gp = g * (pc - y) / (pc * (1 - pc))
        gy = g * (xp_of(pc).log1p(-pc) - xp_of(pc).log(pc)) if ctx.needs_input_grad[1] else None
        return gp, gy


def binary_cross_entropy(input, target, reduction="mean"):
    """BCE on probabilities ``input`` in [0, 1] (clamped, see _BCE)."""
    target = _checked_target("binary_cross_entropy", input, target, reduction)
    return _reduce(_BCE.apply(input, target), reduction)


class _BCEWithLogits(Function):
    """max(z, 0) - z y + log(1 + e^{-|z|}): exact for any z; d/dz = sigma(z) - y."""

    @staticmethod
    def forward(ctx, z, y):
        xp = xp_of(z)
        ctx.z, ctx.y = z, y
        return xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))

    @staticmethod
    def backward(ctx, g):
        gz = g * (_sigmoid(ctx.z) - ctx.y)
        gy = -g * ctx.z if ctx.needs_input_grad[1] else None
        return gz, gy


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE on logits z: max(z, 0) - z y + log(1 + e^-|z|) per element (exact for |z| ~ 1e4), reduced.

    input and target of one shape, target in [0, 1]; reduction "mean" | "sum" | "none".

    >>> z = i2dl.tensor([0.0, 0.0])
    >>> round(F.binary_cross_entropy_with_logits(z, i2dl.tensor([1.0, 0.0])).item(), 4)
    0.6931"""
    target = _checked_target("binary_cross_entropy_with_logits", input, target, reduction)
    return _reduce(_BCEWithLogits.apply(input, target), reduction)


class _CrossEntropy(Function):
    """Softmax cross-entropy on logits z (N, C): -sum_c q_c log softmax(z)_c per row, where q is
    one-hot(labels) or a given probability distribution; d/dz = softmax(z) - q."""

    @staticmethod
    def forward(ctx, z, q):
        logp = _log_softmax(z, 1)
        ctx.logp, ctx.q = logp, q
        return -(q * logp).sum(axis=1)

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        gz = g[:, None] * (xp.exp(ctx.logp) - ctx.q)
        gq = -g[:, None] * ctx.logp if ctx.needs_input_grad[1] else None
        return gz, gq


class _CrossEntropyLabels(Function):
    """Softmax cross-entropy of logits z (N, C) against integer labels, reduced, on the kernel
    triad (``cross_entropy_forward/backward``): one kernel call each way instead of a dozen
    array expressions. loss_i = logsumexp(z_i) - z_{i,y_i}; dz = dloss_i (softmax(z_i) - e_{y_i})."""

    @staticmethod
    def forward(ctx, z, labels, reduction="mean"):
        k = kernels.for_array(z)
        loss = k.cross_entropy_forward(z, labels)
        ctx.k, ctx.z, ctx.labels, ctx.reduction = k, z, labels, reduction
        xp = xp_of(z)
        if reduction == "none":
            return loss
        total = loss.sum()
        return xp.asarray(total / loss.shape[0] if reduction == "mean" else total, dtype=z.dtype)

    @staticmethod
    def backward(ctx, g):
        z = ctx.z
        n = z.shape[0]
        if ctx.reduction == "none":
            dloss = xp_of(z).ascontiguousarray(g, dtype=z.dtype)
        else:
            dloss = xp_of(z).empty(n, dtype=z.dtype)
            dloss[...] = g / n if ctx.reduction == "mean" else g
        return ctx.k.cross_entropy_backward(dloss, z, ctx.labels), None


def _smoothed_cross_entropy(input, target, reduction, eps):
    """(1 - ε)·CE(input, target) + ε·mean_k(-log softmax(input)_k), per sample, then reduced."""
    from .activation import log_softmax
    tdata = target.data if isinstance(target, Tensor) else target
    if xp_of(input.data).asarray(tdata).dtype.kind not in "iu":  # probabilities: smooth the target itself
        q = target if isinstance(target, Tensor) else Tensor._wrap(xp_of(input.data).asarray(tdata, dtype=input.dtype))
        return cross_entropy(input, q * (1.0 - eps) + eps / input.shape[1], reduction)
    nll = cross_entropy(input, target, "none")
    uniform = -log_softmax(input, dim=1).mean(axis=1)
    return _reduce(nll * (1.0 - eps) + uniform * eps, reduction)


def _one_hot(labels, classes, dtype, xp):
    q = xp.zeros((labels.shape[0], classes), dtype=dtype)
    q[xp.arange(labels.shape[0]), labels] = 1
    return q


def cross_entropy(input, target, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits ``input`` (N, C) against integer labels (N,) or class
    probabilities (N, C); or, per position as PyTorch's, logits (N, C, d1, ...) against labels
    (N, d1, ...) (segmentation: a label per pixel), the mean then over every position.

    ``label_smoothing`` ε in [0, 1] (Szegedy et al., 2016) trains against the target mixed with the
    uniform distribution, q' = (1 - ε)·q + ε/C, as PyTorch: for labels the loss is
    (1 - ε)·(-log p_y) + ε·(1/C)·Σ_k (-log p_k)."""
    fn = "cross_entropy"
    _check_reduction(fn, reduction)
    check_real(fn, "label_smoothing", label_smoothing)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: argument 'label_smoothing' must be in [0, 1], got {label_smoothing}")
    if label_smoothing:
        return _smoothed_cross_entropy(input, target, reduction, float(label_smoothing))
    if input.ndim > 2:
        tdata = xp_of(input.data).asarray(target.data if isinstance(target, Tensor) else target)
        want = (input.shape[0],) + tuple(input.shape[2:])
        if tdata.dtype.kind not in "iu" or tuple(tdata.shape) != want:
            raise ValueError(f"{fn}: argument 'target' must hold integer labels of shape {want} for logits of shape "
                             f"{tuple(input.shape)}, got {tdata.dtype} {tuple(tdata.shape)}")
        C = input.shape[1]
        axes = (0,) + tuple(range(2, input.ndim)) + (1,)
        rows = input.permute(*axes).reshape(-1, C).contiguous()
        loss = cross_entropy(rows, tdata.reshape(-1), reduction)
        return loss if reduction != "none" else loss.reshape(*want)
    if input.ndim != 2:
        raise ValueError(f"{fn}: argument 'input' must be 2-D logits (N, C), got shape {tuple(input.shape)}")
    tdata = target.data if isinstance(target, Tensor) else target
    xp = xp_of(input.data)
    tdata = xp.asarray(tdata)
    if tdata.dtype.kind in "iu":
        if tdata.shape != (input.shape[0],):
            raise ValueError(f"{fn}: argument 'target' (labels) must have shape ({input.shape[0]},), got {tdata.shape}")
        if tdata.size and (int(tdata.min()) < 0 or int(tdata.max()) >= input.shape[1]):
            raise ValueError(f"{fn}: argument 'target' holds labels outside [0, {input.shape[1]})")
        if input.shape[1] >= 1 and input.data.flags.c_contiguous:
            labels = xp.ascontiguousarray(tdata, dtype=np.int64)
            return _CrossEntropyLabels.apply(input, labels, reduction=reduction)
        q = Tensor._wrap(_one_hot(tdata, input.shape[1], input.dtype, xp))
    else:
        q = target if isinstance(target, Tensor) else Tensor._wrap(tdata.astype(input.dtype))
        _check_same_shape(fn, input, q)
    return _reduce(_CrossEntropy.apply(input, q), reduction)


class _MultiMargin(Function):
    """Multi-class hinge (SVM) loss per row: (1/C) sum_{j != y} max(0, margin - z_y + z_j)
    (PyTorch's multi_margin_loss with p = 1)."""

    @staticmethod
    def forward(ctx, z, labels, margin=1.0):
        xp = xp_of(z)
        n, c = z.shape
        rows = xp.arange(n)
        zy = z[rows, labels][:, None]
        m = xp.maximum(0, margin - zy + z)
        m[rows, labels] = 0
        ctx.active, ctx.labels, ctx.c = (m > 0).astype(z.dtype), labels, c
        return m.sum(axis=1) / c

    @staticmethod
    def backward(ctx, g):
        xp = xp_of(g)
        a = ctx.active
        gz = a.copy()
        rows = xp.arange(a.shape[0])
        gz[rows, ctx.labels] = -a.sum(axis=1)
        return g[:, None] * gz / ctx.c, None


def multi_margin_loss(input, target, margin=1.0, reduction="mean"):
    """The multi-class hinge (SVM) loss (1/C) sum_{j != y} max(0, margin - z_y + z_j) per row, reduced.

    input (N, C) logits, target (N,) integer labels (PyTorch's multi_margin_loss with p = 1).

    >>> F.multi_margin_loss(i2dl.tensor([[2.0, 0.0]]), [0]).item()
    0.0"""
    fn = "multi_margin_loss"
    _check_reduction(fn, reduction)
    labels = target.data if isinstance(target, Tensor) else xp_of(input.data).asarray(target)
    if input.ndim != 2 or labels.shape != (input.shape[0],) or labels.dtype.kind not in "iu":
        raise ValueError(f"{fn}: expected logits (N, C) and integer labels (N,), got {tuple(input.shape)} and "
                         f"{tuple(labels.shape)} {labels.dtype}")
    return _reduce(_MultiMargin.apply(input, labels, margin=margin), reduction)


hinge_loss = multi_margin_loss


def l1_regularization(parameters, weight=1.0):
    """weight * sum |theta| over the parameters (lasso)."""
    terms = [p.abs().sum() for p in parameters]
    return weight * _sum(terms)


def l2_regularization(parameters, weight=1.0):
    """weight * sum theta^2 over the parameters (ridge; SGD's weight_decay is its gradient / 2)."""
    terms = [(p * p).sum() for p in parameters]
    return weight * _sum(terms)


def _sum(terms):
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total
