"""``i2dl train``: an image classifier — the digits CNN (a LeNet-style CNN sized to the images), an
MLP, or an LSTM reading the rows — on the bundled 8x8 digits (a seeded 70/15/15 train/val/test
split) or on MNIST, Fashion-MNIST or CIFAR-10 files from disk (their test files are the test split,
10 % of the training files the validation split); a progress bar per epoch, the final test accuracy,
and the model saved as one .safetensors file (and its weights as ``.npz``).

Also: augmentation, early stopping, a resumable checkpoint after every epoch (``--resume`` continues
bit for bit), the history as JSON/CSV, learning curves as a PNG, and grid or random search of the
learning rate, batch size and weight decay on the validation split, the best configuration then
retrained and tested once."""
from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np

from .. import kernels, manual_seed, models, optim
from ..data import DataLoader, TensorDataset, cifar10, digits, fashion_mnist, mnist, random_split
from ..data import transforms as T
from ..models.checkpoint import write_atomically
from .search import Choice, LogUniform, grid_search, random_search, results_table
from .trainer import EarlyStopping, evaluate, fit

# A constant rate by default, so that a run continued with a larger --epochs equals one that ran that long
# (a cosine or step schedule spreads its rates over --epochs).
DEFAULTS = {"lenet": dict(epochs=25, batch_size=32, lr=0.02),
            "lenet-bn": dict(epochs=25, batch_size=32, lr=0.05),
            "mlp": dict(epochs=30, batch_size=32, lr=0.05),
            # read row by row; Adam and clipping at norm 1, as recurrent nets are trained
            "lstm": dict(epochs=30, batch_size=32, lr=5e-3, optimizer="adam", max_grad_norm=1.0),
            # the CIFAR ResNet-20 (He et al.: SGD with momentum 0.9, weight decay 1e-4); on CIFAR-10
            # through --dataset cifar10:DIR, on the digits as they are (8x8: stages of 8, 4, 2 pixels)
            "resnet20": dict(epochs=15, batch_size=64, lr=0.05)}
MODEL_NAMES = tuple(DEFAULTS)
# The bundled 8x8 digits (1257 training images): the plain CNN learns them better slowly and longer. Over
# seeds 0-5, 40 epochs at lr 0.01 read 98.5-100 % test accuracy where 25 at 0.02 read 97.0-98.5 % (and
# 30-40 at 0.02 no better); on 28x28 MNIST-format digits 0.02 stays (after 3 epochs 90.9 % against 89.9).
DIGITS_DEFAULTS = {"lenet": dict(epochs=40, lr=0.01)}
DATASETS = {"mnist": mnist, "fashion-mnist": fashion_mnist, "cifar10": cifar10}

# The adaptive optimizers' learning rates where --lr is not given (SGD's come from DEFAULTS)
ADAPTIVE_LR = {"adam": 2e-3, "adamw": 2e-3, "rmsprop": 1e-3, "adagrad": 2e-2}
ADAPTIVE = {"adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}
# what a resumed run must share with the run that wrote its checkpoint
# schedules whose rate at an epoch depends on the run's length: resumed, they keep their --epochs
LENGTH_SCHEDULES = ("cosine", "step")
RESUME_KEYS = ("architecture", "dataset", "seed", "batch_size", "lr", "optimizer", "weight_decay", "scheduler", "augment",
               "label_smoothing", "max_norm")


def say(*args, **kwargs):
    """print, on rank 0 of a data-parallel run only (every rank computes the same numbers)."""
    from .. import distributed as dist
    if dist.get_rank() == 0:
        print(*args, **kwargs)


def _shard(dataset):
    """This rank's share of an evaluation split (every world-th sample, none repeated); the metrics
    are summed over the ranks."""
    from .. import distributed as dist
    from ..data import Subset
    w = dist.get_world_size()
    return dataset if w == 1 else Subset(dataset, np.arange(dist.get_rank(), len(dataset), w))


def build_optimizer(name, model, cfg):
    if name == "sgd":
        return optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9, weight_decay=cfg.get("weight_decay", 1e-4))
    if "weight_decay" in cfg:
        return ADAPTIVE[name](model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    return ADAPTIVE[name](model.parameters(), lr=cfg["lr"])


def build_scheduler(name, optimizer, epochs):
    if name == "step":
        return optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.5)
    if name == "exponential":
        return optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    if name == "plateau":
        return optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=2)
    return None


