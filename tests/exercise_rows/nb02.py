"""Rows of the exercise table for notebook 02."""

import math

import torch

from helpers.exercises import nb02

from .common import Computed, parameter_count


def lstm_parameters() -> int:
    """Return the parameter count of torch.nn.LSTM(32, 64)."""
    return parameter_count(torch.nn.LSTM(32, 64))


def transformer_layer_parameters() -> int:
    """Return the parameter count of torch.nn.TransformerEncoderLayer(64, 4, 256)."""
    return parameter_count(torch.nn.TransformerEncoderLayer(64, 4, 256))


CAUSAL_4 = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)  # True = may NOT attend
FORGET_GATE = 1 / (1 + math.exp(-3))

ROWS = [
    (
        nb02.q1,
        [Computed(lstm_parameters)],
        [
            (64 * (32 + 64) + 64, None),
            (64 * (32 + 64) + 2 * 64, "An LSTM has four gates"),
            (4 * (64 * (32 + 64) + 64), "two bias vectors per gate"),
        ],
    ),
    (
        nb02.q2,
        [CAUSAL_4, CAUSAL_4.int()],
        [(CAUSAL_4.T, "Transposed"), (torch.triu(torch.ones(4, 4), diagonal=0), "itself")],
    ),
    (
        nb02.q3,
        [FORGET_GATE**50],
        [(0.5**50, "sigmoid(3) is not 0.5"), (FORGET_GATE, "one step")],
    ),
    (
        nb02.q4,
        [Computed(transformer_layer_parameters)],
        [(4 * 49_984, "does not change the parameter count")],
    ),
]
