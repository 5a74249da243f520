"""A resumable checkpoint of a training run, ``<stem>.checkpoint.safetensors``, written after every
epoch: the model's weights and buffers, the best weights so far, the optimizer's state arrays as
tensors; everything else — epoch, history, the optimizer's hyper-parameters and counters, the
scheduler, the loaders' and the global random generators' states, early stopping — as JSON in the
file's metadata. One file, written atomically (temporary file, fsync, rename): an interruption
leaves the previous checkpoint whole. Nothing is unpickled; the file is checked before it is used.

Resuming from it continues bit for bit as the uninterrupted run would have (the same weights at
every later epoch, at a fixed thread count), because every source of difference is in it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..models.checkpoint import _header, json_metadata, write_atomically

FORMAT = 1
_META = "i2dl-run"
SUFFIX = ".checkpoint.safetensors"


def run_file(stem) -> Path:
    stem = Path(stem)
    return stem if stem.name.endswith(".safetensors") else stem.with_name(stem.name + SUFFIX)


def _host(a):
    # np.require keeps a 0-d buffer 0-d (num_batches_tracked); np.ascontiguousarray would make it (1,)
    return np.require(a.get() if hasattr(a, "get") else a, requirements="C")


def _unwrapped(model):
    """The model a DistributedDataParallel wraps (its checkpoint then loads with or without it, at any
    world size)."""
    from ..nn.parallel import DistributedDataParallel
    return model.module if isinstance(model, DistributedDataParallel) else model


def save_run(stem, model, optimizer, state) -> Path:
    """Writes the run ``state`` (a JSON-serialisable dict: epoch, history, ...) with the model's and
    optimizer's arrays; ``state["best_weights"]`` (a state_dict or None) goes in as tensors."""
    from safetensors.numpy import save as to_bytes

    model = _unwrapped(model)
    tensors = {f"model/{k}": _host(v) for k, v in model.state_dict().items()}
    best = state.pop("best_weights", None)
    if best is not None:
        tensors.update({f"best/{k}": _host(v) for k, v in best.items()})
    opt = optimizer.state_dict()
    scalars = {}
    for i, st in opt["state"].items():
        scalars[str(i)] = {}
        for k, v in st.items():
            if hasattr(v, "shape"):
                tensors[f"optimizer/{i}/{k}"] = _host(v)
            else:
                scalars[str(i)][k] = v.item() if hasattr(v, "item") else v
    meta = dict(state, format=FORMAT, has_best=best is not None,
                optimizer={"param_groups": opt["param_groups"], "scalars": scalars, "class": type(optimizer).__name__})
    try:
        text = json.dumps(meta)
    except TypeError as e:
        raise TypeError(f"save_run: the run state must be JSON values ({e})") from None
    file = run_file(stem)
    write_atomically(file, to_bytes(tensors, metadata={_META: text}))
    return file


def load_run(stem, model, optimizer):
    """Loads a checkpoint from ``save_run`` into ``model`` and ``optimizer`` and returns the run state
    (with ``best_weights``). The file's arrays are checked against the model before any is loaded."""
    from safetensors import SafetensorError, safe_open

    model = _unwrapped(model)
    file = run_file(stem)
    header = _header(file)
    meta = json_metadata(file, header, _META, "resume", "i2dl run state")
    if meta.get("format") != FORMAT:
        raise ValueError(f"resume: {file} has run-state format {meta.get('format')}, this version reads {FORMAT}")
    if meta["optimizer"]["class"] != type(optimizer).__name__:
        raise ValueError(f"resume: {file} was written by a {meta['optimizer']['class']} optimizer, this run uses "
                         f"{type(optimizer).__name__}")
    own = {k: tuple(np.shape(v)) for k, v in model.state_dict().items()}
    stored = {k[len("model/"):]: tuple(v["shape"]) for k, v in header.items() if k.startswith("model/")}
    if own != stored:
        missing, unexpected = sorted(set(own) - set(stored)), sorted(set(stored) - set(own))
        wrong = sorted(k for k in set(own) & set(stored) if own[k] != stored[k])
        raise ValueError(f"resume: {file} does not fit this model: missing {missing[:5]}, unexpected {unexpected[:5]}, "
                         f"mis-shaped {wrong[:5]}")
    try:
        with safe_open(str(file), framework="np") as f:
            arrays = {k: f.get_tensor(k) for k in f.keys()}
    except SafetensorError as e:
        raise ValueError(f"resume: checkpoint {file} is damaged: {e}") from None
    model.load_state_dict({k[len("model/"):]: v for k, v in arrays.items() if k.startswith("model/")})
    state = {int(i): dict(s) for i, s in meta["optimizer"]["scalars"].items()}
    for k, v in arrays.items():
        if k.startswith("optimizer/"):
            _, i, name = k.split("/", 2)
            state.setdefault(int(i), {})[name] = v
    optimizer.load_state_dict({"state": state, "param_groups": meta["optimizer"]["param_groups"]})
    run = {k: v for k, v in meta.items() if k not in ("optimizer", "format", "has_best")}
    run["best_weights"] = ({k[len("best/"):]: v for k, v in arrays.items() if k.startswith("best/")}
                           if meta.get("has_best") else None)
    return run
