"""Recurrent classifiers: an image read as a sequence of its rows (lecture §XI.2, many-to-one)."""
from __future__ import annotations

from .. import nn

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class RowSequenceClassifier(nn.Module):
    """Reads an (N, 1, rows, cols) image row by row, a sequence of ``rows`` steps of ``cols`` pixels,
    through a recurrent stack (``cell`` 'lstm', 'gru' or 'rnn'), and classifies the last hidden state
    with one linear layer: logits = W h_T + b.

    >>> RowSequenceClassifier()(i2dl.randn(4, 1, 8, 8)).shape
    (4, 10)"""

    def __init__(self, rows=8, cols=8, hidden_size=64, num_layers=1, num_classes=10, cell="lstm"):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"RowSequenceClassifier: argument 'cell' must be one of {sorted(CELLS)}, got {cell!r}")
        self.config = dict(rows=rows, cols=cols, hidden_size=hidden_size, num_layers=num_layers,
                           num_classes=num_classes, cell=cell)
        self.rows, self.cols = rows, cols
        self.rnn = CELLS[cell](cols, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes, nonlinearity="linear")

    def forward(self, x):
        steps = x.reshape(x.shape[0], self.rows, self.cols)  # (N, rows, cols): one row per step
        out, _ = self.rnn(steps)
        return self.head(out[:, -1])
