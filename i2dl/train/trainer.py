"""The training loop of the lecture: epochs of minibatch SGD on the training split, validation
after each epoch, the best-on-validation weights kept, and a final test evaluation."""
from __future__ import annotations


from .. import functional as F
from ..autograd import no_grad
from ..nn.utils import clip_grad_norm_
from .progress import ProgressBar


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
    return total_loss / max(count, 1), correct / max(count, 1)


def train_epoch(model, loader, optimizer, loss_fn=F.cross_entropy, desc="", progress=True, device="cpu",
                max_grad_norm=None):
    """One pass over ``loader``; with ``max_grad_norm`` the gradients are clipped to that joint norm
    (``nn.utils.clip_grad_norm_``) before each step, as recurrent networks are trained."""
    model.train()
    bar = ProgressBar(len(loader), desc) if progress else None
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()
        if max_grad_norm is not None:
            clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        n = y.numel()  # the loss is the mean over every label (per image, or per pixel)
        total_loss += loss.item() * n
        correct += int((logits.numpy().argmax(axis=1) == y.numpy()).sum())
        count += n
        if bar:
            bar.update(loss=total_loss / count, acc=correct / count)
    return bar, total_loss / max(count, 1), correct / max(count, 1)


def fit(model, optimizer, train_loader, val_loader=None, epochs=10, loss_fn=F.cross_entropy, progress=True,
        scheduler=None, device="cpu", max_grad_norm=None):
    """Trains for ``epochs``; returns the history and restores the weights with the best
    validation accuracy (when a validation loader is given). The model must already be on
    ``device``; each batch is moved there."""
    history, best, best_state = [], -1.0, None
    for epoch in range(1, epochs + 1):
        bar, tr_loss, tr_acc = train_epoch(model, train_loader, optimizer, loss_fn, f"epoch {epoch:2d}/{epochs}",
                                           progress, device, max_grad_norm)
        row = dict(epoch=epoch, loss=tr_loss, acc=tr_acc)
        if val_loader is not None:
            row["val_loss"], row["val_acc"] = evaluate(model, val_loader, loss_fn, device)
            if row["val_acc"] > best:
                best, best_state = row["val_acc"], model.state_dict()
        if bar:
            bar.close(**{k: v for k, v in row.items() if k != "epoch"})
        if scheduler is not None:
            scheduler.step()
        history.append(row)
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
