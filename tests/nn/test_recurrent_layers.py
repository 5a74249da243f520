"""nn.LSTM / GRU / RNN and their cells against torch.nn 2.13 (weights moved by state_dict): outputs,
final states and every gradient; packed sequences of different lengths; gradient clipping; bad input."""
import numpy as np
import pytest

import i2dl
import i2dl.nn as nn

torch = pytest.importorskip("torch")


def _move(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy().astype(np.float64) for k, v in theirs.state_dict().items()})


def _t(a, grad=True):
    return torch.from_numpy(np.array(a)).requires_grad_(grad)


def _close(a, b, tol=1e-9):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _close_grads(ix, tx, ihs, ths, ours, theirs):
    """The input's, the initial states' and every parameter's gradient, ours against torch's."""
    _close(ix.grad, tx.grad.numpy())
    for a, b in zip(ihs, ths):
        _close(a.grad, b.grad.numpy())
    tp = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        _close(p.grad, tp[n].grad.numpy())


CONFIGS = [dict(), dict(num_layers=2), dict(bidirectional=True), dict(num_layers=2, bidirectional=True),
           dict(batch_first=True), dict(bias=False), dict(num_layers=3, bidirectional=True, batch_first=True)]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN", "RNN-relu"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(c) for c in CONFIGS])
