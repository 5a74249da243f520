"""The learning-rate schedules give PyTorch's sequences (to the float), resume from their
state_dict, and express the lecture's three decays."""
import math

import numpy as np
import pytest

import i2dl
from i2dl import optim
from i2dl.optim import lr_scheduler as ls

try:
    import torch
except ImportError:
    torch = None

SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=6)),
]


def _opts(lr=0.5):
    ours = optim.SGD([{"params": [i2dl.tensor([1.0], requires_grad=True)]},
                      {"params": [i2dl.tensor([1.0], requires_grad=True)], "lr": 0.1}], lr=lr)
    theirs = None
    if torch is not None:
        theirs = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]},
                                  {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1}], lr=lr)
    return ours, theirs


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[n for n, _ in SCHEDULES])
def test_same_sequence_as_pytorch(name, kwargs):
    ours, theirs = _opts()
    s, t = getattr(ls, name)(ours, **kwargs), getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    for _ in range(25):
        assert s.get_last_lr() == t.get_last_lr()
        s.step()
        t.step()


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_lambda_and_plateau_as_pytorch():
    ours, theirs = _opts()
    s = ls.LambdaLR(ours, lambda e: 1 / (1 + 0.5 * e))
    t = torch.optim.lr_scheduler.LambdaLR(theirs, lambda e: 1 / (1 + 0.5 * e))
    for _ in range(10):
        s.step()
        t.step()
        assert s.get_last_lr() == t.get_last_lr()
    ours, theirs = _opts()
    s = ls.ReduceLROnPlateau(ours, factor=0.5, patience=2, cooldown=1)
    t = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, factor=0.5, patience=2, cooldown=1)
    for metric in [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 2.9999, 1, 1, 1, 1]:
        s.step(metric)
        t.step(metric)
        assert s.get_last_lr() == t.get_last_lr()


def test_the_lectures_three_decays():
    opt, _ = _opts(lr=1.0)
    frac = ls.LambdaLR(opt, lambda e: 1 / (1 + 0.5 * e))
    for _ in range(4):
        frac.step()
    assert frac.get_last_lr()[0] == pytest.approx(1.0 / (1 + 0.5 * 4))
    opt, _ = _opts(lr=1.0)
    exp = ls.ExponentialLR(opt, gamma=0.8)
    for _ in range(5):
        exp.step()
    assert exp.get_last_lr()[0] == pytest.approx(0.8 ** 5)
    opt, _ = _opts(lr=1.0)
    step = ls.StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(5):
        step.step()
    assert step.get_last_lr()[0] == pytest.approx(0.01)


def test_resumes_from_its_state_dict():
    opt, _ = _opts()
    s = ls.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        s.step()
    saved, lrs = s.state_dict(), [g["lr"] for g in opt.param_groups]
    opt2, _ = _opts()
    for g, lr in zip(opt2.param_groups, lrs):
        g["lr"] = lr
    s2 = ls.CosineAnnealingLR(opt2, T_max=10)
    s2.load_state_dict(saved)
    for g, lr in zip(opt2.param_groups, lrs):
        g["lr"] = lr
    for _ in range(6):
        s.step()
        s2.step()
        assert s.get_last_lr() == s2.get_last_lr()
    assert math.isclose(s.get_last_lr()[0], 0.0, abs_tol=1e-12)


def test_arguments_are_checked():
    opt, _ = _opts()
    with pytest.raises(ValueError, match=r"StepLR: argument 'step_size' must be >= 1, got 0"):
        ls.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau: argument 'mode' must be 'min' or 'max'"):
        ls.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match=r"LambdaLR: argument 'lr_lambda' must be one function or 2, got 3"):
        ls.LambdaLR(opt, [lambda e: 1.0] * 3)
