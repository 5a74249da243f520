"""The examples in the docstrings of F.*, nn.*, nn.utils and optim.* run and print what they say: every module
of the two packages, found by listing them (a new family's examples are run without an edit here)."""
import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import i2dl
import i2dl.functional as F
import i2dl.nn as nn
from i2dl import optim

MODULES = [m.name for pkg in (F, nn, optim) for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    i2dl.manual_seed(0)
    result = doctest.testmod(importlib.import_module(name), extraglobs={"i2dl": i2dl, "F": F, "nn": nn, "np": np, "optim": optim},
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_norm_modules_have_examples():
    for name in ("i2dl.functional.norm", "i2dl.nn.norm", "i2dl.nn.utils.fusion", "i2dl.nn.utils.rnn", "i2dl.nn.recurrent"):
        finder = doctest.DocTestFinder()
        assert sum(len(t.examples) for t in finder.find(importlib.import_module(name))) >= 3, name
