"""Sequences of different lengths in one batch, as PyTorch's ``torch.nn.utils.rnn``:
:func:`pack_padded_sequence` packs a padded batch into a :class:`PackedSequence` (the rows active
at each step, longest sequences first), which :class:`~i2dl.nn.LSTM`, :class:`~i2dl.nn.GRU` and
:class:`~i2dl.nn.RNN` take in place of a padded tensor; :func:`pad_packed_sequence` pads it back.

A layer given a PackedSequence runs each sequence over its own length only: its output is zero
beyond it, h_n (and c_n) is the state after its last step, and the reverse direction starts from
its last step. The batch is run in groups of equal length (one pass of the layers per distinct
length), so a batch of few distinct lengths (bucketed data) costs about what a padded batch does.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...ops import Concatenate, xp_of
from ...tensor import Tensor


class PackedSequence(NamedTuple):
    """data (sum of lengths, *): step 0 of every sequence, then step 1 of those longer than 1, ...,
    sequences in order of decreasing length; batch_sizes (T,) int64: the rows of each step;
    sorted_indices / unsorted_indices: the batch order of the packing and its inverse (None when the
    batch was already sorted)."""
    data: Tensor
    batch_sizes: np.ndarray
    sorted_indices: object = None
    unsorted_indices: object = None


def _lengths(fn, lengths, N, T):
    if isinstance(lengths, Tensor):
        lengths = lengths.numpy()
    arr = np.asarray(lengths)
    if arr.ndim != 1 or arr.dtype.kind not in "iu" or arr.shape[0] != N:
        raise ValueError(f"{fn}: argument 'lengths' must be {N} integers (one per sequence of the batch), got "
                         f"{lengths!r}")
    if N and (arr.min() < 1 or arr.max() > T):
        raise ValueError(f"{fn}: argument 'lengths' must lie in [1, {T}] (the padded length), got {arr.tolist()}")
    return arr.astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """input (T, N, *) padded ((N, T, *) with ``batch_first``), lengths (N,) -> PackedSequence.
    ``enforce_sorted``: the lengths must be non-increasing; else the batch is sorted (and unsorted
    again by :func:`pad_packed_sequence` and by the layers' h_n).

    >>> p = nn.utils.rnn.pack_padded_sequence(i2dl.randn(4, 2, 3), [4, 2])
    >>> p.data.shape, p.batch_sizes.tolist()
    ((6, 3), [2, 2, 1, 1])"""
    fn = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: argument 'input' must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{fn}: argument 'input' must be at least 2-D, got shape {tuple(input.shape)}")
    x = input.transpose(0, 1) if batch_first else input
    T, N = int(x.shape[0]), int(x.shape[1])
    lens = _lengths(fn, lengths, N, T)
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise ValueError(f"{fn}: argument 'lengths' must be sorted in decreasing order when enforce_sorted is "
                             f"True, got {lens.tolist()}")
        order, inverse = None, None
    else:
        order = np.argsort(-lens, kind="stable")
        inverse = np.argsort(order)
        lens = lens[order]
        x = x[:, order]
    batch_sizes = np.array([(lens > t).sum() for t in range(int(lens.max()) if N else 0)], dtype=np.int64)
    data = Concatenate.apply(*[x[t, :int(b)] for t, b in enumerate(batch_sizes)], axis=0)
    return PackedSequence(data, batch_sizes, order, inverse)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """PackedSequence -> (padded (T, N, *) or (N, T, *), lengths (N,) int64), in the batch's original order.

    >>> p = nn.utils.rnn.pack_padded_sequence(i2dl.ones(3, 2, 1), [3, 1])
    >>> y, lengths = nn.utils.rnn.pad_packed_sequence(p)
    >>> y.sum().item(), lengths.tolist()
    (4.0, [3, 1])"""
    fn = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{fn}: argument 'sequence' must be a PackedSequence, got {type(sequence).__name__}")
    data, bs = sequence.data, np.asarray(sequence.batch_sizes)
    T = len(bs)
    N = int(bs[0]) if T else 0
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"{fn}: argument 'total_length' must be at least the longest sequence ({T}), got "
                             f"{total_length}")
    steps, at = [], 0
    xp = xp_of(data.data)
    feat = tuple(data.shape[1:])
    for b in bs:
        b = int(b)
        rows = data[at:at + b]
        at += b
        if b < N:
            pad = Tensor(xp.full((N - b,) + feat, padding_value, dtype=data.dtype))
            rows = Concatenate.apply(rows, pad, axis=0)
        steps.append(rows.reshape((1, N) + feat))
    T_out = T if total_length is None else int(total_length)
    if T_out > T:
        steps.append(Tensor(xp.full((T_out - T, N) + feat, padding_value, dtype=data.dtype)))
    padded = Concatenate.apply(*steps, axis=0) if steps else Tensor(xp.zeros((T_out, 0) + feat, dtype=data.dtype))
    lengths = np.array([(bs > i).sum() for i in range(N)], dtype=np.int64)
    if sequence.unsorted_indices is not None:
        padded = padded[:, sequence.unsorted_indices]
        lengths = lengths[sequence.unsorted_indices]
    if batch_first:
        padded = padded.transpose(0, 1).contiguous()
    return padded, lengths


def run_packed(module, packed, hx):
    """A recurrent layer over a PackedSequence: one pass of ``module``'s stack per group of equal length
    -> (packed output, [final states (L D, N, H) in the batch's original order])."""
    padded, lengths = pad_packed_sequence(packed)           # (T, N, I), original order
    T = int(padded.shape[0])
    x, states, _ = module._prepare(padded, hx, module.n_states)
    layer = module._layer_fn()
    xp = xp_of(padded.data)
    outs, finals, order = [], [[] for _ in states], []
    for L in sorted(set(lengths.tolist()), reverse=True):
        idx = np.nonzero(lengths == L)[0]
        group_states = [None if s is None else s[:, idx] for s in states]
        y, last = module._run(layer, x[:L, idx], group_states)
        if L < T:
            y = Concatenate.apply(y, Tensor(xp.zeros((T - L,) + tuple(y.shape[1:]), dtype=y.dtype)), axis=0)
        outs.append(y)
        for f, h in zip(finals, last):
            f.append(h)
        order.append(idx)
    inverse = np.argsort(np.concatenate(order))
    y = Concatenate.apply(*outs, axis=1)[:, inverse]
    finals = [Concatenate.apply(*f, axis=1)[:, inverse] for f in finals]
    out = pack_padded_sequence(y, lengths, enforce_sorted=False)
    # the output keeps the input's packing order (equal lengths keep their order in both sorts)
    return PackedSequence(out.data, out.batch_sizes, packed.sorted_indices, packed.unsorted_indices), finals
