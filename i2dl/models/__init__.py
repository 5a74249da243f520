"""``i2dl.models``: the lecture's networks, built from ``i2dl.nn``; saving and loading them as
``.npz`` (weights) + ``.json`` (class and constructor config) — no pickle."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .lenet import DigitsCNN, LeNet5
from .mlp import MLP

MODELS = {"LeNet5": LeNet5, "DigitsCNN": DigitsCNN, "MLP": MLP}


def save(model, path, **extra):
    """Writes ``path.npz`` (state_dict) and ``path.json`` (model class, config, and ``extra``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    name = type(model).__name__
    if name not in MODELS:
        raise ValueError(f"save: {name} is not a registered model ({sorted(MODELS)})")
    np.savez(path.with_suffix(".npz"), **model.state_dict())
    meta = dict(model=name, config=model.config, **extra)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2))
    return path.with_suffix(".npz"), path.with_suffix(".json")


def load(path):
    """Rebuilds the model from ``path.json`` and loads ``path.npz`` into it (strictly)."""
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    if meta.get("model") not in MODELS:
        raise ValueError(f"load: unknown model {meta.get('model')!r} in {path.with_suffix('.json')}")
    model = MODELS[meta["model"]](**meta["config"])
    with np.load(path.with_suffix(".npz"), allow_pickle=False) as z:
        model.load_state_dict({k: z[k] for k in z.files})
    return model
