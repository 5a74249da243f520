"""The full-batch methods of i2dl.optim: L-BFGS (against torch.optim.LBFGS), Newton's method and
nonlinear least squares (against scipy.optimize.least_squares)."""
import numpy as np
import pytest

import i2dl
import i2dl.optim as optim


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _lbfgs_run(make_param, make_opt, loss_fn, steps=1):
    w = make_param()
    opt = make_opt([w])

    def closure():
        opt.zero_grad()
        loss = loss_fn(w)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return w, opt


def test_lbfgs_strong_wolfe_solves_rosenbrock_in_as_many_evaluations_as_pytorch():
    kw = dict(line_search_fn="strong_wolfe", max_iter=200, tolerance_grad=1e-10, tolerance_change=1e-14)
    w, opt = _lbfgs_run(lambda: i2dl.tensor([-1.5, 2.0], dtype="float64", requires_grad=True),
                        lambda p: optim.LBFGS(p, **kw), rosenbrock)
    np.testing.assert_allclose(w.numpy(), [1.0, 1.0], atol=1e-6)
    evals = opt.state_dict()["state"][0]["func_evals"]
    torch = pytest.importorskip("torch")
    tw, topt = _lbfgs_run(lambda: torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True),
                          lambda p: torch.optim.LBFGS(p, **kw), rosenbrock)
    assert evals <= 1.1 * topt.state[tw]["func_evals"] + 2, (evals, topt.state[tw]["func_evals"])
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), atol=1e-9)


def test_lbfgs_without_line_search_follows_pytorch():
    torch = pytest.importorskip("torch")
    A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
    b = np.array([1.0, -2.0, 0.5])
    kw = dict(lr=0.5, max_iter=7, history_size=3)
    w, _ = _lbfgs_run(lambda: i2dl.tensor([0.0, 0.0, 0.0], dtype="float64", requires_grad=True),
                      lambda p: optim.LBFGS(p, **kw),
                      lambda x: 0.5 * (x @ i2dl.tensor(A) @ x) - (x * i2dl.tensor(b)).sum(), steps=3)
    tA, tb = torch.tensor(A), torch.tensor(b)
    tw, _ = _lbfgs_run(lambda: torch.zeros(3, dtype=torch.float64, requires_grad=True),
                       lambda p: torch.optim.LBFGS(p, **kw), lambda x: 0.5 * (x @ tA @ x) - (x * tb).sum(), steps=3)
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_lbfgs_resumed_from_its_state_dict_continues_bit_for_bit():
    kw = dict(line_search_fn="strong_wolfe", max_iter=4, history_size=5)
    make = lambda: i2dl.tensor([-1.2, 1.0], dtype="float64", requires_grad=True)  # noqa: E731
    whole, _ = _lbfgs_run(make, lambda p: optim.LBFGS(p, **kw), rosenbrock, steps=6)
    half, opt = _lbfgs_run(make, lambda p: optim.LBFGS(p, **kw), rosenbrock, steps=3)
    saved = opt.state_dict()
    w = i2dl.tensor(half.numpy(), dtype="float64", requires_grad=True)
    resumed = optim.LBFGS([w], **kw)
    resumed.load_state_dict(saved)

    def closure():
        resumed.zero_grad()
        loss = rosenbrock(w)
        loss.backward()
        return loss

    for _ in range(3):
        resumed.step(closure)
    np.testing.assert_array_equal(w.numpy(), whole.numpy())
    bad = {**saved, "state": {0: {**saved["state"][0], "d": np.zeros(5)}}}
    with pytest.raises(ValueError, match=r"state 'd' must be a vector of 2 entries"):
        optim.LBFGS([w], **kw).load_state_dict(bad)


def test_lbfgs_arguments_are_checked():
    w = i2dl.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"LBFGS: argument 'line_search_fn' must be None or 'strong_wolfe', got 'wolfe'"):
        optim.LBFGS([w], line_search_fn="wolfe")
    with pytest.raises(ValueError, match=r"LBFGS: argument 'lr' must be > 0, got 0"):
        optim.LBFGS([w], lr=0)
    with pytest.raises(ValueError, match=r"LBFGS: takes one parameter group"):
        optim.LBFGS([{"params": [w]}, {"params": [i2dl.tensor([2.0], requires_grad=True)]}])
    with pytest.raises(ValueError, match=r"LBFGS.step: argument 'closure' is required"):
        optim.LBFGS([w]).step(None)


def _logistic_problem(rng, n=300, d=5):
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w_true + 0.3)))).astype(np.float64)
    return X, y


def _logistic_loss(X, y):
    Xt, yt = i2dl.tensor(X), i2dl.tensor(y)

    def loss(w, b):
        z = Xt @ w + b
        # mean of log(1 + e^z) - y z, as the lecture's binary cross-entropy on the logits
        return (i2dl.log(1.0 + i2dl.exp(z)) - yt * z).mean()
    return loss


