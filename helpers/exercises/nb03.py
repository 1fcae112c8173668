"""Exercises for notebook 03, the mathematics of self-attention: masks, attention, heads.

Used by notebooks/03_self_attention_math.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from helpers.attention import causal_mask, scaled_dot_product_attention, split_heads
from helpers.exercises import Exercise, as_bool_mask

# --- q1: the causal mask ----------------------------------------------------------------

_Q1_SEQ_LEN = 5


def _is_causal_mask(answer: Any) -> bool:
    mask = as_bool_mask(answer)
    return mask.shape == (_Q1_SEQ_LEN, _Q1_SEQ_LEN) and torch.equal(mask, causal_mask(_Q1_SEQ_LEN))


def _diagnose_causal_mask(answer: Any) -> str | None:
    mask = as_bool_mask(answer)
    if mask.shape != (_Q1_SEQ_LEN, _Q1_SEQ_LEN):
        return f"the mask should have shape ({_Q1_SEQ_LEN}, {_Q1_SEQ_LEN}), one row per query."
    expected = causal_mask(_Q1_SEQ_LEN)
    if torch.equal(mask, expected.T):
        return "rows are queries and columns are keys: row i may see columns 0..i, not i..end."
    if torch.equal(mask, ~expected):
        return (
            "that is torch.nn.MultiheadAttention's convention (True = blocked). In this course "
            "True means 'may attend'."
        )
    if torch.equal(mask, expected.tril(diagonal=-1)):
        return "a token may attend to itself: keep the diagonal."
    return None


q1 = Exercise(
    name="nb03.q1",
    question=(
        f"Build the causal mask for a sequence of {_Q1_SEQ_LEN} tokens: a boolean "
        f"({_Q1_SEQ_LEN}, {_Q1_SEQ_LEN}) tensor whose entry [i, j] is True when query i may "
        "attend to key j."
    ),
    is_correct=_is_causal_mask,
    hint_text=(
        "Position i may look at positions 0, 1, ..., i and never later ones: that is the lower "
        "triangle of a square matrix, diagonal included. Look at torch.tril."
    ),
    solution_text=(
        "answer = torch.tril(torch.ones(5, 5, dtype=torch.bool))\n"
        "Row i (the query) is True in columns 0..i (the keys it may see), so the lower "
        "triangle with its diagonal is True and everything above it is False."
    ),
    diagnose=_diagnose_causal_mask,
)

# --- q2: attention by hand --------------------------------------------------------------

QUERY = torch.tensor([[1.0, 0.0], [0.0, 2.0]])  # 2 queries, d_k = 2
KEY = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # 3 keys
VALUE = torch.tensor([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])  # one value per key


def _expected_tiny_output() -> torch.Tensor:
    """Return the attention output for QUERY, KEY and VALUE, worked out by the course's code."""
    output, _ = scaled_dot_product_attention(QUERY, KEY, VALUE)
    return output


def _is_tiny_output(answer: Any) -> bool:
    answer = torch.as_tensor(answer, dtype=torch.float32)
    expected = _expected_tiny_output()
    return answer.shape == expected.shape and torch.allclose(answer, expected, atol=1e-3)


def _diagnose_tiny_output(answer: Any) -> str | None:
    answer = torch.as_tensor(answer, dtype=torch.float32)
    unscaled = torch.softmax(QUERY @ KEY.T, dim=-1) @ VALUE
    weights = torch.softmax(QUERY @ KEY.T / math.sqrt(2), dim=-1)
    wrong_axis = torch.softmax(QUERY @ KEY.T / math.sqrt(2), dim=0) @ VALUE
    if answer.shape == unscaled.shape and torch.allclose(answer, unscaled, atol=1e-3):
        return "close: you forgot to divide the scores by sqrt(d_k) = sqrt(2) before the softmax."
    if answer.shape == weights.shape and torch.allclose(answer, weights, atol=1e-3):
        return "those are the attention weights; the output is the weights times VALUE."
    if answer.shape == wrong_axis.shape and torch.allclose(answer, wrong_axis, atol=1e-3):
        return (
            "the softmax goes along the keys (the last dimension), so each query's row sums to 1."
        )
    if answer.shape != (2, 2):
        return "the output has one row per query and one column per value feature: shape (2, 2)."
    return None


q2 = Exercise(
    name="nb03.q2",
    question=(
        "With nb03.QUERY (2 x 2), nb03.KEY (3 x 2) and nb03.VALUE (3 x 2), compute the attention "
        "output softmax(QUERY KEY^T / sqrt(d_k)) VALUE step by step with @, / and torch.softmax "
        "(not with a ready-made attention function)."
    ),
    is_correct=_is_tiny_output,
    hint_text=(
        "Three steps: scores = QUERY @ KEY.T / math.sqrt(2) (shape 2 x 3); "
        "weights = torch.softmax(scores, dim=-1); output = weights @ VALUE."
    ),
    solution_text=(
        "scores = nb03.QUERY @ nb03.KEY.T / math.sqrt(2)   # (2 queries, 3 keys)\n"
        "weights = torch.softmax(scores, dim=-1)          # each row sums to 1\n"
        "answer = weights @ nb03.VALUE                    # (2, 2)\n"
        "The first query points along the first axis, so it leans on keys 0 and 2 and its "
        "output is pulled towards their values."
    ),
    diagnose=_diagnose_tiny_output,
)

