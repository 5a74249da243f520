"""A run's history — one row of metrics per epoch — as JSON and CSV, and its learning curves (loss
and accuracy, train against validation) as a PNG. matplotlib is an optional extra
(``pip install "i2dl[plot]"``); the files are written atomically, like checkpoints."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from ..models.checkpoint import write_atomically


def write_history(history, stem) -> tuple:
    """Writes ``<stem>.history.json`` and ``<stem>.history.csv``; returns both paths."""
    stem = Path(stem)
    jpath, cpath = stem.with_name(stem.name + ".history.json"), stem.with_name(stem.name + ".history.csv")
    write_atomically(jpath, json.dumps(history, indent=1).encode())
    keys = list(dict.fromkeys(k for row in history for k in row))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
    w.writeheader()
    w.writerows(history)
    write_atomically(cpath, buf.getvalue().encode())
    return jpath, cpath


def plot_history(history, path, title=None):
    """Draws loss and accuracy per epoch, train and validation, side by side, into the PNG ``path``."""
    path = Path(path)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        global _warned
        if not _warned:
            print("plot: matplotlib is not installed, drawing unlabelled curves (pip install 'i2dl[plot]' for axes "
                  "and labels)")
            _warned = True
        write_atomically(path, plain_chart_png(history))
        return path
    epochs = [row["epoch"] for row in history]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric, label in ((axes[0], "loss", "loss"), (axes[1], "acc", "accuracy")):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if history and key in history[0]:
                ax.plot(epochs, [row[key] for row in history], style, marker="o", markersize=3,
                        label="train" if key == metric else "validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    write_atomically(path, buf.getvalue())
    return path


_warned = False
# train solid, validation lighter; loss panel blue, accuracy panel orange (matplotlib's first two colours)
_COLOURS = {("loss", False): (31, 119, 180), ("loss", True): (140, 190, 225), ("acc", False): (255, 127, 14),
            ("acc", True): (255, 190, 130)}


def plain_chart_png(history, width=800, height=320) -> bytes:
    """The two panels of ``plot_history`` as PNG bytes without matplotlib: each curve scaled to its
    panel (min to max of the panel's values), drawn as line segments on a white raster with a light
    grid; validation curves in a lighter shade."""
    img = np.full((height, width, 3), 255, np.uint8)
    pad, panel_w = 20, width // 2
    for p, metric in enumerate(("loss", "acc")):
        x0, x1, y0, y1 = p * panel_w + pad, (p + 1) * panel_w - pad, pad, height - pad
        img[y0:y1, [x0, x1 - 1]] = 200                       # frame and grid
        img[[y0, y1 - 1], x0:x1] = 200
        for g in np.linspace(y0, y1 - 1, 6)[1:-1].astype(int):
            img[g, x0:x1] = 235
        series = [(k, [row[k] for row in history]) for k in (metric, f"val_{metric}") if history and k in history[0]]
        values = [v for _, vs in series for v in vs if np.isfinite(v)]
        if not values:
            continue
        lo, hi = min(values), max(values)
        hi = hi if hi > lo else lo + 1.0
        n = max(len(history) - 1, 1)
        for key, vs in series:
            colour = _COLOURS[(metric, key.startswith("val_"))]
            pts = [(x0 + (x1 - 1 - x0) * i / n, y1 - 1 - (y1 - 1 - y0) * (v - lo) / (hi - lo)) for i, v in enumerate(vs)]
            if len(pts) == 1:
                pts = pts * 2
            for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:]):
                steps = int(max(abs(bx - ax), abs(by - ay))) + 1
                xs = np.rint(np.linspace(ax, bx, steps)).astype(int)
                ys = np.rint(np.linspace(ay, by, steps)).astype(int)
                for dy in (-1, 0, 1):                        # 3 pixels thick
                    img[np.clip(ys + dy, 0, height - 1), xs] = colour
    return _png(img)


def _png(img) -> bytes:
    """An RGB uint8 (H, W, 3) image as PNG bytes: the signature, IHDR, one zlib-compressed IDAT of
    rows each led by filter byte 0, IEND (each chunk with its CRC-32)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    h, w, _ = img.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, w * 3)], axis=1).tobytes()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
