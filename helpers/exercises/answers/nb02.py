"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 02's exercises."""

from __future__ import annotations

import math
from typing import Any

import torch

from helpers.exercises import Credit, Key, as_bool_mask, as_float, is_close
from helpers.exercises.nb02 import (
    _CAUSAL_LENGTH,
    _FEEDFORWARD_SIZE,
    _FORGET_BIAS,
    _FORGET_STEPS,
    _LSTM_HIDDEN_SIZE,
    _LSTM_INPUT_SIZE,
    _MODEL_SIZE,
    _NUM_HEADS,
)

# --- q1: parameters of an LSTM layer ----------------------------------------------------


def _lstm_parameter_count(input_size: int, hidden_size: int) -> int:
    """Return the parameters of one torch.nn.LSTM layer: 4 gates of W_ih, W_hh, b_ih, b_hh."""
    return 4 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)


def _diagnose_lstm_parameters(answer: Any) -> str | Credit | None:
    value = as_float(answer)
    if value is None:
        return "Give a whole number."
    one_gate = _lstm_parameter_count(_LSTM_INPUT_SIZE, _LSTM_HIDDEN_SIZE) // 4
    if value == one_gate:
        return "That is one gate, or a plain RNN. An LSTM has four gates: i, f, g and o."
    if value == 4 * (one_gate - _LSTM_HIDDEN_SIZE):
        return Credit("Close: PyTorch keeps two bias vectors per gate (b_ih and b_hh).", 0.5)
    if value == 4 * (one_gate - 2 * _LSTM_HIDDEN_SIZE):
        return "Close: you left out the biases (PyTorch has b_ih and b_hh, 4 * hidden each)."
    return None


q1 = Key(
    is_correct=is_close(_lstm_parameter_count(_LSTM_INPUT_SIZE, _LSTM_HIDDEN_SIZE), 1e-9),
    diagnose=_diagnose_lstm_parameters,
    solution_text=(
        "answer = 4 * (64 * 32 + 64 * 64 + 2 * 64)  # = 25,088\n"
        "weight_ih_l0 is (4*64, 32), weight_hh_l0 is (4*64, 64), and bias_ih_l0 and "
        "bias_hh_l0 are (4*64,) each."
    ),
    solution_cell=(
        "answer = sum(p.numel() for p in torch.nn.LSTM(32, 64).parameters())\nnb02.q1.check(answer)"
    ),
)

# --- q2: the causal mask ----------------------------------------------------------------

_CAUSAL_MASK = torch.triu(torch.ones(_CAUSAL_LENGTH, _CAUSAL_LENGTH, dtype=torch.bool), diagonal=1)


def _is_causal_mask(answer: Any) -> bool:
    mask = as_bool_mask(answer)
    return mask.shape == _CAUSAL_MASK.shape and bool(torch.equal(mask, _CAUSAL_MASK))


def _diagnose_causal_mask(answer: Any) -> str | None:
    mask = as_bool_mask(answer)
    if mask.shape != _CAUSAL_MASK.shape:
        return None  # the public form check says it
    if torch.equal(mask, _CAUSAL_MASK.T):
        return "Transposed: row i is the position that looks, column j the position looked at."
    if torch.equal(mask, ~_CAUSAL_MASK):
        return "Inverted: True must mean 'may NOT attend' (the future), False 'may attend'."
    if torch.equal(mask, torch.triu(torch.ones_like(mask), diagonal=0)):
        return "A position may attend to itself: keep the diagonal False."
    return None


q2 = Key(
    is_correct=_is_causal_mask,
    diagnose=_diagnose_causal_mask,
    solution_text=(
        "answer = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)\n"
        "tensor([[False,  True,  True,  True],\n"
        "        [False, False,  True,  True],\n"
        "        [False, False, False,  True],\n"
        "        [False, False, False, False]])"
    ),
    solution_cell=(
        "answer = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)\nnb02.q2.check(answer)"
    ),
)

# --- q3: how long a forget gate remembers -----------------------------------------------

_FORGET_GATE = 1 / (1 + math.exp(-_FORGET_BIAS))
_SURVIVING_FRACTION = _FORGET_GATE**_FORGET_STEPS


def _diagnose_one_step(answer: Any) -> str | None:
    value = as_float(answer)
    if value is not None and math.isclose(value, _FORGET_GATE, rel_tol=1e-3):
        return (
            f"That is one step. The cell is multiplied by f at each of the {_FORGET_STEPS} steps."
        )
    return None


q3 = Key(
    is_correct=is_close(_SURVIVING_FRACTION, 1e-3),
    diagnose=_diagnose_one_step,
    solution_text=(
        "answer = (1 / (1 + math.exp(-3))) ** 50  # about 0.089\n"
        "f is about 0.953, and 0.953**50 is about 9%. With f = sigmoid(0) = 0.5 only "
        "0.5**50 (about 1e-15) would survive: the forget gate sets the memory's half-life."
    ),
    solution_cell="answer = torch.sigmoid(torch.tensor(3.0)).item() ** 50\nnb02.q3.check(answer)",
)

# --- q4: parameters of a Transformer block ----------------------------------------------


def _transformer_layer_parameter_count(model_size: int, feedforward_size: int) -> int:
    """Return the parameters of one torch.nn.TransformerEncoderLayer (any number of heads)."""
    attention = 3 * model_size * model_size + 3 * model_size  # query, key, value projections
    attention += model_size * model_size + model_size  # output projection
    feedforward = model_size * feedforward_size + feedforward_size
    feedforward += feedforward_size * model_size + model_size
    layer_norms = 2 * (2 * model_size)  # a scale and a shift, twice
    return attention + feedforward + layer_norms


def _diagnose_transformer_parameters(answer: Any) -> str | Credit | None:
    value = as_float(answer)
    if value is None:
        return "Give a whole number."
    expected = _transformer_layer_parameter_count(_MODEL_SIZE, _FEEDFORWARD_SIZE)
    if value == expected - 4 * _MODEL_SIZE:
        return Credit(
            "You left out the two LayerNorms (a weight and a bias of size d_model each).", 0.5
        )
    if value == expected - (4 * _MODEL_SIZE + _FEEDFORWARD_SIZE):
        return "You left out the biases of the linear layers."
    if value == _NUM_HEADS * expected:
        return "The number of heads does not change the parameter count: heads split d_model."
    return None


q4 = Key(
    is_correct=is_close(_transformer_layer_parameter_count(_MODEL_SIZE, _FEEDFORWARD_SIZE), 1e-9),
    diagnose=_diagnose_transformer_parameters,
    solution_text=(
        "answer = (3 * 64 * 64 + 3 * 64) + (64 * 64 + 64) + (64 * 256 + 256) + (256 * 64 + 64) "
        "+ 2 * 2 * 64  # = 49,984\n"
        "Heads split the 64 dimensions into 4 groups of 16; they share the same projection "
        "matrices, so nhead changes the computation, not the parameter count."
    ),
    solution_cell=(
        "layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=256)\n"
        "answer = sum(p.numel() for p in layer.parameters())\n"
        "nb02.q4.check(answer)"
    ),
)
