"""One database of differentiable ops for every gradient test: gradcheck on the reference and the
cpu backend (float64, central differences), and the cuda backend against the cpu one (float32 and
float64). A case is a function of tensors and its inputs: a shape, ("pos", *shape) for strictly
positive values, or a fixed array (integer labels, say). Adding an op adds a line here."""
import numpy as np

import i2dl
import i2dl.functional as F

LABELS5 = np.array([0, 5, 2, 1, 3])

CASES = {
    # ---- tensor ops
    "add broadcast": (lambda a, b: a + b, [(3, 4), (4,)]),
    "sub broadcast": (lambda a, b: a - b, [(2, 1, 4), (3, 1)]),
    "mul broadcast": (lambda a, b: a * b, [(3, 4), (3, 1)]),
    "div": (lambda a, b: a / b, [(3, 4), ("pos", 3, 4)]),
    "pow scalar": (lambda a: a ** 3, [(3, 4)]),
    "pow tensor": (lambda a, b: a ** b, [("pos", 3, 4), (3, 4)]),
    "rsub scalar": (lambda a: 2.0 - a, [(5,)]),
    "rdiv scalar": (lambda a: 2.0 / a, [("pos", 5,)]),
    "neg": (lambda a: -a, [(3, 4)]),
    "exp": (lambda a: a.exp(), [(3, 4)]),
    "log": (lambda a: a.log(), [("pos", 3, 4)]),
    "sqrt": (lambda a: a.sqrt(), [("pos", 3, 4)]),
    "abs": (lambda a: a.abs(), [(3, 4)]),
    "clip": (lambda a: a.clip(-0.5, 0.5), [(4, 5)]),
    "maximum": (lambda a, b: i2dl.maximum(a, b), [(3, 4), (4,)]),
    "minimum": (lambda a, b: i2dl.minimum(a, b), [(3, 4), (3, 4)]),
    "matmul 2d": (lambda a, b: a @ b, [(3, 4), (4, 5)]),
    "matmul batched": (lambda a, b: a @ b, [(2, 3, 4), (4, 2)]),
    "matmul vector": (lambda a, b: a @ b, [(3, 4), (4,)]),
    "sum all": (lambda a: a.sum(), [(3, 4)]),
    "sum axis keepdims": (lambda a: a.sum(axis=1, keepdims=True), [(3, 4, 2)]),
    "mean axes": (lambda a: a.mean(axis=(0, 2)), [(3, 4, 2)]),
    "max axis": (lambda a: a.max(axis=1), [(3, 4)]),
    "min all": (lambda a: a.min(), [(3, 4)]),
    "var unbiased": (lambda a: a.var(axis=0), [(5, 3)]),
    "var biased keepdims": (lambda a: a.var(axis=1, keepdims=True, correction=0), [(5, 3)]),
    "reshape": (lambda a: a.reshape(4, 3) * 2, [(3, 4)]),
    "flatten": (lambda a: a.flatten(1), [(2, 3, 4)]),
    "permute": (lambda a: a.permute(2, 0, 1), [(2, 3, 4)]),
    "transpose": (lambda a: a.transpose(0, 1), [(2, 3)]),
    "T": (lambda a: a.T, [(2, 3)]),
    "getitem slice": (lambda a: a[1:, ::2], [(3, 4)]),
    "getitem int array repeats": (lambda a: a[np.array([0, 2, 0, 0])], [(3, 4)]),
    "getitem mixed": (lambda a: a[np.array([1, 1]), np.array([0, 3])], [(3, 4)]),
    "concatenate": (lambda a, b: i2dl.concatenate([a, b], axis=1), [(2, 3), (2, 2)]),
    "stack": (lambda a, b: i2dl.stack([a, b], axis=0), [(2, 3), (2, 3)]),
    "where": (lambda a, b: i2dl.where(a.data > 0, a, b), [(3, 4), (4,)]),
    # ---- functional ops
    "linear": (lambda x, w, b: F.linear(x, w, b), [(4, 5), (3, 5), (3,)]),
    "linear batched, no bias": (lambda x, w: F.linear(x, w), [(2, 4, 5), (3, 5)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [(2, 3, 7, 6), (4, 3, 3, 3), (4,)]),
    "conv2d dilation groups": (lambda x, w: F.conv2d(x, w, None, padding=2, dilation=2, groups=2),
                               [(1, 4, 6, 6), (2, 2, 3, 3)]),
    "conv2d depthwise": (lambda x, w: F.conv2d(x, w, None, padding=1, groups=3), [(2, 3, 5, 5), (3, 1, 3, 3)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), [(2, 2, 6, 6)]),
    "max_pool2d overlapping": (lambda x: F.max_pool2d(x, 3, 2, 1), [(1, 2, 7, 7)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1), [(2, 2, 7, 7)]),
    "global_avg_pool2d": (lambda x: F.global_avg_pool2d(x), [(2, 3, 4, 5)]),
    "batch_norm training": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(4, 3, 5), (3,), (3,)]),
    "batch_norm 2d small planes": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                                   [(3, 2, 4, 4), (2,), (2,)]),
    "batch_norm (N, C)": (lambda x, w: F.batch_norm(x, None, None, w, None, training=True), [(6, 5), (5,)]),
    "batch_norm eval": (lambda x, w, b: F.batch_norm(x, np.array([0.1, -0.2]), np.array([0.5, 2.0]), w, b),
                        [(3, 2, 3, 3), (2,), (2,)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (5,), w, b), [(3, 5), (5,), (5,)]),
    "layer_norm two dims": (lambda x: F.layer_norm(x, (3, 4)), [(2, 3, 4)]),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3, 3), (4,), (4,)]),
    "instance_norm": (lambda x: F.instance_norm(x), [(2, 3, 6)]),
    "relu": (lambda x: F.relu(x), [(4, 5)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), [(4, 5)]),
    "prelu shared": (lambda x, a: F.prelu(x, a), [(4, 5), (1,)]),
    "prelu per channel": (lambda x, a: F.prelu(x, a), [(2, 3, 4, 4), (3,)]),
    "elu": (lambda x: F.elu(x, 1.5), [(4, 5)]),
    "sigmoid": (lambda x: F.sigmoid(x), [(4, 5)]),
    "tanh": (lambda x: F.tanh(x), [(4, 5)]),
    "swish beta": (lambda x: F.swish(x, 1.7), [(4, 5)]),
    "silu": (lambda x: F.silu(x), [(4, 5)]),
    "maxout": (lambda x: F.maxout(x, 2), [(3, 6, 2)]),
    "softmax": (lambda x: F.softmax(x, dim=1), [(3, 5)]),
    "log_softmax": (lambda x: F.log_softmax(x, dim=0), [(4, 3)]),
    "l1": (lambda x, y: F.l1_loss(x, y), [(4, 3), (4, 3)]),
    "mse sum": (lambda x, y: F.mse_loss(x, y, reduction="sum"), [(4, 3), (4, 3)]),
    "bce_with_logits": (lambda x, y: F.binary_cross_entropy_with_logits(x, y), [(6,), (6,)]),
    "cross_entropy probs": (lambda x, q: F.cross_entropy(x, F.softmax(q, dim=1)), [(4, 5), (4, 5)]),
    "hinge none": (lambda x: F.multi_margin_loss(x, np.array([0, 2, 1, 4]), reduction="none"), [(4, 5)]),
    "l2 reg": (lambda a, b: F.l2_regularization([a, b], 0.3), [(3,), (2, 2)]),
    "l1 reg": (lambda a: F.l1_regularization([a], 0.3), [(5,)]),
    # ---- compositions the GPU test adds
    "softmax squared": (lambda x: F.softmax(x, dim=1) * F.softmax(x, dim=1), [(5, 6)]),
    "log_softmax squared": (lambda x: F.log_softmax(x, dim=1) ** 2, [(5, 6)]),
    "conv2d groups stride": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=1, groups=2),
                             [(2, 4, 9, 9), (6, 2, 3, 3), (6,)]),
    "cross_entropy labels": (lambda x, y: F.cross_entropy(x, y), [(5, 6), LABELS5]),
    "multi_margin labels": (lambda x, y: F.multi_margin_loss(x, y), [(5, 6), LABELS5]),
    "bce of sigmoid": (lambda x, t: F.binary_cross_entropy(F.sigmoid(x), t), [(5, 6), ("unit", 5, 6)]),
    "bce_with_logits probabilities": (lambda x, t: F.binary_cross_entropy_with_logits(x, t), [(5, 6), ("unit", 5, 6)]),
    "broadcast mean": (lambda x, y: (x * y + y).mean(axis=0), [(5, 6), (6,)]),
}


def make_arrays(specs, dtype=np.float64):
    """The inputs of a case as NumPy arrays, seeded by position."""
    out = []
    for i, s in enumerate(specs):
        if isinstance(s, np.ndarray):
            out.append(s)
            continue
        kind, shape = (s[0], s[1:]) if s and isinstance(s[0], str) else ("normal", s)
        a = np.random.default_rng(i).standard_normal(shape)
        if kind == "pos":
            a = np.abs(a) + 0.5
        elif kind == "unit":
            a = np.random.default_rng(i).random(shape)
        out.append(a.astype(dtype))
    return out


def make_tensors(specs, dtype=np.float64, device="cpu"):
    """The inputs as tensors; float ones require grad."""
    ts = [i2dl.tensor(a) for a in make_arrays(specs, dtype)]
    ts = [t.to(device) if device != "cpu" else t for t in ts]
    for t in ts:
        t.requires_grad = t.dtype.kind == "f"
    return ts