def test_newton_fits_logistic_regression_in_fewer_than_ten_iterations():
    X, y = _logistic_problem(np.random.default_rng(0))
    loss_fn = _logistic_loss(X, y)
    w = i2dl.tensor(np.zeros(X.shape[1]), requires_grad=True)
    b = i2dl.tensor(np.zeros(()), requires_grad=True)
    opt = optim.Newton([w, b])

    def closure():
        opt.zero_grad()
        loss = loss_fn(w, b)
        loss.backward()
        return loss

    for it in range(1, 10):
        opt.step(closure)
        closure()
        grad = np.concatenate([w.grad.reshape(-1), np.reshape(b.grad, -1)])
        if np.abs(grad).max() < 1e-9:
            break
    assert np.abs(grad).max() < 1e-9 and it < 10, (it, np.abs(grad).max())
    sklearn = pytest.importorskip("sklearn.linear_model")
    ref = sklearn.LogisticRegression(C=np.inf, tol=1e-12, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(w.numpy(), ref.coef_[0], rtol=1e-5, atol=1e-6)


def test_newton_stays_a_descent_method_where_the_hessian_is_indefinite():
    """f = x⁴ - 2x² + y² has H = diag(12x² - 4, 2), indefinite at x = 0.1: the plain Newton step
    climbs to the saddle at x = 0; the damped one goes downhill to a minimum at x = ±1."""
    w = i2dl.tensor([0.1, 1.0], dtype="float64", requires_grad=True)
    opt = optim.Newton([w], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = w[0] ** 4 - 2 * w[0] ** 2 + w[1] ** 2
        loss.backward()
        return loss

    losses = [float(opt.step(closure)) for _ in range(12)]
    assert all(b < a for a, b in zip(losses, losses[1:]) if a > -1 + 1e-12)
    np.testing.assert_allclose(w.numpy(), [1.0, 0.0], atol=1e-7)
    assert opt.state_dict()["state"][0]["damping"] == 0.0  # near the minimum H is definite again


def test_newton_hessian_is_exact_for_a_quadratic_and_the_size_is_checked():
    A = np.array([[4.0, 1.0], [1.0, 3.0]])
    w = i2dl.tensor([0.3, -0.7], dtype="float64", requires_grad=True)
    opt = optim.Newton([w])

    def closure():
        opt.zero_grad()
        loss = 0.5 * (w @ i2dl.tensor(A) @ w)
        loss.backward()
        return loss

    np.testing.assert_allclose(opt.hessian(closure), A, rtol=1e-9)
    np.testing.assert_array_equal(w.numpy(), [0.3, -0.7])  # the probes leave the parameters as they were
    with pytest.raises(ValueError, match=r"Newton: argument 'params' holds 5000 parameters"):
        optim.Newton([i2dl.tensor(np.zeros(5000), requires_grad=True)])
    with pytest.raises(ValueError, match=r"Newton: argument 'damping' must be >= 0, got -1"):
        optim.Newton([w], damping=-1)


T_DECAY = np.linspace(0.0, 4.0, 40)
Y_DECAY = 2.5 * np.exp(-1.3 * T_DECAY) + 0.4 + 0.02 * np.random.default_rng(3).standard_normal(40)


def decay_residuals(p):
    return p[0] * i2dl.exp(-p[1] * i2dl.tensor(T_DECAY)) + p[2] - i2dl.tensor(Y_DECAY)


@pytest.mark.parametrize("method", ["lm", "gn"])
def test_least_squares_fits_an_exponential_decay_as_scipy(method):
    fit = optim.least_squares(decay_residuals, [1.0, 0.5, 0.0], method=method)
    assert fit.success and fit.status in (1, 2, 3, 4), fit.message
    assert fit.fun.shape == (40,) and fit.jac.shape == (40, 3) and fit.nfev >= fit.njev >= 1
    scipy_opt = pytest.importorskip("scipy.optimize")
    ref = scipy_opt.least_squares(lambda p: p[0] * np.exp(-p[1] * T_DECAY) + p[2] - Y_DECAY, [1.0, 0.5, 0.0],
                                  method="lm")
    np.testing.assert_allclose(fit.x, ref.x, rtol=1e-6)
    assert fit.cost == pytest.approx(ref.cost, rel=1e-9)
    np.testing.assert_allclose(fit.jac, ref.jac, rtol=1e-6, atol=1e-8)


def test_levenberg_marquardt_converges_where_its_damping_must_work():
    """From a decay rate 10x too large, the first Gauss-Newton steps are poor; LM's damping still
    reaches the fit."""
    fit = optim.least_squares(decay_residuals, [1.0, 13.0, 0.0], method="lm")
    good = optim.least_squares(decay_residuals, [1.0, 0.5, 0.0], method="lm")
    assert fit.success
    np.testing.assert_allclose(fit.x, good.x, rtol=1e-6)


def test_least_squares_arguments_are_checked():
    with pytest.raises(ValueError, match=r"least_squares: argument 'method' must be 'lm' or 'gn', got 'trf'"):
        optim.least_squares(decay_residuals, [1.0, 1.0, 0.0], method="trf")
    with pytest.raises(ValueError, match=r"least_squares: argument 'x0' must be 1-D, got shape \(1, 3\)"):
        optim.least_squares(decay_residuals, [[1.0, 1.0, 0.0]])
    with pytest.raises(TypeError, match=r"least_squares: argument 'fun' must return an i2dl Tensor of residuals, got "
                                        r"ndarray"):
        optim.least_squares(lambda p: np.zeros(3), [1.0])
    with pytest.raises(ValueError, match=r"least_squares: argument 'x0' must be finite"):
        optim.least_squares(decay_residuals, [np.nan, 1.0, 0.0])
    fit = optim.least_squares(decay_residuals, [1.0, 0.5, 0.0], max_nfev=2)
    assert fit.status == 0 and not fit.success and fit.nfev <= 3