@pytest.mark.parametrize("with_hx", [False, True])
def test_layers_match_torch(kind, cfg, with_hx):
    rng = np.random.default_rng(0)
    extra = {"nonlinearity": "relu"} if kind == "RNN-relu" else {}
    name = kind.split("-")[0]
    theirs = getattr(torch.nn, name)(5, 7, **cfg, **extra).double()
    ours = getattr(nn, name)(5, 7, **cfg, **extra, dtype=np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _move(ours, theirs)
    T, N = 6, 3
    D = 2 if cfg.get("bidirectional") else 1
    L = cfg.get("num_layers", 1)
    x = rng.standard_normal((N, T, 5) if cfg.get("batch_first") else (T, N, 5))
    hs = [rng.standard_normal((L * D, N, 7)) for _ in range(2 if name == "LSTM" else 1)]
    tx, ix = _t(x), i2dl.tensor(x, requires_grad=True)
    ths, ihs = [_t(h) for h in hs], [i2dl.tensor(h, requires_grad=True) for h in hs]
    thx = (tuple(ths) if name == "LSTM" else ths[0]) if with_hx else None
    ihx = (tuple(ihs) if name == "LSTM" else ihs[0]) if with_hx else None
    ty, tstate = theirs(tx, thx)
    iy, istate = ours(ix, ihx)
    tstates = list(tstate) if name == "LSTM" else [tstate]
    istates = list(istate) if name == "LSTM" else [istate]
    _close(iy.data, ty.detach().numpy())
    for a, b in zip(istates, tstates):
        _close(a.data, b.detach().numpy())
    dy = rng.standard_normal(ty.shape)
    dhs = [rng.standard_normal(h.shape) for h in tstates]
    (ty * torch.from_numpy(dy)).sum().add(sum((h * torch.from_numpy(d)).sum() for h, d in zip(tstates, dhs))).backward()
    loss = (iy * i2dl.tensor(dy)).sum()
    for h, d in zip(istates, dhs):
        loss = loss + (h * i2dl.tensor(d)).sum()
    loss.backward()
    _close_grads(ix, tx, ihs if with_hx else [], ths if with_hx else [], ours, theirs)


def test_only_h_n_used_and_float32():
    theirs, ours = torch.nn.LSTM(4, 6), nn.LSTM(4, 6)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((5, 2, 4)).astype(np.float32)
    tx, ix = _t(x), i2dl.tensor(x, requires_grad=True)
    theirs(tx)[1][1].sum().backward()     # the loss reads c_n alone
    ours(ix)[1][1].sum().backward()
    assert ix.grad.dtype == np.float32
    _close(ix.grad, tx.grad.numpy(), 1e-5)


def test_unbatched_input():
    theirs, ours = torch.nn.GRU(3, 4).double(), nn.GRU(3, 4, dtype=np.float64)
    _move(ours, theirs)
    x = np.random.default_rng(2).standard_normal((5, 3))
    ty, th = theirs(torch.from_numpy(x))
    iy, ih = ours(i2dl.tensor(x))
    assert iy.shape == (5, 4) and ih.shape == (1, 4)
    _close(iy.data, ty.detach().numpy())
    _close(ih.data, th.detach().numpy())


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
@pytest.mark.parametrize("with_hx", [False, True])
def test_cells_match_torch(kind, with_hx):
    rng = np.random.default_rng(3)
    theirs, ours = getattr(torch.nn, kind)(5, 8).double(), getattr(nn, kind)(5, 8, dtype=np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _move(ours, theirs)
    x = rng.standard_normal((4, 5))
    hs = [rng.standard_normal((4, 8)) for _ in range(2 if kind == "LSTMCell" else 1)]
    tx, ix = _t(x), i2dl.tensor(x, requires_grad=True)
    ths, ihs = [_t(h) for h in hs], [i2dl.tensor(h, requires_grad=True) for h in hs]
    wrap = (lambda l: tuple(l)) if kind == "LSTMCell" else (lambda l: l[0])
    tout = theirs(tx, wrap(ths) if with_hx else None)
    iout = ours(ix, wrap(ihs) if with_hx else None)
    touts = list(tout) if kind == "LSTMCell" else [tout]
    iouts = list(iout) if kind == "LSTMCell" else [iout]
    ds = [rng.standard_normal(o.shape) for o in touts]
    sum((o * torch.from_numpy(d)).sum() for o, d in zip(touts, ds)).backward()
    loss = None
    for o, d in zip(iouts, ds):
        term = (o * i2dl.tensor(d)).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    for a, b in zip(iouts, touts):
        _close(a.data, b.detach().numpy())
    _close_grads(ix, tx, ihs if with_hx else [], ths if with_hx else [], ours, theirs)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_match_torch(kind, enforce_sorted):
    from torch.nn.utils import rnn as trnn
    rng = np.random.default_rng(4)
    theirs = getattr(torch.nn, kind)(3, 5, num_layers=2, bidirectional=True).double()
    ours = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True, dtype=np.float64)
    _move(ours, theirs)
    lengths = [6, 6, 4, 1] if enforce_sorted else [4, 6, 1, 6]
    x = rng.standard_normal((6, 4, 3))
    tx, ix = _t(x), i2dl.tensor(x, requires_grad=True)
    tp = trnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    ip = nn.utils.rnn.pack_padded_sequence(ix, lengths, enforce_sorted=enforce_sorted)
    _close(ip.data.data, tp.data.detach().numpy())
    assert ip.batch_sizes.tolist() == tp.batch_sizes.tolist()
    tout, tstate = theirs(tp)
    iout, istate = ours(ip)
    ty, tl = trnn.pad_packed_sequence(tout)
    iy, il = nn.utils.rnn.pad_packed_sequence(iout)
    assert il.tolist() == tl.tolist()
    _close(iy.data, ty.detach().numpy())
    tstates = list(tstate) if kind == "LSTM" else [tstate]
    istates = list(istate) if kind == "LSTM" else [istate]
    for a, b in zip(istates, tstates):
        _close(a.data, b.detach().numpy())
    dy = rng.standard_normal(ty.shape)
    ((ty * torch.from_numpy(dy)).sum() + tstates[0].sum()).backward()
    ((iy * i2dl.tensor(dy)).sum() + istates[0].sum()).backward()
    _close(ix.grad, tx.grad.numpy())
    tparams = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        _close(p.grad, tparams[n].grad.numpy())


def test_clip_grad_norm_matches_torch():
    rng = np.random.default_rng(5)
    gs = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (7,), (2, 2, 2)]]
    for norm_type, max_norm in ((2.0, 1.0), (1.0, 0.5), (float("inf"), 0.3), (2.0, 100.0)):
        ps = [nn.Parameter(np.zeros_like(g)) for g in gs]
        tps = [torch.nn.Parameter(torch.zeros(g.shape)) for g in gs]
        for p, tp, g in zip(ps, tps, gs):
            p.grad, tp.grad = g.copy(), torch.from_numpy(g.copy())
        total = nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        ttotal = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type)
        assert abs(total.item() - ttotal.item()) <= 1e-5 * ttotal.item()
        for p, tp in zip(ps, tps):
            _close(p.grad, tp.grad.numpy(), 1e-6)
    p = nn.Parameter(np.zeros(3, np.float32))
    p.grad = np.array([1.0, np.inf, 0.0], np.float32)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    g = np.random.default_rng(6).standard_normal(10).astype(np.float32)
    p, tp = nn.Parameter(np.zeros(10, np.float32)), torch.nn.Parameter(torch.zeros(10))
    p.grad, tp.grad = g.copy(), torch.from_numpy(g.copy())
    nn.utils.clip_grad_value_([p], 0.4)
    torch.nn.utils.clip_grad_value_([tp], 0.4)
    _close(p.grad, tp.grad.numpy(), 0)


