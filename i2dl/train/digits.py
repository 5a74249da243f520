"""``i2dl train``: a LeNet-style CNN (or an MLP, or an LSTM reading the rows) on the bundled 8x8 digits with a seeded
train/val/test split (70/15/15), a progress bar per epoch, the final test accuracy, and the
model saved as one .safetensors file."""
from __future__ import annotations

import time

from .. import kernels, manual_seed, models, optim
from ..data import DataLoader, digits, random_split
from .trainer import evaluate, fit

DEFAULTS = {"lenet": dict(epochs=25, batch_size=32, lr=0.02), "lenet-bn": dict(epochs=25, batch_size=32, lr=0.05),
            "mlp": dict(epochs=30, batch_size=32, lr=0.05),
            # read row by row (8 steps of 8 pixels); Adam and clipping at norm 1, as recurrent nets are trained
            "lstm": dict(epochs=30, batch_size=32, lr=5e-3, optimizer="adam", max_grad_norm=1.0)}
MODEL_NAMES = tuple(DEFAULTS)


# The adaptive optimizers' learning rates where --lr is not given (SGD's come from DEFAULTS)
ADAPTIVE_LR = {"adam": 2e-3, "adamw": 2e-3, "rmsprop": 1e-3, "adagrad": 2e-2}
ADAPTIVE = {"adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}


def build_optimizer(name, model, cfg):
    if name == "sgd":
        return optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9, weight_decay=1e-4)
    return ADAPTIVE[name](model.parameters(), lr=cfg["lr"])


def build_scheduler(name, optimizer, epochs):
    if name == "step":
        return optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.5)
    if name == "exponential":
        return optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    return None


def build(name):
    if name == "lstm":
        return models.RowSequenceClassifier(rows=8, cols=8, hidden_size=64, cell="lstm")
    if name in ("lenet", "lenet-bn"):
        return models.DigitsCNN(batch_norm=name == "lenet-bn")
    return models.MLP(sizes=(64, 128, 10))


def main(args) -> int:
    if args.model == "unet":  # segmentation of the generated shapes: its own data and metric
        from .segmentation import main as segmentation_main
        return segmentation_main(args)
    cfg = dict(DEFAULTS[args.model])
    device = getattr(args, "device", "cpu")
    if device == "cuda":
        from ..kernels import cuda as cuda_backend
        reason = cuda_backend.why_unavailable()
        if reason:
            raise SystemExit(f"i2dl train --device cuda: {reason}")
    for key in ("epochs", "batch_size", "lr"):
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    name = getattr(args, "optimizer", None) or cfg.get("optimizer", "sgd")
    if name != cfg.get("optimizer", "sgd") and getattr(args, "lr", None) is None:
        cfg["lr"] = ADAPTIVE_LR.get(name, cfg["lr"]) if name != "sgd" else DEFAULTS["lenet"]["lr"]
    cfg["optimizer"] = name
    manual_seed(args.seed)
    data = digits()
    train_set, val_set, test_set = random_split(data, [0.7, 0.15, 0.15], seed=args.seed)
    print(f"digits: {len(train_set)} train / {len(val_set)} val / {len(test_set)} test images (8x8), "
          f"model {args.model}, "
          f"{'device cuda' if device == 'cuda' else 'backend ' + args.backend}, {cfg}")
    train_loader = DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True, seed=args.seed)
    val_loader = DataLoader(val_set, batch_size=256)
    test_loader = DataLoader(test_set, batch_size=256)
    model = build(args.model).to(device)
    print(model)
    optimizer = build_optimizer(name, model, cfg)
    scheduler = build_scheduler(getattr(args, "scheduler", "none"), optimizer, cfg["epochs"])
    start = time.perf_counter()
    with kernels.use_backend(args.backend):
        history = fit(model, optimizer, train_loader, val_loader, epochs=cfg["epochs"], device=device,
                      scheduler=scheduler, max_grad_norm=cfg.get("max_grad_norm"))
        test_loss, test_acc = evaluate(model, test_loader, device=device)
    seconds = time.perf_counter() - start
    best_val = max(h["val_acc"] for h in history)
    file = models.save(model, args.out, test_accuracy=test_acc, best_val_accuracy=best_val,
                       train_seconds=round(seconds, 2), seed=args.seed, **cfg)
    print(f"trained in {seconds:.1f}s; best val accuracy {100 * best_val:.2f}%; saved {file}")
    print(f"test accuracy: {100 * test_acc:.2f}%")
    return 0
