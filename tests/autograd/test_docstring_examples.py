"""The examples in the docstrings of F.* run and print what they say."""
import doctest
import importlib

import pytest

import i2dl
import i2dl.functional as F

MODULES = ["i2dl.functional.activation", "i2dl.functional.conv", "i2dl.functional.linear", "i2dl.functional.dropout",
           "i2dl.functional.loss", "i2dl.functional.pool"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    i2dl.manual_seed(0)
    result = doctest.testmod(importlib.import_module(name), extraglobs={"i2dl": i2dl, "F": F},
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