def test_initialisation_is_uniform_within_one_over_sqrt_hidden():
    m = nn.LSTM(10, 64, num_layers=2)
    for name, p in m.named_parameters():
        assert np.abs(p.data).max() <= 1 / 8 + 1e-7, name
        assert np.abs(p.data).max() > 0.1, name


def test_bad_input_names_the_argument():
    m = nn.LSTM(4, 6, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: argument 'input' must have input_size = 4 features"):
        m(i2dl.randn(5, 2, 3))
    with pytest.raises(ValueError, match=r"LSTM: argument 'h_0' must have shape \(2, 2, 6\), got \(1, 2, 6\)"):
        m(i2dl.randn(5, 2, 4), (i2dl.randn(1, 2, 6), i2dl.randn(2, 2, 6)))
    with pytest.raises(TypeError, match=r"LSTM: argument 'hx' must be a tuple \(h_0, c_0\)"):
        m(i2dl.randn(5, 2, 4), i2dl.randn(2, 2, 6))
    with pytest.raises(ValueError, match=r"GRU: argument 'hx' must have shape \(1, 2, 6\), got \(1, 3, 6\)"):
        nn.GRU(4, 6)(i2dl.randn(5, 2, 4), i2dl.randn(1, 3, 6))
    with pytest.raises(ValueError, match=r"RNN: argument 'nonlinearity' must be 'tanh' or 'relu', got 'gelu'"):
        nn.RNN(4, 6, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"LSTM: argument 'hidden_size' must be >= 1, got 0"):
        nn.LSTM(4, 0)
    with pytest.raises(ValueError, match=r"LSTMCell: argument 'input' must be \(N, 4\) or \(4,\)"):
        nn.LSTMCell(4, 6)(i2dl.randn(2, 5))
    with pytest.raises(ValueError, match=r"pack_padded_sequence: argument 'lengths' must be sorted"):
        nn.utils.rnn.pack_padded_sequence(i2dl.randn(4, 2, 3), [2, 4])
    with pytest.raises(ValueError, match=r"argument 'lengths' must lie in \[1, 4\]"):
        nn.utils.rnn.pack_padded_sequence(i2dl.randn(4, 2, 3), [5, 1])


def _torch_conv_lstm(x, h, c, w, b, pad):
    z = torch.nn.functional.conv2d(torch.cat([x, h], 1), w, b, padding=pad)
    i, f, g, o = z.chunk(4, 1)
    c1 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c1), c1


