"""Multi-layer perceptron: Linear -> activation, repeated, then a linear output layer."""
from __future__ import annotations

from .. import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU, "leaky_relu": nn.LeakyReLU,
               "swish": nn.Swish}


class MLP(nn.Module):
    def __init__(self, sizes=(784, 256, 10), activation="relu", dropout=0.0):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"MLP: argument 'sizes' needs at least input and output sizes, got {sizes}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: argument 'activation' must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.config = dict(sizes=list(sizes), activation=activation, dropout=dropout)
        layers = [nn.Flatten()]
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == len(sizes) - 2
            layers.append(nn.Linear(a, b, nonlinearity="linear" if last else activation))
            if not last:
                layers.append(ACTIVATIONS[activation]())
                if dropout:
                    layers.append(nn.Dropout(dropout))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
