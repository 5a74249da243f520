"""Progress of a training run: a tqdm bar per epoch on a terminal (batches done, running loss and
accuracy, time spent and left), and one summary line per epoch on stdout, terminal or not (a log
file then holds one line an epoch, not the bar's redraws)."""
from __future__ import annotations

import sys

from tqdm import tqdm


def epoch_bar(total, desc, enabled=True, stream=None):
    """A tqdm bar over ``total`` batches, drawn only where ``stream`` (stderr) is a terminal."""
    stream = stream or sys.stderr
    interactive = enabled and hasattr(stream, "isatty") and stream.isatty()
    return tqdm(total=total, desc=desc, leave=False, file=stream, disable=not interactive, dynamic_ncols=True,
                unit="batch")


def format_metrics(row) -> str:
    parts = []
    for k, v in row.items():
        if k == "epoch":
            continue
        if k == "seconds":
            parts.append(f"{v:.1f}s")
        elif k == "lr":
            parts.append(f"lr {v:.3g}")
        else:
            parts.append(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}")
    return " ".join(parts)
