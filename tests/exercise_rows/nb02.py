"""Rows of the exercise table for notebook 02."""

import math
from functools import cache

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


def gru_cell_bias_outside_reset(
    inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden
):
    """b_hn added after the reset gate: r * (W_hn h) + b_hn."""
    input_r, input_z, input_n = (inputs @ weight_input.T + bias_input).chunk(3, dim=1)
    hidden_r, hidden_z, _ = (hidden @ weight_hidden.T + bias_hidden).chunk(3, dim=1)
    reset = torch.sigmoid(input_r + hidden_r)
    update = torch.sigmoid(input_z + hidden_z)
    weight_n, bias_n = weight_hidden.chunk(3)[2], bias_hidden.chunk(3)[2]
    candidate = torch.tanh(input_n + reset * (hidden @ weight_n.T) + bias_n)
    return (1 - update) * candidate + update * hidden


def gru_cell_squeezed(inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden):
    """A right cell whose .squeeze() drops the batch axis of a batch of one."""
    return gru_cell(inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden).squeeze()


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


@cache
def section_5_norms() -> dict[str, list[float]]:
    """Rebuild section 5's three layers, as the notebook does, and measure their norms."""
    from helpers import recurrent

    with torch.random.fork_rng():
        torch.manual_seed(0)  # the notebook's set_seed(SEED)
        inputs = torch.randn(16, 60, 32)
        remembering = recurrent.LSTMFromScratch(input_size=32, hidden_size=64)
        recurrent.set_forget_bias(remembering, 3.0)
        layers = {
            "plain RNN": recurrent.RNNFromScratch(input_size=32, hidden_size=64),
            "LSTM, default init": recurrent.LSTMFromScratch(input_size=32, hidden_size=64),
            "LSTM, forget bias 3": remembering,
        }
        return {
            name: recurrent.gradient_norms_through_time(layer, inputs)
            for name, layer in layers.items()
        }


def fitted_rate(norms: list[float], first: int = 5, last: int = 50) -> float:
    """Return exp(slope) of a least-squares line through log norm against steps back."""
    by_distance = norms[::-1]
    steps = list(range(first, last + 1))
    logs = [math.log(by_distance[step]) for step in steps]
    mean_step, mean_log = sum(steps) / len(steps), sum(logs) / len(logs)
    covariance = sum((s - mean_step) * (y - mean_log) for s, y in zip(steps, logs, strict=True))
    return math.exp(covariance / sum((s - mean_step) ** 2 for s in steps))


def steps_to_shrink(rate: float) -> float:
    """Return n with rate ** n = 1/1,000."""
    return math.log(1 / 1000) / math.log(rate)


def default_lstm_reach() -> float:
    """The right answer: the default LSTM's fitted rate, then the steps to a 1,000-fold fall."""
    return steps_to_shrink(fitted_rate(section_5_norms()["LSTM, default init"]))


def inverted_reach() -> float:
    """The rate inverted (fitted forwards in time): a negative number of steps."""
    return steps_to_shrink(1 / fitted_rate(section_5_norms()["LSTM, default init"]))


def end_point_reach() -> float:
    """The end-point ratio, step 0 (the all-ones start) included."""
    norms = section_5_norms()["LSTM, default init"]
    return steps_to_shrink((norms[0] / norms[-1]) ** (1 / (len(norms) - 1)))


def plain_rnn_reach() -> float:
    """The right method on the wrong layer."""
    return steps_to_shrink(fitted_rate(section_5_norms()["plain RNN"]))


def remembering_reach() -> float:
    """The forget-bias-3 LSTM, whose fitted rate is above 1."""
    return steps_to_shrink(fitted_rate(section_5_norms()["LSTM, forget bias 3"]))


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
            (gru_cell_bias_outside_reset, "b_hn belongs inside the reset gate"),
            (gru_cell_squeezed, "loses the batch axis"),
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
        [Computed(default_lstm_reach), 14.7],
        [
            (Computed(inverted_reach), "negative number of steps"),
            (Computed(end_point_reach), "step 0 included"),
            (0.626, "only the first half"),
            (Computed(plain_rnn_reach), "plain RNN's rate"),
            (steps_to_shrink(0.5), "sigmoid(0) = 0.5"),
            (Computed(remembering_reach), "forget bias 3"),
        ],
    ),
]
