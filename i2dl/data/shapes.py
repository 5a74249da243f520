"""A bundled synthetic segmentation set, generated and seeded (no download): squares and disks of
random sizes and places on a noisy background, with the mask of each pixel's class (0 background,
1 square, 2 disk). For U-Net and the lecture's fully convolutional networks (§X)."""
from __future__ import annotations

import numpy as np

from .dataset import TensorDataset

CLASSES = ("background", "square", "disk")


def shapes(n=600, size=32, seed=0, noise=0.3, max_shapes=3):
    """TensorDataset of (image (1, size, size) float32, mask (size, size) int64). Each image holds 1 to
    ``max_shapes`` shapes (a later one drawn over an earlier one), intensity about 1 on a background of
    0, plus Gaussian noise of std ``noise``."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 1, size, size), np.float32)
    masks = np.zeros((n, size, size), np.int64)
    yy, xx = np.mgrid[0:size, 0:size]
    for i in range(n):
        for _ in range(int(rng.integers(1, max_shapes + 1))):
            kind = int(rng.integers(1, 3))
            r = int(rng.integers(3, size // 4 + 1))
            cy, cx = (int(v) for v in rng.integers(r, size - r, 2))
            inside = (np.maximum(abs(yy - cy), abs(xx - cx)) <= r) if kind == 1 else ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r)
            masks[i][inside] = kind
            images[i, 0][inside] = 0.8 + 0.4 * rng.random()
    images += rng.normal(0.0, noise, images.shape).astype(np.float32)
    return TensorDataset(images, masks)


def mean_iou(pred, target, num_classes=len(CLASSES)):
    """The mean over classes of |pred = c and target = c| / |pred = c or target = c| (classes absent from
    both are left out)."""
    ious = []
    for c in range(num_classes):
        union = np.logical_or(pred == c, target == c).sum()
        if union:
            ious.append(np.logical_and(pred == c, target == c).sum() / union)
    return float(np.mean(ious))
