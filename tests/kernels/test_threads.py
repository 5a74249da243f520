"""Kernels called from several Python threads at once (the GIL is released around them): same
results as alone, no deadlock between OpenMP regions and BLAS, thread settings restored."""
import threading

import numpy as np

import i2dl
from i2dl import _C, kernels


def test_concurrent_kernels_give_the_same_results():
    cpu = kernels.get("cpu")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 16, 20, 20)).astype(np.float32)
    w = rng.standard_normal((32, 16, 3, 3)).astype(np.float32)
    a = rng.standard_normal((300, 400)).astype(np.float32)
    m = rng.standard_normal((200, 400)).astype(np.float32)
    want_conv = cpu.conv2d_forward(x, w, None, padding=(1, 1))
    want_grad = cpu.conv2d_backward(want_conv, x, w, padding=(1, 1), bias=False)
    want_lin = cpu.linear_forward(a, m, None)
    errors = []

    def work(seed):
        try:
            for i in range(6):
                if (seed + i) % 3 == 0:
                    assert np.array_equal(cpu.conv2d_forward(x, w, None, padding=(1, 1)), want_conv)
                elif (seed + i) % 3 == 1:
                    got = cpu.conv2d_backward(want_conv, x, w, padding=(1, 1), bias=False)
                    assert np.allclose(got[0], want_grad[0], rtol=1e-5, atol=1e-4)
                    assert np.allclose(got[1], want_grad[1], rtol=1e-5, atol=1e-3)
                else:
                    assert np.allclose(cpu.linear_forward(a, m, None), want_lin, rtol=1e-5, atol=1e-4)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,), daemon=True) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "kernels deadlocked under concurrent calls"
    assert not errors, errors
    assert _C.blas_num_threads() == i2dl.get_num_threads()


def test_conv_backward_is_reproducible_run_to_run():
    """A seeded training run gives the same numbers twice: the per-thread weight-gradient sums are
    combined in a fixed order."""
    cpu = kernels.get("cpu")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 8, 12, 12)).astype(np.float32)
    w = rng.standard_normal((12, 8, 3, 3)).astype(np.float32)
    dy = rng.standard_normal((16, 12, 10, 10)).astype(np.float32)
    first = cpu.conv2d_backward(dy, x, w)
    for _ in range(5):
        again = cpu.conv2d_backward(dy, x, w)
        for a, b in zip(first, again):
            assert np.array_equal(a, b)


def test_grad_mode_is_per_thread():
    """Four threads train their own models while a fifth evaluates under no_grad(): every step of
    every thread records its graph, and the main thread's grad mode is untouched afterwards."""
    import i2dl.functional as F
    from i2dl import nn, optim

    errors, stop = [], threading.Event()

    def train(seed):
        try:
            rng = np.random.default_rng(seed)
            m = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 4))
            opt = optim.SGD(m.parameters(), lr=0.1)
            x, y = i2dl.Tensor(rng.standard_normal((8, 16)).astype(np.float32)), rng.integers(0, 4, 8)
            for _ in range(100):
                loss = F.cross_entropy(m(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def evaluate():
        model = nn.Linear(16, 4)
        while not stop.is_set():
            with i2dl.no_grad():
                assert not i2dl.is_grad_enabled()
                model(i2dl.randn(2, 16))

    ev = threading.Thread(target=evaluate, daemon=True)
    ev.start()
    threads = [threading.Thread(target=train, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    ev.join(timeout=10)
    assert not errors, errors[0]
    assert i2dl.is_grad_enabled()


def test_no_grad_decorator_nests_and_restores():
    @i2dl.no_grad()
    def inner():
        return i2dl.is_grad_enabled()

    with i2dl.no_grad():
        with i2dl.enable_grad():
            assert i2dl.is_grad_enabled() and not inner() and i2dl.is_grad_enabled()
        assert not i2dl.is_grad_enabled()
    assert i2dl.is_grad_enabled()
    with i2dl.set_grad_enabled(False):
        assert not i2dl.is_grad_enabled()
    assert i2dl.is_grad_enabled()


def test_thread_count_is_process_wide():
    before = i2dl.get_num_threads()
    try:
        i2dl.set_num_threads(1)
        seen = []
        t = threading.Thread(target=lambda: seen.append(i2dl.get_num_threads()))
        t.start()
        t.join()
        assert seen == [1]
        i2dl.set_num_threads(3)
        assert _C.blas_num_threads() == 3
    finally:
        i2dl.set_num_threads(before)


def test_thread_count_independent_of_other_openmp_users():
    """torch shares libgomp with i2dl: its set_num_threads changes OpenMP's count for the calling
    thread, but not i2dl's; an i2dl call leaves OpenMP's count as it found it."""
    torch = __import__("pytest").importorskip("torch")
    before, torch_before = i2dl.get_num_threads(), torch.get_num_threads()
    try:
        i2dl.set_num_threads(2)
        torch.set_num_threads(1)
        assert i2dl.get_num_threads() == 2
        kernels.get("cpu").linear_forward(np.ones((300, 300), np.float32), np.ones((300, 300), np.float32))
        assert torch.get_num_threads() == 1
    finally:
        i2dl.set_num_threads(before)
        torch.set_num_threads(torch_before)


def test_conv_backward_is_bitwise_reproducible():
    """The im2col backward over images cut into bands (5 x 32 x 96 x 96, a 5x5 kernel) at 4 threads:
    two threads adding into the same dx rows once gave 4 bit patterns in 80 calls."""
    cpu = kernels.get("cpu")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 32, 96, 96)).astype(np.float32)
    w = rng.standard_normal((32, 32, 5, 5)).astype(np.float32)
    dy = rng.standard_normal((5, 32, 96, 96)).astype(np.float32)
    before = i2dl.get_num_threads()
    try:
        i2dl.set_num_threads(4)
        first = cpu.conv2d_backward(dy, x, w, padding=(2, 2))
        for _ in range(20):
            again = cpu.conv2d_backward(dy, x, w, padding=(2, 2))
            for a, b in zip(first, again):
                assert a.tobytes() == b.tobytes()
    finally:
        i2dl.set_num_threads(before)
