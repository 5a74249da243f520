"""A dependency-free progress bar: redrawn in place on a terminal, one line per epoch otherwise."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total, desc="", width=24, stream=None):
        self.total, self.desc, self.width = total, desc, width
        self.stream = stream or sys.stdout
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self.count = 0

    def update(self, n=1, **metrics):
        self.count += n
        if self.interactive:
            self.stream.write("\r" + self._line(metrics))
            self.stream.flush()

    def close(self, **metrics):
        self.stream.write(("\r" if self.interactive else "") + self._line(metrics) + "\n")
        self.stream.flush()

    def _line(self, metrics):
        done = int(self.width * self.count / max(self.total, 1))
        bar = "#" * done + "." * (self.width - done)
        text = " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items())
        return f"{self.desc} [{bar}] {self.count}/{self.total} {time.perf_counter() - self.start:5.1f}s {text}"
