"""The RNN and LSTM cells written from their equations agree with torch.nn.RNN / LSTM."""

from __future__ import annotations

import torch
from torch import nn

from helpers.recurrent import (
    LSTMFromScratch,
    RNNFromScratch,
    copy_into_torch,
    gradient_norms_through_time,
    lstm_cell,
    rnn_cell,
    set_forget_bias,
)


def _inputs(batch_size: int = 3, steps: int = 6, input_size: int = 5) -> torch.Tensor:
    return torch.randn(batch_size, steps, input_size, generator=torch.Generator().manual_seed(0))


def test_rnn_from_scratch_matches_torch() -> None:
    torch.manual_seed(0)
    scratch = RNNFromScratch(input_size=5, hidden_size=7)
    reference = nn.RNN(input_size=5, hidden_size=7, batch_first=True)
    copy_into_torch(scratch, reference)
    inputs = _inputs()
    outputs, last_hidden = reference(inputs)  # (batch, time, hidden), (1, batch, hidden)
    ours = torch.stack(scratch(inputs), dim=1)  # (batch, time, hidden)
    assert torch.allclose(ours, outputs, atol=1e-6)
    assert torch.allclose(ours[:, -1], last_hidden[0], atol=1e-6)


def test_lstm_from_scratch_matches_torch() -> None:
    torch.manual_seed(0)
    scratch = LSTMFromScratch(input_size=5, hidden_size=7)
    reference = nn.LSTM(input_size=5, hidden_size=7, batch_first=True)
    copy_into_torch(scratch, reference)
    inputs = _inputs()
    outputs, (last_hidden, _last_cell) = reference(inputs)
    ours = torch.stack(scratch(inputs), dim=1)  # (batch, time, hidden)
    assert torch.allclose(ours, outputs, atol=1e-6)
    assert torch.allclose(ours[:, -1], last_hidden[0], atol=1e-6)


def test_single_cells_match_torch_cells() -> None:
    torch.manual_seed(0)
    inputs, hidden, cell = torch.randn(2, 4), torch.randn(2, 3), torch.randn(2, 3)
    rnn = nn.RNNCell(4, 3)
    weights = (rnn.weight_ih, rnn.weight_hh, rnn.bias_ih, rnn.bias_hh)
    assert torch.allclose(rnn_cell(inputs, hidden, *weights), rnn(inputs, hidden), atol=1e-6)
    lstm = nn.LSTMCell(4, 3)
    weights = (lstm.weight_ih, lstm.weight_hh, lstm.bias_ih, lstm.bias_hh)
    ours = lstm_cell(inputs, hidden, cell, *weights)
    theirs = lstm(inputs, (hidden, cell))
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(ours, theirs, strict=True))


def test_gradients_match_torch() -> None:
    torch.manual_seed(0)
    scratch = LSTMFromScratch(input_size=5, hidden_size=7)
    reference = nn.LSTM(input_size=5, hidden_size=7, batch_first=True)
    copy_into_torch(scratch, reference)
    inputs = _inputs()
    scratch(inputs)[-1].sum().backward()
    reference(inputs)[0][:, -1].sum().backward()
    assert torch.allclose(scratch.weight_hidden.grad, reference.weight_hh_l0.grad, atol=1e-5)


def test_forget_bias_keeps_gradients_alive() -> None:
    torch.manual_seed(0)
    inputs = torch.randn(4, 40, 8)
    rnn_norms = gradient_norms_through_time(RNNFromScratch(8, 16), inputs)
    lstm = LSTMFromScratch(8, 16)
    set_forget_bias(lstm, 3.0)
    lstm_norms = gradient_norms_through_time(lstm, inputs)
    assert len(rnn_norms) == len(lstm_norms) == 40
    assert rnn_norms[0] < 1e-3 * rnn_norms[-1]  # vanishes
    assert lstm_norms[0] > 1e-2 * lstm_norms[-1]  # survives
