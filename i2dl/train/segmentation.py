"""``i2dl train --model unet``: a U-Net on the generated shapes (squares and disks on noise, a class per
pixel), a seeded 70/15/15 split, Adam with a cosine schedule, the best-on-validation weights, the
test mean IoU, and the model saved as one .safetensors file."""
from __future__ import annotations

import time

import numpy as np

from .. import kernels, manual_seed, models, no_grad, optim
from ..data import DataLoader, mean_iou, random_split, shapes
from .trainer import fit

DEFAULTS = dict(epochs=24, batch_size=16, lr=3e-3, images=1000, size=32, base=16, depth=2)


@no_grad()
def predict(model, loader, device="cpu"):
    """(predicted classes, true classes) over a loader, in eval mode."""
    was = model.training
    model.eval()
    preds, targets = [], []
    for x, y in loader:
        preds.append(model(x.to(device)).numpy().argmax(axis=1))
        targets.append(y.numpy())
    model.train(was)
    return np.concatenate(preds), np.concatenate(targets)


def main(args) -> int:
    cfg = dict(DEFAULTS)
    for key in ("epochs", "batch_size", "lr"):
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    cfg["optimizer"] = "adam"
    manual_seed(args.seed)
    data = shapes(n=cfg["images"], size=cfg["size"], seed=args.seed)
    train_set, val_set, test_set = random_split(data, [0.7, 0.15, 0.15], seed=args.seed)
    print(f"shapes: {len(train_set)} train / {len(val_set)} val / {len(test_set)} test images "
          f"({cfg['size']}x{cfg['size']}, classes background/square/disk), model unet, backend {args.backend}, {cfg}")
    model = models.UNet(in_channels=1, num_classes=3, base=cfg["base"], depth=cfg["depth"])
    print(model)
    optimizer = optim.Adam(model.parameters(), lr=cfg["lr"])
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg["epochs"])
    start = time.perf_counter()
    with kernels.use_backend(args.backend):
        # fit's accuracy is the pixel accuracy here: it picks the best epoch on the validation split
        fit(model, optimizer, DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True, seed=args.seed),
            DataLoader(val_set, batch_size=64), epochs=cfg["epochs"], scheduler=scheduler)
        pred, target = predict(model, DataLoader(test_set, batch_size=64))
    seconds = time.perf_counter() - start
    iou, pixels = mean_iou(pred, target), float((pred == target).mean())
    file = models.save(model, args.out, test_mean_iou=iou, test_pixel_accuracy=pixels,
                       train_seconds=round(seconds, 2), seed=args.seed, **cfg)
    print(f"trained in {seconds:.1f}s; saved {file}")
    print(f"test pixel accuracy: {100 * pixels:.2f}%")
    print(f"test mean IoU: {iou:.4f}")
    return 0
