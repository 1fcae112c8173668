"""Exercises for notebook 02, from RNN and LSTM to the Transformer: parameters, masks, memory.

Used by notebooks/02_rnn_lstm_transformer.ipynb.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from helpers.exercises import Exercise, as_bool_mask, as_float, is_close

# --- q1: parameters of an LSTM layer ----------------------------------------------------

_LSTM_INPUT_SIZE = 32
_LSTM_HIDDEN_SIZE = 64


def _lstm_parameter_count(input_size: int, hidden_size: int) -> int:
    """Return the parameters of one torch.nn.LSTM layer: 4 gates of W_ih, W_hh, b_ih, b_hh."""
    return 4 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)


def _diagnose_lstm_parameters(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a whole number."
    one_gate = _lstm_parameter_count(_LSTM_INPUT_SIZE, _LSTM_HIDDEN_SIZE) // 4
    if value == one_gate:
        return "That is one gate, or a plain RNN. An LSTM has four gates: i, f, g and o."
    if value == 4 * (one_gate - _LSTM_HIDDEN_SIZE):
        return "Close: PyTorch keeps two bias vectors per gate (b_ih and b_hh)."
    if value == 4 * (one_gate - 2 * _LSTM_HIDDEN_SIZE):
        return "Close: you left out the biases (PyTorch has b_ih and b_hh, 4 * hidden each)."
    return None


q1 = Exercise(
    name="nb02.q1",
    question=(
        f"How many parameters does torch.nn.LSTM(input_size={_LSTM_INPUT_SIZE}, "
        f"hidden_size={_LSTM_HIDDEN_SIZE}) have?"
    ),
    is_correct=is_close(_lstm_parameter_count(_LSTM_INPUT_SIZE, _LSTM_HIDDEN_SIZE), 1e-9),
    hint_text=(
        "Each of the four gates has its own W_ih (hidden x input), W_hh (hidden x hidden) "
        "and two bias vectors of size hidden. Check yourself with "
        "sum(p.numel() for p in layer.parameters())."
    ),
    solution_text=(
        "answer = 4 * (64 * 32 + 64 * 64 + 2 * 64)  # = 25,088\n"
        "weight_ih_l0 is (4*64, 32), weight_hh_l0 is (4*64, 64), and bias_ih_l0 and "
        "bias_hh_l0 are (4*64,) each."
    ),
    diagnose=_diagnose_lstm_parameters,
)

# --- q2: the causal mask ----------------------------------------------------------------

_CAUSAL_LENGTH = 4
_CAUSAL_MASK = torch.triu(torch.ones(_CAUSAL_LENGTH, _CAUSAL_LENGTH, dtype=torch.bool), diagonal=1)


def _is_causal_mask(answer: Any) -> bool:
    mask = as_bool_mask(answer)
    return mask.shape == _CAUSAL_MASK.shape and bool(torch.equal(mask, _CAUSAL_MASK))


def _diagnose_causal_mask(answer: Any) -> str | None:
    mask = as_bool_mask(answer)
    if mask.shape != _CAUSAL_MASK.shape:
        return (
            f"The mask is square: one row per query position, ({_CAUSAL_LENGTH}, {_CAUSAL_LENGTH})."
        )
    if torch.equal(mask, _CAUSAL_MASK.T):
        return "Transposed: row i is the position that looks, column j the position looked at."
    if torch.equal(mask, ~_CAUSAL_MASK):
        return "Inverted: True must mean 'may NOT attend' (the future), False 'may attend'."
    if torch.equal(mask, torch.triu(torch.ones_like(mask), diagonal=0)):
        return "A position may attend to itself: keep the diagonal False."
    return None


q2 = Exercise(
    name="nb02.q2",
    question=(
        f"Build the causal mask for a sequence of length {_CAUSAL_LENGTH} as a boolean tensor "
        "in which True means 'this query position may NOT attend to this key position' "
        "(the convention of torch.nn.TransformerEncoder)."
    ),
    is_correct=_is_causal_mask,
    hint_text=(
        "Row i is the query position, column j the key position. Position i may see "
        "positions 0..i and must not see j > i: that is the part above the diagonal "
        "(torch.triu with diagonal=1)."
    ),
    solution_text=(
        "answer = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)\n"
        "tensor([[False,  True,  True,  True],\n"
        "        [False, False,  True,  True],\n"
        "        [False, False, False,  True],\n"
        "        [False, False, False, False]])"
    ),
    diagnose=_diagnose_causal_mask,
)

# --- q3: how long a forget gate remembers -----------------------------------------------

_FORGET_BIAS = 3.0
_FORGET_STEPS = 50
_FORGET_GATE = 1 / (1 + math.exp(-_FORGET_BIAS))
_SURVIVING_FRACTION = _FORGET_GATE**_FORGET_STEPS


def _diagnose_forget(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number between 0 and 1."
    if math.isclose(value, 0.5**_FORGET_STEPS, rel_tol=1e-2):
        return f"sigmoid({_FORGET_BIAS:g}) is not 0.5: a forget bias of 0 would give 0.5."
    if math.isclose(value, _FORGET_GATE, rel_tol=1e-3):
        return (
            f"That is one step. The cell is multiplied by f at each of the {_FORGET_STEPS} steps."
        )
    if math.isclose(value, _FORGET_BIAS**_FORGET_STEPS, rel_tol=1e-3):
        return "Pass the bias through the sigmoid first: f = 1 / (1 + exp(-bias))."
    return None


q3 = Exercise(
    name="nb02.q3",
    question=(
        f"An LSTM's forget gate sits at f = sigmoid({_FORGET_BIAS:g}) on every step, and its "
        f"input gate is closed (i = 0). What fraction of the cell content c_0 is left after "
        f"{_FORGET_STEPS} steps? (The same factor multiplies the gradient flowing back "
        "along the cell.)"
    ),
    is_correct=is_close(_SURVIVING_FRACTION, 1e-3),
    hint_text=(
        "With i = 0 the update is c_t = f * c_{t-1}, so after n steps c_n = f**n * c_0. "
        "Compute f with torch.sigmoid(torch.tensor(3.0)) or 1 / (1 + math.exp(-3))."
    ),
    solution_text=(
        "answer = (1 / (1 + math.exp(-3))) ** 50  # about 0.089\n"
        "f is about 0.953, and 0.953**50 is about 9%. With f = sigmoid(0) = 0.5 only "
        "0.5**50 (about 1e-15) would survive: the forget gate sets the memory's half-life."
    ),
    diagnose=_diagnose_forget,
)

# --- q4: parameters of a Transformer block ----------------------------------------------

_MODEL_SIZE = 64
_NUM_HEADS = 4
_FEEDFORWARD_SIZE = 256


def _transformer_layer_parameter_count(model_size: int, feedforward_size: int) -> int:
    """Return the parameters of one torch.nn.TransformerEncoderLayer (any number of heads)."""
    attention = 3 * model_size * model_size + 3 * model_size  # query, key, value projections
    attention += model_size * model_size + model_size  # output projection
    feedforward = model_size * feedforward_size + feedforward_size
    feedforward += feedforward_size * model_size + model_size
    layer_norms = 2 * (2 * model_size)  # a scale and a shift, twice
    return attention + feedforward + layer_norms


def _diagnose_transformer_parameters(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a whole number."
    expected = _transformer_layer_parameter_count(_MODEL_SIZE, _FEEDFORWARD_SIZE)
    if value == expected - 4 * _MODEL_SIZE:
        return "You left out the two LayerNorms (a weight and a bias of size d_model each)."
    if value == expected - (4 * _MODEL_SIZE + _FEEDFORWARD_SIZE):
        return "You left out the biases of the linear layers."
    if value == _NUM_HEADS * expected:
        return "The number of heads does not change the parameter count: heads split d_model."
    return None


q4 = Exercise(
    name="nb02.q4",
    question=(
        f"How many parameters does torch.nn.TransformerEncoderLayer(d_model={_MODEL_SIZE}, "
        f"nhead={_NUM_HEADS}, dim_feedforward={_FEEDFORWARD_SIZE}) have?"
    ),
    is_correct=is_close(_transformer_layer_parameter_count(_MODEL_SIZE, _FEEDFORWARD_SIZE), 1e-9),
    hint_text=(
        "Add up: query, key and value projections (3 of d x d, plus biases), the output "
        "projection (d x d + d), the feed-forward network (d x ff + ff, then ff x d + d) and "
        "two LayerNorms (2 x d each). The number of heads does not appear."
    ),
    solution_text=(
        "answer = (3 * 64 * 64 + 3 * 64) + (64 * 64 + 64) + (64 * 256 + 256) + (256 * 64 + 64) "
        "+ 2 * 2 * 64  # = 49,984\n"
        "Heads split the 64 dimensions into 4 groups of 16; they share the same projection "
        "matrices, so nhead changes the computation, not the parameter count."
    ),
    diagnose=_diagnose_transformer_parameters,
)
