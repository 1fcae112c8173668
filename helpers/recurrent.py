"""Recurrent cells written from their equations, so notebook 02 can check them against torch.

Both cells use PyTorch's layout of the weights, so the same numbers can be copied into
`torch.nn.RNN` / `torch.nn.LSTM` (one layer, ``batch_first=True``) and the outputs compared.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def rnn_cell(
    inputs: torch.Tensor,
    hidden: torch.Tensor,
    weight_input: torch.Tensor,
    weight_hidden: torch.Tensor,
    bias_input: torch.Tensor,
    bias_hidden: torch.Tensor,
) -> torch.Tensor:
    """One step of a plain (Elman) RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""
    # inputs: (batch, input_size), hidden: (batch, hidden_size)
    # weight_input: (hidden_size, input_size), weight_hidden: (hidden_size, hidden_size)
    pre_activation = inputs @ weight_input.T + bias_input + hidden @ weight_hidden.T + bias_hidden
    return torch.tanh(pre_activation)  # (batch, hidden_size)


def lstm_cell(
    inputs: torch.Tensor,
    hidden: torch.Tensor,
    cell: torch.Tensor,
    weight_input: torch.Tensor,
    weight_hidden: torch.Tensor,
    bias_input: torch.Tensor,
    bias_hidden: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of an LSTM; returns the new (hidden, cell). Gates are stacked as i, f, g, o."""
    # inputs: (batch, input_size), hidden and cell: (batch, hidden_size)
    # weight_input: (4 * hidden_size, input_size), weight_hidden: (4 * hidden_size, hidden_size)
    gates = inputs @ weight_input.T + bias_input + hidden @ weight_hidden.T + bias_hidden
    # gates: (batch, 4 * hidden_size) -> four blocks of (batch, hidden_size)
    input_gate, forget_gate, candidate, output_gate = gates.chunk(4, dim=1)
    input_gate = torch.sigmoid(input_gate)  # how much new content to write
    forget_gate = torch.sigmoid(forget_gate)  # how much old content to keep
    candidate = torch.tanh(candidate)  # the new content itself
    output_gate = torch.sigmoid(output_gate)  # how much of the cell to show
    new_cell = forget_gate * cell + input_gate * candidate  # (batch, hidden_size)
    new_hidden = output_gate * torch.tanh(new_cell)  # (batch, hidden_size)
    return new_hidden, new_cell


class RecurrentFromScratch(nn.Module):
    """Parameters shared by both scratch layers, initialised as PyTorch does."""

    def __init__(self, input_size: int, hidden_size: int, num_gates: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        rows = num_gates * hidden_size
        self.weight_input = nn.Parameter(torch.empty(rows, input_size).uniform_(-bound, bound))
        self.weight_hidden = nn.Parameter(torch.empty(rows, hidden_size).uniform_(-bound, bound))
        self.bias_input = nn.Parameter(torch.empty(rows).uniform_(-bound, bound))
        self.bias_hidden = nn.Parameter(torch.empty(rows).uniform_(-bound, bound))

    def weights(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (weight_input, weight_hidden, bias_input, bias_hidden)."""
        return self.weight_input, self.weight_hidden, self.bias_input, self.bias_hidden

    def zeros(self, batch_size: int) -> torch.Tensor:
        """Return an all-zero state for a batch."""
        return self.weight_hidden.new_zeros(batch_size, self.hidden_size)  # (batch, hidden)


class RNNFromScratch(RecurrentFromScratch):
    """A one-layer plain RNN built from `rnn_cell`."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size, num_gates=1)

    def forward(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        """Run over a sequence (batch, time, input); return the hidden state after each step."""
        hidden = self.zeros(inputs.shape[0])  # (batch, hidden)
        hidden_states = []
        for step in range(inputs.shape[1]):
            hidden = rnn_cell(inputs[:, step], hidden, *self.weights())  # (batch, hidden)
            hidden_states.append(hidden)
        return hidden_states


class LSTMFromScratch(RecurrentFromScratch):
    """A one-layer LSTM built from `lstm_cell`."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size, num_gates=4)

    def forward(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        """Run over a sequence (batch, time, input); return the hidden state after each step."""
        hidden = self.zeros(inputs.shape[0])  # (batch, hidden)
        cell = self.zeros(inputs.shape[0])  # (batch, hidden)
        hidden_states = []
        for step in range(inputs.shape[1]):
            hidden, cell = lstm_cell(inputs[:, step], hidden, cell, *self.weights())
            hidden_states.append(hidden)
        return hidden_states


def copy_into_torch(scratch: RecurrentFromScratch, torch_layer: nn.RNN | nn.LSTM) -> None:
    """Copy a scratch layer's weights into a one-layer `torch.nn.RNN` or `torch.nn.LSTM`."""
    with torch.no_grad():
        torch_layer.weight_ih_l0.copy_(scratch.weight_input)
        torch_layer.weight_hh_l0.copy_(scratch.weight_hidden)
        torch_layer.bias_ih_l0.copy_(scratch.bias_input)
        torch_layer.bias_hh_l0.copy_(scratch.bias_hidden)


def set_forget_bias(scratch: LSTMFromScratch, value: float) -> None:
    """Set the forget gate's biases so that f = sigmoid(value) before any input arrives."""
    hidden_size = scratch.hidden_size
    forget_rows = slice(hidden_size, 2 * hidden_size)  # gates are stacked i, f, g, o
    with torch.no_grad():
        scratch.bias_input[forget_rows] = value
        scratch.bias_hidden[forget_rows] = 0.0


def gradient_norms_through_time(layer: RecurrentFromScratch, inputs: torch.Tensor) -> list[float]:
    """Return |d loss / d h_t| for every step t, where the loss reads only the last state."""
    hidden_states = layer(inputs)  # list of (batch, hidden), one per step
    loss = hidden_states[-1].sum()  # depends on earlier states only through the recurrence
    gradients = torch.autograd.grad(loss, hidden_states)
    return [gradient.norm().item() for gradient in gradients]
