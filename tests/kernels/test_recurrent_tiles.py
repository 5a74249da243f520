"""The whole-sequence recurrent backward's input gradient dx = dg w_ih over all steps on the register
tiles (w_ih packed, the threads splitting dx's rows): LSTM, GRU and RNN against the reference, both
dtypes, one and two threads (the largest shape splits its rows over both), with a panel tail (I = 40),
rows that split unevenly (T N odd), the reverse direction, and the narrow inputs that stay on the
BLAS (I = 8)."""
import numpy as np
import pytest

from i2dl import kernels

SHAPES = [(7, 11, 40, 24), (5, 16, 64, 32), (9, 8, 8, 16), (3, 33, 33, 20), (6, 50, 70, 64)]  # (T, N, I, H)


def _inputs(kind, shape, dtype):
    T, N, I, H = shape
    G = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    rng = np.random.default_rng(4)
    x = rng.standard_normal((T, N, I)).astype(dtype)
    h0 = rng.standard_normal((N, H)).astype(dtype)
    w_ih = (rng.standard_normal((G * H, I)) / np.sqrt(I)).astype(dtype)
    w_hh = (rng.standard_normal((G * H, H)) / np.sqrt(H)).astype(dtype)
    b_ih, b_hh = (rng.standard_normal(G * H).astype(dtype) for _ in range(2))
    dy = rng.standard_normal((T, N, H)).astype(dtype)
    return x, h0, w_ih, w_hh, b_ih, b_hh, dy


def _run(k, kind, args, reverse):
    x, h0, w_ih, w_hh, b_ih, b_hh, dy = args
    if kind == "lstm":
        c0 = np.ones_like(h0) * 0.5
        y, _, _, gates, cs = k.lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
        return k.lstm_backward(dy, None, None, x, h0, c0, w_ih, w_hh, y, gates, cs, reverse=reverse)
    if kind == "gru":
        y, _, gates = k.gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
        return k.gru_backward(dy, None, x, h0, w_ih, w_hh, y, gates, reverse=reverse)
    y, _ = k.rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
    return k.rnn_backward(dy, None, x, h0, w_ih, w_hh, y, reverse=reverse)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("threads", [1, 2])
def test_backward_matches_reference(dtype, kind, shape, threads, with_threads):
    args = _inputs(kind, shape, dtype)
    reverse = shape[0] % 2 == 1
    got = with_threads(threads, lambda: _run(kernels.get("cpu"), kind, args, reverse))
    ref = _run(kernels.get("reference"), kind, tuple(a.astype(np.float64) for a in args), reverse)
    tol = 2e-4 if dtype == np.float32 else 1e-11
    assert got[0].shape == args[0].shape
    for i, (g, r) in enumerate(zip(got, ref)):
        if r is None:
            assert g is None, i
            continue
        assert g.dtype == dtype, i
        np.testing.assert_allclose(g, r, rtol=tol, atol=tol * np.sqrt(shape[0] * shape[1]), err_msg=f"output {i}")