def build(name, shape, num_classes):
    """The model ``name`` for images of ``shape`` (C, H, W) and ``num_classes`` classes."""
    C, H, W = shape
    if name == "lstm":
        if C != 1:
            raise SystemExit(f"i2dl train: --model lstm reads grey images row by row; these have {C} channels")
        return models.RowSequenceClassifier(rows=H, cols=W, hidden_size=64, cell="lstm", num_classes=num_classes)
    if name in ("lenet", "lenet-bn"):
        if H != W:
            raise SystemExit(f"i2dl train: --model {name} needs square images, got {H}x{W}")
        return models.DigitsCNN(in_channels=C, num_classes=num_classes, batch_norm=name == "lenet-bn", image_size=H)
    if name == "resnet20":
        return models.resnet20(num_classes=num_classes, in_channels=C)
    return models.MLP(sizes=(C * H * W, 128, num_classes))


def load_data(spec, seed):
    """(train, val, test, description) of ``--dataset``: "digits" or "<name>:<folder>"."""
    if spec == "digits":
        data = digits()
        train, val, test = random_split(data, [0.7, 0.15, 0.15], seed=seed)
        return train, val, test, "digits (8x8)"
    name, sep, folder = spec.partition(":")
    if name not in DATASETS or not sep or not folder:
        raise SystemExit(f"i2dl train: --dataset must be digits, mnist:DIR, fashion-mnist:DIR or cifar10:DIR, got {spec!r}")
    try:
        full, test = DATASETS[name](folder, train=True), DATASETS[name](folder, train=False)
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f"i2dl train --dataset {spec}: {e}") from None
    x, y = full.arrays
    n_val = max(1, len(x) // 10)
    perm = np.random.default_rng(seed).permutation(len(x))
    tr, va = perm[n_val:], perm[:n_val]
    mean = x[tr].mean(axis=(0, 2, 3), keepdims=True)      # per-channel statistics of the training split only
    std = x[tr].std(axis=(0, 2, 3), keepdims=True) + 1e-6
    norm = lambda a: ((a - mean) / std).astype(np.float32)   # noqa: E731
    xt, yt = test.arrays
    return (TensorDataset(norm(x[tr]), y[tr]), TensorDataset(norm(x[va]), y[va]), TensorDataset(norm(xt), yt),
            f"{name} {x.shape[2]}x{x.shape[3]}x{x.shape[1]} from {folder}")


def augmentation(shape):
    """Flips and padded crops for colour photos (CIFAR); small rotations, shifts and noise for digits,
    which a mirror would turn into other symbols."""
    C, H, W = shape
    if C == 3:
        return T.Compose([T.RandomCrop((H, W), padding=max(1, H // 8)), T.RandomHorizontalFlip()])
    return T.Compose([T.RandomAffine(degrees=10, translate=(0.1, 0.1)), T.GaussianNoise(0.05)])


def _config(args):
    cfg = dict(DEFAULTS[args.model])
    if getattr(args, "dataset", "digits") == "digits":
        cfg.update(DIGITS_DEFAULTS.get(args.model, {}))
    for key in ("epochs", "batch_size", "lr"):
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    name = getattr(args, "optimizer", None) or cfg.get("optimizer", "sgd")
    if name != cfg.get("optimizer", "sgd") and getattr(args, "lr", None) is None:
        cfg["lr"] = ADAPTIVE_LR.get(name, cfg["lr"]) if name != "sgd" else DEFAULTS["lenet"]["lr"]
    cfg["optimizer"] = name
    for key in ("weight_decay", "label_smoothing", "max_norm"):
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    cfg["scheduler"] = getattr(args, "scheduler", None) or "none"
    return cfg


def train_once(args, cfg, data, device, out=None, resume=None, log=print, plot=None):
    """Builds and trains one model on ``data`` = (train, val, test); returns (model, history)."""
    train_set, val_set, _ = data
    manual_seed(args.seed)
    shape = tuple(train_set[0][0].shape)
    labels = np.concatenate([d.take(np.arange(len(d)))[1] for d in data])
    num_classes = int(labels.max()) + 1
    model = build(args.model, shape, num_classes).to(device)
    transform = augmentation(shape) if getattr(args, "augment", False) else None
    # augmentation inline, not on the prefetch thread: on 2 cores both are busy training, and the thread
    # measured no faster (digits: +5 % inline against +10-18 % prefetched; 3x32x32: +7.2 % against +6.7 %)
    if getattr(args, "distributed", False):
        from .. import distributed as dist
        from ..nn import SyncBatchNorm
        from ..nn.parallel import DistributedDataParallel
        world, rank = dist.get_world_size(), dist.get_rank()
        if cfg["batch_size"] % world:
            raise SystemExit(f"i2dl train --distributed: --batch-size {cfg['batch_size']} (the global batch) must be "
                             f"a multiple of the {world} ranks")
        model = DistributedDataParallel(SyncBatchNorm.convert_sync_batchnorm(model))
        # rank r's batches are every world-th sample of the global batches: the union is one process's batch
        sampler = dist.DistributedSampler(train_set, shuffle=True, seed=args.seed)
        train_loader = DataLoader(train_set, batch_size=cfg["batch_size"] // world, sampler=sampler,
                                  seed=args.seed + 7919 * rank, transform=transform)
    else:
        train_loader = DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True, seed=args.seed,
                                  transform=transform)
    val_loader = DataLoader(_shard(val_set), batch_size=256)
    optimizer = build_optimizer(cfg["optimizer"], model, cfg)
    scheduler = build_scheduler(cfg["scheduler"], optimizer, cfg["epochs"])
    patience = getattr(args, "early_stopping", None)
    with kernels.use_backend(args.backend):
        history = fit(model, optimizer, train_loader, val_loader, epochs=cfg["epochs"], device=device,
                      scheduler=scheduler, max_grad_norm=cfg.get("max_grad_norm"), max_norm=cfg.get("max_norm"),
                      label_smoothing=cfg.get("label_smoothing", 0.0), monitor=getattr(args, "monitor", "val_acc"),
                      early_stopping=EarlyStopping(patience) if patience else None, checkpoint=out, resume=resume,
                      plot=plot, log=log, progress=log is not None)
    return getattr(model, "module", model), history


def _save_npz(model, stem):
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v.get() if hasattr(v, "get") else v) for k, v in model.state_dict().items()})
    file = Path(stem).with_name(Path(stem).name + ".npz")
    write_atomically(file, buf.getvalue())
    return file


def search(args, cfg, data, device):
    """Grid or random search on the validation split; returns the best configuration."""
    lr = cfg["lr"]
    if args.search == "grid":
        space = {"lr": [lr / 3, lr, lr * 3], "batch_size": [16, 32, 64]}
    else:
        space = {"lr": LogUniform(lr / 10, lr * 10), "batch_size": Choice([16, 32, 64]),
                 "weight_decay": LogUniform(1e-6, 1e-2)}

    def objective(trial):
        c = dict(cfg, **trial)
        _, history = train_once(args, c, data, device, log=None)
        return {"score": max(h["val_acc"] for h in history), "val_loss": min(h["val_loss"] for h in history)}

    say(f"{args.search} search over {space} ({cfg['epochs']} epochs a trial; scored on the validation split)")
    results = (grid_search(objective, space, log=say) if args.search == "grid"
               else random_search(objective, space, trials=args.trials, seed=args.seed, log=say))
    say(results_table(results))
    best = results[0]["config"]
    say(f"best on validation: {best}; retraining it, then the test split once")
    return dict(cfg, **best)


def main(args) -> int:
    if args.model == "unet":  # segmentation of the generated shapes: its own data and metric
        if getattr(args, "dataset", "digits") != "digits":
            raise SystemExit("i2dl train --model unet segments its own generated shapes; --dataset does not apply")
        from .segmentation import main as segmentation_main
        return segmentation_main(args)
    device = getattr(args, "device", "cpu")
    if device == "cuda":
        from ..kernels import cuda as cuda_backend
        reason = cuda_backend.why_unavailable()
        if reason:
            raise SystemExit(f"i2dl train --device cuda: {reason}")
    if getattr(args, "distributed", False):
        from .. import distributed as dist
        import i2dl
        dist.init_process_group("mpi")
        if getattr(args, "threads", None) is None:   # the cores shared out between the ranks on this host
            import os
            i2dl.set_num_threads(max(1, (os.cpu_count() or 1) // dist.get_world_size()))
    cfg = _config(args)
    spec = getattr(args, "dataset", "digits")
    data = load_data(spec, args.seed)
    train_set, val_set, test_set, desc = data
    say(f"{desc}: {len(train_set)} train / {len(val_set)} val / {len(test_set)} test images, model {args.model}, "
          f"{'device cuda' if device == 'cuda' else 'backend ' + args.backend}, {cfg}")
    data = data[:3]
    resume = getattr(args, "resume", None)
    if getattr(args, "search", None):
        if resume is not None:
            raise SystemExit("i2dl train: --search and --resume do not go together (a search starts every trial afresh)")
        cfg = search(args, cfg, data, device)
    job = dict(cfg, architecture=args.model, dataset=spec, seed=args.seed, augment=bool(getattr(args, "augment", False)))
    if resume is not None:
        _check_resume(resume, job)
    plot = Path(args.out).with_name(Path(args.out).name + ".png") if getattr(args, "plot", False) else None
    if _rank() == 0:
        _write_job(args.out, job)
    start = time.perf_counter()
    model, history = train_once(args, cfg, data, device, out=args.out, resume=resume, plot=plot,
                                log=print if _rank() == 0 else None)
    with kernels.use_backend(args.backend):
        test_loss, test_acc = evaluate(model, DataLoader(_shard(test_set), batch_size=256), device=device)
    seconds = time.perf_counter() - start
    best_val = max(h["val_acc"] for h in history)
    if _rank() != 0:
        return 0
    file = models.save(model, args.out, test_accuracy=test_acc, best_val_accuracy=best_val, epochs_run=len(history),
                       train_seconds=round(seconds, 2), **job)
    npz = _save_npz(model, args.out)
    say(f"trained in {seconds:.1f}s ({len(history)} epochs); best val accuracy {100 * best_val:.2f}%; saved {file} "
          f"and {npz.name}" + (f"; learning curves in {plot}" if plot is not None else ""))
    say(f"test accuracy: {100 * test_acc:.2f}%")
    return 0


def _rank():
    from .. import distributed as dist
    return dist.get_rank()


def _job_file(stem):
    return Path(stem).with_name(Path(stem).name + ".job.json")


def _write_job(stem, job):
    import json
    write_atomically(_job_file(stem), json.dumps(job, indent=1).encode())


def _check_resume(stem, job):
    """A resumed run must be the run that wrote the checkpoint (same data, model, optimizer, seed)."""
    import json
    from .run_state import run_file
    if not run_file(stem).is_file():
        raise SystemExit(f"i2dl train --resume {stem}: no checkpoint {run_file(stem)}")
    try:
        saved = json.loads(_job_file(stem).read_text())
    except FileNotFoundError:
        return
    except ValueError as e:
        raise SystemExit(f"i2dl train --resume {stem}: {_job_file(stem)} is not valid JSON ({e})") from None
    diff = [f"{k}: {saved.get(k)!r} then, {job.get(k)!r} now" for k in RESUME_KEYS if saved.get(k) != job.get(k)]
    if job.get("scheduler") in LENGTH_SCHEDULES and "epochs" in saved and saved["epochs"] != job.get("epochs"):
        diff.append(f"epochs: {saved['epochs']!r} then, {job.get('epochs')!r} now, and --scheduler {job['scheduler']} "
                    f"spreads its rates over the run's epochs")
    if diff:
        raise SystemExit(f"i2dl train --resume {stem}: the checkpoint was written by another run ({'; '.join(diff)})")
