"""Exercises for notebook 02, from RNN and LSTM to the Transformer: parameters, masks, memory.

Used by notebooks/02_rnn_lstm_transformer.ipynb. The keys are in answers/nb02.py.
"""

from __future__ import annotations

import math
from typing import Any

from helpers.exercises import Exercise, as_bool_mask, as_float, number_form

# --- q1: parameters of an LSTM layer ----------------------------------------------------

_LSTM_INPUT_SIZE = 32
_LSTM_HIDDEN_SIZE = 64

q1 = Exercise(
    name="nb02.q1",
    question=(
        f"How many parameters does torch.nn.LSTM(input_size={_LSTM_INPUT_SIZE}, "
        f"hidden_size={_LSTM_HIDDEN_SIZE}) have?"
    ),
    hints=(
        "Each of the four gates has its own W_ih (hidden x input), W_hh (hidden x hidden) "
        "and two bias vectors of size hidden. Check yourself with "
        "sum(p.numel() for p in layer.parameters()).",
    ),
    starter="answer = None  # your code here\nnb02.q1.check(answer)",
    diagnose=lambda answer: number_form(answer, whole=True),
)

# --- q2: the causal mask ----------------------------------------------------------------

_CAUSAL_LENGTH = 4


def _mask_form(answer: Any) -> str | None:
    if as_bool_mask(answer).shape != (_CAUSAL_LENGTH, _CAUSAL_LENGTH):
        return (
            f"The mask is square: one row per query position, ({_CAUSAL_LENGTH}, {_CAUSAL_LENGTH})."
        )
    return None


q2 = Exercise(
    name="nb02.q2",
    question=(
        f"Build the causal mask for a sequence of length {_CAUSAL_LENGTH} as a boolean tensor "
        "in which True means 'this query position may NOT attend to this key position' "
        "(the convention of torch.nn.TransformerEncoder)."
    ),
    hints=(
        "Row i is the query position, column j the key position. Position i may see "
        "positions 0..i and must not see j > i: that is the part above the diagonal "
        "(torch.triu with diagonal=1).",
    ),
    starter="answer = None  # your code here: a (4, 4) boolean tensor\nnb02.q2.check(answer)",
    diagnose=_mask_form,
)

# --- q3: how long a forget gate remembers -----------------------------------------------

_FORGET_BIAS = 3.0
_FORGET_STEPS = 50


def _diagnose_forget(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number between 0 and 1."
    if math.isclose(value, 0.5**_FORGET_STEPS, rel_tol=1e-2):
        return f"sigmoid({_FORGET_BIAS:g}) is not 0.5: a forget bias of 0 would give 0.5."
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
    hints=(
        "With i = 0 the update is c_t = f * c_{t-1}, so after n steps c_n = f**n * c_0. "
        "Compute f with torch.sigmoid(torch.tensor(3.0)) or 1 / (1 + math.exp(-3)).",
    ),
    starter="answer = None  # your code here\nnb02.q3.check(answer)",
    diagnose=_diagnose_forget,
)

# --- q4: parameters of a Transformer block ----------------------------------------------

_MODEL_SIZE = 64
_NUM_HEADS = 4
_FEEDFORWARD_SIZE = 256

q4 = Exercise(
    name="nb02.q4",
    question=(
        f"How many parameters does torch.nn.TransformerEncoderLayer(d_model={_MODEL_SIZE}, "
        f"nhead={_NUM_HEADS}, dim_feedforward={_FEEDFORWARD_SIZE}) have?"
    ),
    hints=(
        "Add up: query, key and value projections (3 of d x d, plus biases), the output "
        "projection (d x d + d), the feed-forward network (d x ff + ff, then ff x d + d) and "
        "two LayerNorms (2 x d each). The number of heads does not appear.",
    ),
    starter="answer = None  # your code here\nnb02.q4.check(answer)",
    diagnose=lambda answer: number_form(answer, whole=True),
)
