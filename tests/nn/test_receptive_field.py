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
    mask[0, :, i, j] = 1.0  # the pixel in every channel: a concatenation's channels see different branches
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


class _Residual(nn.Module):
    """A ResNet downsampling block: conv3x3/2 -> ReLU -> conv3x3 on one path, conv1x1/2 on the other, summed."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1, self.relu = nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.ReLU()
        self.conv2, self.shortcut = nn.Conv2d(c_out, c_out, 3, padding=1), nn.Conv2d(c_in, c_out, 1, stride=2)

    def forward(self, x):
        return self.conv2(self.relu(self.conv1(x))) + self.shortcut(x)


class _Inception(nn.Module):
    """Branches of 1x1, 3x3 and 5x5 (dilated 3x3) convolutions and a 3x3 average pool, concatenated."""

    def __init__(self, c):
        super().__init__()
        self.b1, self.b3 = nn.Conv2d(c, 2, 1), nn.Conv2d(c, 2, 3, padding=1)
        self.b5, self.pool = nn.Conv2d(c, 2, 3, padding=2, dilation=2), nn.AvgPool2d(3, 1, padding=1)

    def forward(self, x):
        return i2dl.cat([self.b1(x), self.b3(x), self.b5(x), self.pool(x)], axis=1)


@pytest.mark.parametrize("make, names", [
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), _Residual(2, 3), nn.AvgPool2d(2), _Residual(3, 2)),
     ["0", "1.conv1", "1.relu", "1.conv2", "1.shortcut", "2", "3.conv1", "3.relu", "3.conv2", "3.shortcut",
      "output"]),  # the network ends in a block's sum: its row is the union
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), _Inception(2), nn.Conv2d(8, 1, 3)),
     ["0", "1.b1", "1.b3", "1.b5", "1.pool", "2"]),
    (lambda: _Inception(1), ["b1", "b3", "b5", "pool", "output"]),  # the network's output is the concatenation
])
def test_branches_are_the_union_of_their_fields(make, names):
    """Through a residual sum and an Inception concatenation the closed form equals the gradient of
    one output pixel (positive weights, ones as input: every input pixel of the union reaches it)."""
    i2dl.manual_seed(0)
    model = make().double()
    for p in model.parameters():
        p.data[...] = np.abs(p.data) + 0.1
    shape = (37, 41)
    rows = nn.receptive_field(model, shape)
    assert [r.name for r in rows] == names
    last = rows[-1]
    for i, j in ((last.output[0] // 2, last.output[1] // 2), (0, 0)):
        (r0, r1), (c0, c1) = _patch_from_gradient(model, shape, i, j)
        for a, (lo, hi, idx) in enumerate(((r0, r1, i), (c0, c1, j))):
            centre = last.start[a] + idx * last.jump[a]
            # at output (0, 0) the patch is cut by the input's border: its visible part is what the gradient sees
            want_lo = max(0, centre - (last.size[a] - 1) / 2)
            want_hi = min(shape[a] - 1, centre + (last.size[a] - 1) / 2)
            assert (lo, hi) == (want_lo, want_hi), (a, i, j)


def test_resnet18_trunk():
    """torchvision's ResNet-18 without its pool and head: 20 convolutions and a max pool, jump 32."""
    from i2dl import models
    net = models.resnet18(num_classes=10)
    rows = nn.receptive_field(nn.Sequential(*list(net.children())[:-2]), (3, 64, 64))
    assert rows[-1].jump == (32, 32) and rows[-1].output == (2, 2)
    assert sum(r.name.endswith(("conv1", "conv2")) or ".downsample.0" in r.name or r.name == "0" for r in rows) == 20
    assert rows[-1].size[0] > 64 and rows[-1].size == rows[-1].size[::-1]
    with pytest.raises(TypeError, match=r"receptive_field: layer 'avgpool' \(AdaptiveAvgPool2d\) is neither"):
        nn.receptive_field(net, (3, 64, 64))


def test_branches_at_different_jumps_and_pixel_moving_ops():
    class Mixed(nn.Module):
        def __init__(self, forward):
            super().__init__()
            self.a, self.b, self.f = nn.Conv2d(1, 1, 1), nn.Conv2d(1, 1, 1, stride=2, padding=2), forward

        def forward(self, x):
            return self.f(self, x)

    with pytest.raises(ValueError, match=r"receptive_field: the branches meeting at AddBackward have different "
                                         r"jumps \[\(1, 1\), \(2, 2\)\]"):
        nn.receptive_field(Mixed(lambda m, x: m.a(x) + m.b(x)), (4, 4))
    with pytest.raises(TypeError, match=r"receptive_field: the operation GetItemBackward between layers may move "
                                        r"pixels"):
        nn.receptive_field(nn.Sequential(Mixed(lambda m, x: m.a(x)[:, :, 1:, 1:]), nn.Conv2d(1, 1, 1)), (4, 4))
    with pytest.raises(ValueError, match=r"argument 'input_shape' must be \(H, W\), \(C, H, W\) or \(N, C, H, W\)"):
        nn.receptive_field(nn.Conv2d(1, 1, 1), (4,))
