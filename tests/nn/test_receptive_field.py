"""The receptive field's closed form against the gradient of one output pixel: the input pixels that
pixel depends on are exactly its patch (start, size), for strides, padding, dilation and pooling."""
import numpy as np
import pytest

import i2dl
import i2dl.nn as nn


def _patch_from_gradient(model, shape, i, j):
    x = i2dl.tensor(np.ones((1, 1) + shape), requires_grad=True)
    y = model(x)
    mask = np.zeros(y.shape)
    mask[0, 0, i, j] = 1.0
    (y * i2dl.tensor(mask)).sum().backward()
    rows, cols = np.nonzero(np.abs(x.grad[0, 0]) > 0)
    return (rows.min(), rows.max()), (cols.min(), cols.max())


@pytest.mark.parametrize("layers", [
    lambda: [nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 2, 3, stride=2), nn.Conv2d(2, 1, 3)],
    # average pools: a max pool's gradient reaches one element of each window, not the whole field
    lambda: [nn.Conv2d(1, 2, 5, padding=2), nn.AvgPool2d(2), nn.Conv2d(2, 2, 3, dilation=2), nn.AvgPool2d(3, 2),
             nn.Conv2d(2, 1, (3, 1))],
])
def test_closed_form_matches_the_gradient_of_one_output(layers):
    i2dl.manual_seed(0)
    model = nn.Sequential(*layers()).double()
    for p in model.parameters():  # positive weights: no gradient cancels to zero inside the patch
        p.data[...] = np.abs(p.data) + 0.1
    shape = (40, 36)
    last = nn.receptive_field(model, shape)[-1]
    i, j = last.output[0] // 2, last.output[1] // 2
    (r0, r1), (c0, c1) = _patch_from_gradient(model, shape, i, j)
    for a, (lo, hi, idx) in enumerate(((r0, r1, i), (c0, c1, j))):
        centre = last.start[a] + idx * last.jump[a]
        assert (hi - lo + 1, (lo + hi) / 2) == (last.size[a], centre), a


def test_rows_and_errors():
    rows = nn.receptive_field(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))), (8, 8))
    assert [r.name for r in rows] == ["0", "1.0", "1.1"] and rows[-1].output == (3, 3)
    with pytest.raises(TypeError, match=r"receptive_field: layer '0' \(Flatten\) is neither"):
        nn.receptive_field(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), (2, 2))


def test_summary_counts_parameters_and_flops():
    from i2dl import models
    rows = models.summary(models.LeNet5(), (2, 1, 28, 28), print_fn=lambda s: None)
    assert sum(r.params for r in rows) == 44426  # LeNet-5 as in i2dl.models: 6*25+6 + 16*150+16 + ...
    conv1 = rows[0]
    assert conv1.kind == "Conv2d" and conv1.output == (2, 6, 24, 24) and conv1.flops == 2 * 2 * 6 * 24 * 24 * 25
    up = models.summary(nn.Sequential(nn.ConvTranspose2d(4, 2, 2, stride=2)), (1, 4, 3, 3), print_fn=lambda s: None)[0]
    assert up.output == (1, 2, 6, 6) and up.flops == 2 * 4 * 9 * 2 * 4