@pytest.mark.parametrize("with_hx", [False, True])
def test_conv_lstm_cell_matches_torch_ops(with_hx):
    rng = np.random.default_rng(7)
    cell = nn.ConvLSTMCell(3, 4, 3, dtype=np.float64)
    x = rng.standard_normal((2, 3, 6, 5))
    h, c = (rng.standard_normal((2, 4, 6, 5)) for _ in range(2))
    tx, th, tc = _t(x), _t(h if with_hx else np.zeros_like(h)), _t(c if with_hx else np.zeros_like(c))
    tw, tb = _t(cell.weight.data), _t(cell.bias.data)
    ix, ih, ic = (i2dl.tensor(a, requires_grad=True) for a in (x, h, c))
    th1, tc1 = _torch_conv_lstm(tx, th, tc, tw, tb, 1)
    ih1, ic1 = cell(ix, (ih, ic) if with_hx else None)
    _close(ih1.data, th1.detach().numpy())
    _close(ic1.data, tc1.detach().numpy())
    d1, d2 = rng.standard_normal(th1.shape), rng.standard_normal(tc1.shape)
    ((th1 * torch.from_numpy(d1)).sum() + (tc1 * torch.from_numpy(d2)).sum()).backward()
    ((ih1 * i2dl.tensor(d1)).sum() + (ic1 * i2dl.tensor(d2)).sum()).backward()
    _close(ix.grad, tx.grad.numpy())
    _close(cell.weight.grad, tw.grad.numpy())
    _close(cell.bias.grad, tb.grad.numpy())
    if with_hx:
        _close(ih.grad, th.grad.numpy())
        _close(ic.grad, tc.grad.numpy())


def test_conv_lstm_stack_runs_cell_by_cell():
    rng = np.random.default_rng(8)
    m = nn.ConvLSTM(1, 3, 3, num_layers=2, batch_first=True, dtype=np.float64)
    v = rng.standard_normal((2, 4, 1, 5, 5))
    out, (h_n, c_n) = m(i2dl.tensor(v))
    assert out.shape == (2, 4, 3, 5, 5) and h_n.shape == c_n.shape == (2, 2, 3, 5, 5)
    frames = [i2dl.tensor(v[:, t]) for t in range(4)]
    for layer, cell in enumerate(m.cells):
        state, outs = None, []
        for f in frames:
            state = cell(f, state)
            outs.append(state[0])
        frames = outs
        _close(h_n.data[layer], state[0].data)
        _close(c_n.data[layer], state[1].data)
    _close(out.data[:, -1], frames[-1].data)
    assert list(m.state_dict()) == ["cells.0.weight", "cells.0.bias", "cells.1.weight", "cells.1.bias"]
    with pytest.raises(ValueError, match=r"ConvLSTMCell: argument 'kernel_size' must be an odd int"):
        nn.ConvLSTMCell(1, 2, 2)
    with pytest.raises(ValueError, match=r"ConvLSTM: argument 'input' must be 5-D"):
        m(i2dl.randn(2, 1, 5, 5))


def _moving_squares(rng, n, T=8, S=12, k=3):
    """n videos of T frames (S x S): a k x k square moving one pixel a frame diagonally, bouncing off the edges."""
    v = np.zeros((T, n, 1, S, S), np.float32)
    pos, vel = rng.integers(0, S - k, (n, 2)), rng.choice([-1, 1], (n, 2))
    for t in range(T):
        for i in range(n):
            v[t, i, 0, pos[i, 0]:pos[i, 0] + k, pos[i, 1]:pos[i, 1] + k] = 1
        pos = pos + vel
        for d in range(2):
            out = (pos[:, d] < 0) | (pos[:, d] > S - k)
            vel[out, d] *= -1
            pos[out, d] = np.clip(pos[out, d], 0, S - k)
    return v


def test_conv_lstm_learns_to_predict_the_next_frame_of_moving_squares():
    import i2dl.functional as F

    class NextFrame(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.head = nn.ConvLSTM(1, 8, 3), nn.Conv2d(8, 1, 1)

        def forward(self, v):
            out, _ = self.rnn(v)
            T, N = out.shape[:2]
            return self.head(out.reshape(T * N, *out.shape[2:])).reshape(T, N, 1, *out.shape[3:])

    i2dl.manual_seed(0)
    rng = np.random.default_rng(0)
    model = NextFrame()
    opt = i2dl.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(120):
        v = i2dl.tensor(_moving_squares(rng, 16))
        loss = F.mse_loss(model(v[:-1]), v[1:])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    test = _moving_squares(np.random.default_rng(1), 32)
    with i2dl.no_grad():
        pred = model(i2dl.tensor(test[:-1])).numpy()
    # from the third frame on (the direction is visible), against repeating the last frame
    ours, repeat = ((pred[2:] - test[3:]) ** 2).mean(), ((test[2:-1] - test[3:]) ** 2).mean()
    assert ours < 0.3 * repeat, (ours, repeat)
