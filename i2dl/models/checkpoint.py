"""Checkpoints: a model's weights and what rebuilds it (class name, constructor config, extras such
as the test accuracy) in **one** safetensors file, ``<path>.safetensors``.

One file, so a reader sees the old checkpoint or the new one and never a mix of both: the file is
written under a temporary name in the same folder, flushed to disk (fsync), and renamed over the
old one (``os.replace`` is atomic on POSIX); a failed or killed save leaves the previous checkpoint
as it was. safetensors (the format the field shares weights in) keeps every tensor's dtype and shape
in a JSON header before the data, so :func:`load` checks the file against the architecture before it
reads, or allocates, any weights — and it never unpickles anything.

The given path is a stem: ``save(m, "run.1")`` writes ``run.1.safetensors`` (a suffix the user wrote
is kept, never replaced); a path that already ends in ``.safetensors`` is used as it is.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

SUFFIX = ".safetensors"
_META_KEY = "i2dl"          # the metadata entry holding {"model", "config", extras...} as JSON
_MAX_HEADER = 100 << 20     # safetensors' own bound on the JSON header


def checkpoint_file(path) -> Path:
    """The file a checkpoint path names: ``path`` + ``.safetensors`` unless it already ends so."""
    path = Path(path)
    return path if path.name.endswith(SUFFIX) else path.with_name(path.name + SUFFIX)


def write_atomically(file: Path, data: bytes) -> None:
    """Writes ``data`` to ``file`` so that the file is either its old self or all of ``data``."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself reaches the disk with the folder's entry
        dir_fd = os.open(file.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save(model, path, registry, **extra) -> Path:
    """Writes ``model.state_dict()`` and ``{"model": class name, "config": model.config, **extra}``
    to ``checkpoint_file(path)`` atomically; returns that file."""
    from safetensors.numpy import save as to_bytes

    name = type(model).__name__
    if name not in registry:
        raise ValueError(f"save: {name} is not a registered model ({sorted(registry)})")
    meta = dict(model=name, config=model.config, **extra)
    try:
        text = json.dumps(meta)
    except TypeError as e:
        raise TypeError(f"save: the model's config and the extra values must be JSON values ({e})") from None
    state = {k: np.require(v, requirements="C") for k, v in model.state_dict().items()}  # keeps 0-d buffers 0-d
    file = checkpoint_file(path)
    write_atomically(file, to_bytes(state, metadata={_META_KEY: text}))
    return file


def _header(file: Path):
    """The file's JSON header ({name: {dtype, shape, data_offsets}}, "__metadata__"), after checking
    that the file holds all the bytes the header announces. Reads only the header."""
    try:
        size = file.stat().st_size
        with open(file, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise ValueError(f"load: checkpoint {file} is truncated: {size} bytes, not even the 8-byte header length")
            n = int.from_bytes(head, "little")
            if n > _MAX_HEADER:
                raise ValueError(f"load: {file} is not a safetensors checkpoint (header length {n})")
            if 8 + n > size:
                raise ValueError(f"load: checkpoint {file} is truncated: {size} bytes, the header alone needs {8 + n}")
            raw = f.read(n)
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no checkpoint {file}") from None
    try:
        header = json.loads(raw)
        if not isinstance(header, dict):
            raise ValueError("the header is not a JSON object")
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise ValueError(f"load: {file} is not a safetensors checkpoint: its header does not parse ({e})") from None
    if 8 + n + end > size:
        raise ValueError(f"load: checkpoint {file} is truncated: {size} bytes of {8 + n + end}")
    return header


def json_metadata(file, header, key, fn, what) -> dict:
    """The JSON object stored under metadata ``key`` of a safetensors header; errors say ``fn``, the
    file and ``what`` it should hold."""
    raw = (header.get("__metadata__") or {}).get(key)
    if raw is None:
        raise ValueError(f"{fn}: {file} holds no {what} (metadata key {key!r})")
    try:
        meta = json.loads(raw)
    except ValueError as e:
        raise ValueError(f"{fn}: the {what} in {file} is not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{fn}: the {what} in {file} must be a JSON object")
    return meta


def read_metadata(path) -> dict:
    """``{"model", "config", extras...}`` of a checkpoint, from its header alone."""
    file = checkpoint_file(path)
    meta = json_metadata(file, _header(file), _META_KEY, "load", "i2dl model description")
    if not isinstance(meta.get("config"), dict):
        raise ValueError(f"load: the model description in {file} must be an object with a 'config' object")
    return meta


def load(path, registry):
    """Rebuilds the model the checkpoint names and loads its weights (strictly): the model is built
    without initialising its weights, and every tensor's name, dtype and shape in the header is
    compared with the model's before any weight is read."""
    from safetensors import SafetensorError, safe_open

    from ..nn import init

    file = checkpoint_file(path)
    header = _header(file)
    meta = read_metadata(file)
    if meta.get("model") not in registry:
        raise ValueError(f"load: unknown model {meta.get('model')!r} in {file} (registered: {sorted(registry)})")
    with init.skip_init():
        try:
            model = registry[meta["model"]](**meta["config"])
        except (TypeError, ValueError) as e:
            raise ValueError(f"load: the config in {file} does not build a {meta['model']}: {e}") from None
    expected = {name: tuple(t.shape) for name, t in model.named_parameters()}
    expected.update({name: tuple(np.shape(b)) for name, b in model.named_buffers()})
    stored = {k: tuple(v["shape"]) for k, v in header.items() if k != "__metadata__"}
    missing, unexpected = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
    wrong = [f"{k}: the model has {expected[k]}, the file {stored[k]}" for k in sorted(set(expected) & set(stored))
             if expected[k] != stored[k]]
    if missing or unexpected or wrong:
        raise ValueError(f"load: checkpoint {file} does not fit its {meta['model']}{tuple(meta['config'].items())}: "
                         f"missing {missing}, unexpected {unexpected}, mis-shaped {wrong}")
    try:
        with safe_open(str(file), framework="np") as f:
            state = {k: f.get_tensor(k) for k in stored}
    except SafetensorError as e:
        raise ValueError(f"load: checkpoint {file} is damaged: {e}") from None
    model.load_state_dict(state)
    return model
