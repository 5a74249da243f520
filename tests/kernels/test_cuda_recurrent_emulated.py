"""The cuda backend's recurrent adapters (i2dl/kernels/cuda.py: the steps, the cuBLAS GEMMs, the
reverse order, the GRU's split of w_hh, the saved state) run here without a GPU: CuPy is replaced
by NumPy and the CUDA step kernels by a NumPy transcription of csrc/cuda/recurrent.cu that reads
and writes through the same pointers. Every recurrent registry row is then cross-checked against
the reference, so a slip in the Python around the kernels shows on any machine; the kernels
themselves are cross-checked on a GPU (bench/gpu_check.sh)."""
import ctypes

import numpy as np
import pytest

from i2dl.kernels import cuda
from i2dl.kernels.registry import REGISTRY, TOLERANCE, cross_check

from conftest import emulate_cuda

ROWS = [s for s in REGISTRY if s.name in ("lstm", "gru", "rnn", "lstm_cell", "gru_cell", "rnn_cell", "lstm_gates")]


def _view(dtype, ptr, n):
    ct = ctypes.c_float if dtype == "float32" else ctypes.c_double
    return np.ctypeslib.as_array((ct * n).from_address(ptr)) if ptr and n else np.zeros(n, dtype)


def _sig(v):
    return 1 / (1 + np.exp(-v))


class _Device:
    """recurrent_step_forward / _backward as csrc/cuda/recurrent.cu computes them, one row per (n, unit)."""

    def recurrent_step_forward(self, dtype, kind, N, H, gates, b_ih, b_hh, h_prev, c_prev, h, c, stream):
        v = lambda p, n: _view(dtype, p, n)  # noqa: E731
        if kind == 0:
            g = v(gates, N * 4 * H).reshape(N, 4, H)
            z = g + (v(b_ih, 4 * H).reshape(4, H) if b_ih else 0)
            i, f, gg, o = _sig(z[:, 0]), _sig(z[:, 1]), np.tanh(z[:, 2]), _sig(z[:, 3])
            cn = f * v(c_prev, N * H).reshape(N, H) + i * gg if c_prev else i * gg
            g[:, 0], g[:, 1], g[:, 2], g[:, 3] = i, f, gg, o
            v(c, N * H)[:] = cn.reshape(-1)
            v(h, N * H)[:] = (o * np.tanh(cn)).reshape(-1)
        elif kind == 1:
            g = v(gates, N * 4 * H).reshape(N, 4, H)
            bi = v(b_ih, 3 * H).reshape(3, H) if b_ih else np.zeros((3, H))
            bh = v(b_hh, 3 * H).reshape(3, H) if b_hh else np.zeros((3, H))
            r, z = _sig(g[:, 0] + bi[0] + bh[0]), _sig(g[:, 1] + bi[1] + bh[1])
            hn = (g[:, 3] if h_prev else 0) + bh[2]
            n = np.tanh(g[:, 2] + bi[2] + r * hn)
            g[:, 0], g[:, 1], g[:, 2], g[:, 3] = r, z, n, hn
            hp = v(h_prev, N * H).reshape(N, H) if h_prev else 0
            v(h, N * H)[:] = ((1 - z) * n + z * hp).reshape(-1)
        else:
            y = v(h, N * H).reshape(N, H)
            pre = y + (v(b_ih, H) if b_ih else 0)
            y[...] = np.where(pre < 0, 0, pre) if kind == 3 else np.tanh(pre)

    def recurrent_step_backward(self, dtype, kind, N, H, dh, dc, gates, h_prev, c_prev, c, h, dgates, direct, stream):
        v = lambda p, n: _view(dtype, p, n)  # noqa: E731
        d = v(dh, N * H).reshape(N, H).copy()
        if kind == 0:
            g = v(gates, N * 4 * H).reshape(N, 4, H)
            i, f, gg, o = g[:, 0], g[:, 1], g[:, 2], g[:, 3]
            tc = np.tanh(v(c, N * H).reshape(N, H))
            dcv = v(dc, N * H).reshape(N, H)
            dcu = dcv + d * o * (1 - tc * tc)
            out = v(dgates, N * 4 * H).reshape(N, 4, H)
            out[:, 0] = dcu * gg * i * (1 - i)
            out[:, 1] = dcu * v(c_prev, N * H).reshape(N, H) * f * (1 - f) if c_prev else 0
            out[:, 2] = dcu * i * (1 - gg * gg)
            out[:, 3] = d * tc * o * (1 - o)
            dcv[...] = dcu * f
        elif kind == 1:
            g = v(gates, N * 4 * H).reshape(N, 4, H)
            r, z, n, hn = g[:, 0], g[:, 1], g[:, 2], g[:, 3]
            hp = v(h_prev, N * H).reshape(N, H) if h_prev else 0
            dn = d * (1 - z) * (1 - n * n)
            out = v(dgates, N * 4 * H).reshape(N, 4, H)
            out[:, 0], out[:, 1], out[:, 2], out[:, 3] = dn * hn * r * (1 - r), d * (hp - n) * z * (1 - z), dn, dn * r
            v(direct, N * H)[:] = (d * z).reshape(-1)
        else:
            y = v(h, N * H).reshape(N, H)
            v(dgates, N * H)[:] = (d * ((y > 0) if kind == 3 else (1 - y * y))).reshape(-1)


@pytest.fixture
def emulated(monkeypatch):
    device = _Device()
    emulate_cuda(monkeypatch, device)
    return cuda


@pytest.mark.parametrize("spec", ROWS, ids=[s.name for s in ROWS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_recurrent_adapters_match_the_reference(emulated, spec, dtype):
    rng = np.random.default_rng(0)
    for sample in spec.samples(np.random.default_rng(0)):
        errors = cross_check(spec, emulated, sample, dtype, rng)
        bad = {k: e for k, e in errors.items() if not e <= TOLERANCE[np.dtype(dtype)]}
        assert not bad, f"{spec.name} [{sample.desc}]: {bad}"
