"""Rows of the exercise table for notebook 02."""

import math

import torch
from torch import nn

from helpers.exercises import nb02

from .common import Computed, parameter_count, unfinished


def lstm_parameters() -> int:
    """Return the parameter count of torch.nn.LSTM(32, 64)."""
    return parameter_count(torch.nn.LSTM(32, 64))


def gru_cell(inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden):
    """One GRU step in PyTorch's layout: blocks r, z, n; reset after the hidden product."""
    input_r, input_z, input_n = (inputs @ weight_input.T + bias_input).chunk(3, dim=1)
    hidden_r, hidden_z, hidden_n = (hidden @ weight_hidden.T + bias_hidden).chunk(3, dim=1)
    reset = torch.sigmoid(input_r + hidden_r)
    update = torch.sigmoid(input_z + hidden_z)
    candidate = torch.tanh(input_n + reset * hidden_n)
    return (1 - update) * candidate + update * hidden


def gru_cell_reset_first(inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden):
    """The reset gate applied to h before the product (the original paper's form)."""
    input_r, input_z, input_n = (inputs @ weight_input.T + bias_input).chunk(3, dim=1)
    hidden_r, hidden_z, _ = (hidden @ weight_hidden.T + bias_hidden).chunk(3, dim=1)
    reset = torch.sigmoid(input_r + hidden_r)
    update = torch.sigmoid(input_z + hidden_z)
    weight_n, bias_n = weight_hidden.chunk(3)[2], bias_hidden.chunk(3)[2]
    candidate = torch.tanh(input_n + (reset * hidden) @ weight_n.T + bias_n)
    return (1 - update) * candidate + update * hidden


def gru_cell_swapped(inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden):
    """z multiplies the candidate instead of the old state."""
    input_r, input_z, input_n = (inputs @ weight_input.T + bias_input).chunk(3, dim=1)
    hidden_r, hidden_z, hidden_n = (hidden @ weight_hidden.T + bias_hidden).chunk(3, dim=1)
    reset = torch.sigmoid(input_r + hidden_r)
    update = torch.sigmoid(input_z + hidden_z)
    candidate = torch.tanh(input_n + reset * hidden_n)
    return update * candidate + (1 - update) * hidden


def bidirectional(forward_layer: nn.Module, backward_layer: nn.Module, inputs: torch.Tensor):
    """Both directions side by side, the backward one put back in time order."""
    forward_half, _ = forward_layer(inputs)
    backward_half, _ = backward_layer(inputs.flip(1))
    return torch.cat([forward_half, backward_half.flip(1)], dim=-1)


def bidirectional_not_flipped_back(forward_layer, backward_layer, inputs):
    """Forget to put the backward outputs back in time order."""
    forward_half, _ = forward_layer(inputs)
    backward_half, _ = backward_layer(inputs.flip(1))
    return torch.cat([forward_half, backward_half], dim=-1)


def bidirectional_both_forwards(forward_layer, backward_layer, inputs):
    """Run the backward layer on the inputs in their usual order."""
    forward_half, _ = forward_layer(inputs)
    backward_half, _ = backward_layer(inputs)
    return torch.cat([forward_half, backward_half], dim=-1)


def reach(norms_from_notebook: list[float]) -> float:
    """Steps for the gradient to fall 1,000-fold at the measured per-step rate."""
    rate = (norms_from_notebook[0] / norms_from_notebook[-1]) ** (1 / 59)
    return math.log(1 / 1000) / math.log(rate)


def measured_reach() -> float:
    """Rebuild section 5's forget-bias-3 LSTM, as the notebook does, and measure its reach."""
    from helpers import recurrent

    with torch.random.fork_rng():
        torch.manual_seed(0)
        inputs = torch.randn(16, 60, 32)
        layer = recurrent.LSTMFromScratch(input_size=32, hidden_size=64)
        recurrent.set_forget_bias(layer, 3.0)
        return reach(recurrent.gradient_norms_through_time(layer, inputs))


FORGET_GATE = 1 / (1 + math.exp(-3))

ROWS = [
    (
        nb02.q1,
        [Computed(lstm_parameters), 25_088],
        [
            (64 * (32 + 64) + 64, None),
            (64 * (32 + 64) + 2 * 64, "An LSTM has four gates"),
            (4 * (64 * (32 + 64) + 64), "two bias vectors per gate"),
        ],
    ),
    (
        nb02.q2,
        [gru_cell],
        [
            (unfinished, "returns None"),
            (gru_cell_reset_first, "after: r * (W_hn h + b_hn)"),
            (gru_cell_swapped, "roles of z are swapped"),
        ],
    ),
    (
        nb02.q3,
        [FORGET_GATE**50, 0.0881],
        [(0.5**50, "sigmoid(3) is not 0.5"), (FORGET_GATE, "one step"), (3.0**50, "sigmoid")],
    ),
    (
        nb02.q4,
        [bidirectional],
        [
            (unfinished, "returns None"),
            (bidirectional_not_flipped_back, "reversed order"),
            (bidirectional_both_forwards, "reads the sequence forwards"),
        ],
    ),
    (
        nb02.q5,
        [Computed(measured_reach), 197],
        [
            (0.9655, "now solve"),
            (math.log(1 / 1000) / math.log(FORGET_GATE), "sigmoid(3), the forget gate alone"),
            (9.8, "another layer's rate"),
        ],
    ),
]
