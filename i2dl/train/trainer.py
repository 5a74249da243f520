"""The training loop of the lecture (§VI, §VIII): epochs of minibatch steps on the training split,
validation after each epoch, the best-on-validation weights kept and restored, early stopping, a
resumable checkpoint after every epoch, the history as JSON/CSV and the learning curves as a PNG."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import functional as F
from ..autograd import no_grad
from ..nn.utils import clip_grad_norm_, max_norm_
from ..random import get_rng_state, set_rng_state
from .history import plot_history, write_history
from .progress import epoch_bar, format_metrics
from .run_state import _unwrapped, load_run, run_file, save_run


def _global_counts(total_loss, correct, count):
    """The sums over every rank of a data-parallel run (this rank's own otherwise)."""
    from .. import distributed as dist
    if dist.get_world_size() == 1:
        return total_loss, correct, count
    sums = np.array([total_loss, correct, count], dtype=np.float64)
    dist.all_reduce(sums)
    return float(sums[0]), int(sums[1]), int(sums[2])


def accuracy(logits, labels) -> float:
    return float((logits.numpy().argmax(axis=1) == labels.numpy()).mean())


@no_grad()
def evaluate(model, loader, loss_fn=F.cross_entropy, device="cpu"):
    """(mean loss, accuracy) over a loader, in eval mode; batches are moved to ``device``."""
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        total_loss += loss_fn(logits, y, reduction="sum").item()
        correct += int((logits.numpy().argmax(axis=1) == y.numpy()).sum())
        count += y.numel()  # labels: one per image, or one per pixel (segmentation)
    model.train(was_training)
    total_loss, correct, count = _global_counts(total_loss, correct, count)
    return total_loss / max(count, 1), correct / max(count, 1)


def train_epoch(model, loader, optimizer, loss_fn=F.cross_entropy, desc="", progress=True, device="cpu",
                max_grad_norm=None, max_norm=None, label_smoothing=0.0):
    """One pass over ``loader``; returns (mean loss, accuracy) over its batches. ``max_grad_norm``
    clips the gradients to that joint norm before each step (``nn.utils.clip_grad_norm_``, as recurrent
    networks are trained); ``max_norm`` projects each unit's weights into the ball ‖w‖ ≤ max_norm after
    each step (``nn.utils.max_norm_``); ``label_smoothing`` is handed to the loss."""
    model.train()
    total_loss, correct, count = 0.0, 0, 0
    with epoch_bar(len(loader), desc, progress) as bar:
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss = loss_fn(logits, y, label_smoothing=label_smoothing) if label_smoothing else loss_fn(logits, y)
            optimizer.zero_grad()
            loss.backward()
            if max_grad_norm is not None:
                clip_grad_norm_(model.parameters(), max_grad_norm)
            optimizer.step()
            if max_norm is not None:
                max_norm_(model.parameters(), max_norm)
            n = y.numel()  # the loss is the mean over every label (per image, or per pixel)
            total_loss += loss.item() * n
            correct += int((logits.numpy().argmax(axis=1) == y.numpy()).sum())
            count += n
            bar.set_postfix(loss=f"{total_loss / count:.4f}", acc=f"{correct / count:.4f}", refresh=False)
            bar.update()
    total_loss, correct, count = _global_counts(total_loss, correct, count)
    return total_loss / max(count, 1), correct / max(count, 1)


@dataclass
class EarlyStopping:
    """Stops when the monitored metric has not improved by more than ``min_delta`` for ``patience``
    epochs in a row; with ``restore_best_weights`` the run ends on the best epoch's weights."""
    patience: int = 5
    min_delta: float = 0.0
    restore_best_weights: bool = True

    def __post_init__(self):
        if not (isinstance(self.patience, (int, np.integer)) and self.patience >= 1):
            raise ValueError(f"EarlyStopping: argument 'patience' must be an integer >= 1, got {self.patience!r}")
        if not self.min_delta >= 0:
            raise ValueError(f"EarlyStopping: argument 'min_delta' must be >= 0, got {self.min_delta!r}")


def _mode(monitor):
    return "min" if "loss" in monitor else "max"


def fit(model, optimizer, train_loader, val_loader=None, epochs=10, loss_fn=F.cross_entropy, progress=True,
        scheduler=None, device="cpu", max_grad_norm=None, max_norm=None, label_smoothing=0.0, monitor="val_acc",
        early_stopping=None, checkpoint=None, resume=None, plot=None, log=print):
    """Trains to epoch ``epochs`` and returns the history (a dict of metrics per epoch).

    The model must already be on ``device``; each batch is moved there. With a validation loader the
    weights of the best epoch by ``monitor`` ("val_acc", higher is better, or "val_loss", lower) are
    restored at the end. ``early_stopping``: an :class:`EarlyStopping` (or a patience) on ``monitor``.
    ``checkpoint``: a path stem; after every epoch the whole run is written to
    ``<stem>.checkpoint.safetensors`` and the history to ``<stem>.history.json``/``.csv``. ``resume``:
    the stem of such a checkpoint; the run continues after its epoch, bit for bit as it would have
    (the model and optimizer must be built as before; the loaders too). ``plot``: a PNG path for the
    learning curves, redrawn each epoch. ``scheduler.step()`` runs once an epoch (with the monitored
    value for ReduceLROnPlateau). ``log``: where the epoch lines go (None: silent).

    Data-parallel (``i2dl.distributed`` initialised, the model a DistributedDataParallel, the train
    loader on a DistributedSampler): the sampler's epoch is set before each epoch, the metrics are
    sums over every rank, and only rank 0 writes the checkpoint, history and plot."""
    if isinstance(early_stopping, (int, np.integer)) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(patience=int(early_stopping))
    if monitor not in ("val_acc", "val_loss", "acc", "loss"):
        raise ValueError(f"fit: argument 'monitor' must be 'val_acc', 'val_loss', 'acc' or 'loss', got {monitor!r}")
    if val_loader is None and monitor.startswith("val_"):
        monitor = monitor[len("val_"):] if early_stopping is not None else monitor
    sign = 1.0 if _mode(monitor) == "max" else -1.0
    history, best, best_weights, bad_epochs, stopped, start_epoch = [], -np.inf, None, 0, False, 1
    if resume is not None:
        run = load_run(resume, model, optimizer)
        history, best_weights = run["history"], run["best_weights"]
        best, bad_epochs, stopped = float(run["best"]), int(run["bad_epochs"]), bool(run["stopped"])
        start_epoch = int(run["epoch"]) + 1
        if scheduler is not None and run.get("scheduler") is not None:
            scheduler.load_state_dict(run["scheduler"])
        for loader, st in ((train_loader, run.get("train_loader")), (val_loader, run.get("val_loader"))):
            if loader is not None and st is not None and hasattr(loader, "load_state_dict"):
                loader.load_state_dict(st)
        set_rng_state(run["rng"])
        if log:
            log(f"resumed from {run_file(resume)} after epoch {run['epoch']}" + (" (it had stopped early)" if stopped else ""))
    for epoch in range(start_epoch, epochs + 1):
        if stopped:
            break
        t0 = time.perf_counter()
        sampler = getattr(train_loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):   # a DistributedSampler: a new order each epoch, the same on every rank
            sampler.set_epoch(epoch)
        tr_loss, tr_acc = train_epoch(model, train_loader, optimizer, loss_fn, f"epoch {epoch}/{epochs}", progress,
                                      device, max_grad_norm, max_norm, label_smoothing)
        row = dict(epoch=epoch, loss=tr_loss, acc=tr_acc)
        if val_loader is not None:
            row["val_loss"], row["val_acc"] = evaluate(model, val_loader, loss_fn, device)
        row["lr"] = float(optimizer.param_groups[0]["lr"])
        row["seconds"] = round(time.perf_counter() - t0, 3)
        score = row.get(monitor)
        if score is not None:
            delta = early_stopping.min_delta if early_stopping is not None else 0.0
            if sign * score > best + delta:
                best, bad_epochs = sign * score, 0
                if val_loader is not None:
                    best_weights = {k: np.array(v, copy=True) for k, v in _unwrapped(model).state_dict().items()}
            else:
                bad_epochs += 1
                if early_stopping is not None and bad_epochs >= early_stopping.patience:
                    stopped = True
        if scheduler is not None:
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(score if score is not None else tr_loss)
            else:
                scheduler.step()
        history.append(row)
        if log:
            log(f"epoch {epoch:2d}/{epochs} {format_metrics(row)}"
                + (f" (early stop: no {monitor} gain for {bad_epochs} epochs)" if stopped else ""))
        if checkpoint is not None and _is_writer():
            save_run(checkpoint, model, optimizer, dict(
                epoch=epoch, history=history, best=best, bad_epochs=bad_epochs, stopped=stopped, monitor=monitor,
                best_weights=best_weights, rng=get_rng_state(),
                scheduler=scheduler.state_dict() if scheduler is not None else None,
                train_loader=train_loader.state_dict() if hasattr(train_loader, "state_dict") else None,
                val_loader=val_loader.state_dict() if hasattr(val_loader, "state_dict") else None))
            write_history(history, checkpoint)
        if plot is not None and _is_writer():
            plot_history(history, plot)
    restore = early_stopping is None or early_stopping.restore_best_weights
    if best_weights is not None and restore:
        _unwrapped(model).load_state_dict(best_weights)
    return history


def _is_writer():
    """Only rank 0 of a data-parallel run writes files (every rank holds the same state)."""
    from .. import distributed as dist
    return dist.get_rank() == 0