# --- q3: split_heads --------------------------------------------------------------------


def _sample_hidden_states() -> torch.Tensor:
    """Return a fixed random (batch, seq, hidden) = (2, 5, 12) tensor to test split_heads on."""
    generator = torch.Generator().manual_seed(3)
    return torch.randn(2, 5, 12, generator=generator)  # (batch, seq, hidden)


def _is_split_heads(answer: Callable[[torch.Tensor, int], torch.Tensor]) -> bool:
    hidden_states = _sample_hidden_states()
    for num_heads in (3, 4):
        result = answer(hidden_states, num_heads)
        expected = split_heads(hidden_states, num_heads)
        if result is None or result.shape != expected.shape or not torch.equal(result, expected):
            return False
    return True


def _diagnose_split_heads(answer: Callable[[torch.Tensor, int], torch.Tensor]) -> str | None:
    hidden_states = _sample_hidden_states()
    result = answer(hidden_states, 3)
    if result is None:
        return "your function returns None: write its body (and return the reshaped tensor)."
    if result.shape == (2, 5, 3, 4):
        return "almost: after view(batch, seq, heads, head_dim), swap the seq and heads axes."
    if result.shape == (2, 3, 5, 4):
        return (
            "the shape is right but the numbers are shuffled: view as (batch, seq, heads, "
            "head_dim) first, then transpose(1, 2). A direct view to (batch, heads, seq, "
            "head_dim) mixes features of different tokens."
        )
    return "the result should have shape (batch, heads, seq, head_dim) = (2, 3, 5, 4) here."


q3 = Exercise(
    name="nb03.q3",
    question=(
        "Write split_heads(hidden_states, num_heads) that turns a (batch, seq, hidden) tensor "
        "into (batch, heads, seq, head_dim), head h holding features h*head_dim ... "
        "(h+1)*head_dim - 1. Pass the function itself as the answer."
    ),
    is_correct=_is_split_heads,
    hint_text=(
        "Two moves: .view(batch, seq, num_heads, hidden // num_heads) cuts each token's vector "
        "into pieces, then .transpose(1, 2) brings the heads axis in front of seq."
    ),
    solution_text=(
        "def answer(hidden_states, num_heads):\n"
        "    batch, seq, hidden = hidden_states.shape\n"
        "    pieces = hidden_states.view(batch, seq, num_heads, hidden // num_heads)\n"
        "    return pieces.transpose(1, 2)  # (batch, heads, seq, head_dim)"
    ),
    diagnose=_diagnose_split_heads,
)

# --- q4: parameters of a multi-head attention layer -------------------------------------

_Q4_HIDDEN_SIZE = 768
_Q4_NUM_HEADS = 12
_Q4_PARAMETERS = 4 * (_Q4_HIDDEN_SIZE * _Q4_HIDDEN_SIZE + _Q4_HIDDEN_SIZE)  # 2,362,368


def _is_attention_parameters(answer: Any) -> bool:
    return int(answer) == _Q4_PARAMETERS


def _diagnose_attention_parameters(answer: Any) -> str | None:
    value = int(answer)
    hidden = _Q4_HIDDEN_SIZE
    if value == 4 * hidden * hidden:
        return "each of the four Linear layers also has a bias of 768 numbers."
    if value == 3 * (hidden * hidden + hidden):
        return "don't forget the output projection that mixes the heads back together."
    if value * _Q4_NUM_HEADS == _Q4_PARAMETERS or value == _Q4_PARAMETERS * _Q4_NUM_HEADS:
        return (
            "the number of heads does not change the count: the heads share out the 768 "
            "output features of each projection, they do not multiply them."
        )
    return None


q4 = Exercise(
    name="nb03.q4",
    question=(
        f"How many parameters (weights and biases) does MultiHeadAttention(hidden_size="
        f"{_Q4_HIDDEN_SIZE}, num_heads={_Q4_NUM_HEADS}) have? That is one attention layer of "
        "bert-base."
    ),
    is_correct=_is_attention_parameters,
    hint_text=(
        "Four Linear(768, 768) layers: query, key, value and output projections. A Linear(n, m) "
        "holds n*m weights and m biases. The heads only reshape; they add no parameters."
    ),
    solution_text=(
        "answer = 4 * (768 * 768 + 768)  # = 2,362,368\n"
        "Check it: sum(p.numel() for p in MultiHeadAttention(768, 12).parameters())."
    ),
    diagnose=_diagnose_attention_parameters,
)
