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
    _close(ix.grad, tx.grad.numpy())
    if with_hx:
        for a, b in zip(ihs, ths):
            _close(a.grad, b.grad.numpy())
    tp = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        _close(p.grad, tp[n].grad.numpy())


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
    _close(ix.grad, tx.grad.numpy())
    if with_hx:
        for a, b in zip(ihs, ths):
            _close(a.grad, b.grad.numpy())
    tp = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        _close(p.grad, tp[n].grad.numpy())


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
