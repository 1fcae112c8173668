"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 03's exercises."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from helpers.attention import causal_mask, scaled_dot_product_attention, split_heads
from helpers.exercises import Case, Credit, Key, as_bool_mask
from helpers.exercises.nb03 import (
    _Q1_SEQ_LEN,
    _Q4_HIDDEN_SIZE,
    _Q4_NUM_HEADS,
    KEY,
    QUERY,
    VALUE,
    _sample_hidden_states,
)

# --- q1: the causal mask ----------------------------------------------------------------


def _is_causal_mask(answer: Any) -> bool:
    mask = as_bool_mask(answer)
    return mask.shape == (_Q1_SEQ_LEN, _Q1_SEQ_LEN) and torch.equal(mask, causal_mask(_Q1_SEQ_LEN))


def _diagnose_causal_mask(answer: Any) -> str | None:
    mask = as_bool_mask(answer)
    expected = causal_mask(_Q1_SEQ_LEN)
    if mask.shape != expected.shape:
        return None  # the public form check says it
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


q1 = Key(
    is_correct=_is_causal_mask,
    diagnose=_diagnose_causal_mask,
    solution_text=(
        "answer = torch.tril(torch.ones(5, 5, dtype=torch.bool))\n"
        "Row i (the query) is True in columns 0..i (the keys it may see), so the lower "
        "triangle with its diagonal is True and everything above it is False."
    ),
    solution_cell="answer = torch.tril(torch.ones(5, 5, dtype=torch.bool))\nnb03.q1.check(answer)",
)

# --- q2: attention by hand --------------------------------------------------------------


def _expected_tiny_output() -> torch.Tensor:
    """Return the attention output for QUERY, KEY and VALUE, worked out by the course's code."""
    output, _ = scaled_dot_product_attention(QUERY, KEY, VALUE)
    return output


def _is_tiny_output(answer: Any) -> bool:
    answer = torch.as_tensor(answer, dtype=torch.float32)
    expected = _expected_tiny_output()
    return answer.shape == expected.shape and torch.allclose(answer, expected, atol=1e-3)


def _diagnose_tiny_output(answer: Any) -> str | Credit | None:
    answer = torch.as_tensor(answer, dtype=torch.float32)
    unscaled = torch.softmax(QUERY @ KEY.T, dim=-1) @ VALUE
    weights = torch.softmax(QUERY @ KEY.T / math.sqrt(2), dim=-1)
    wrong_axis = torch.softmax(QUERY @ KEY.T / math.sqrt(2), dim=0) @ VALUE
    if answer.shape == unscaled.shape and torch.allclose(answer, unscaled, atol=1e-3):
        return Credit(
            "close: you forgot to divide the scores by sqrt(d_k) = sqrt(2) before the softmax.",
            0.5,
        )
    if answer.shape == weights.shape and torch.allclose(answer, weights, atol=1e-3):
        return "those are the attention weights; the output is the weights times VALUE."
    if answer.shape == wrong_axis.shape and torch.allclose(answer, wrong_axis, atol=1e-3):
        return (
            "the softmax goes along the keys (the last dimension), so each query's row sums to 1."
        )
    return None


q2 = Key(
    is_correct=_is_tiny_output,
    diagnose=_diagnose_tiny_output,
    solution_text=(
        "scores = nb03.QUERY @ nb03.KEY.T / math.sqrt(2)   # (2 queries, 3 keys)\n"
        "weights = torch.softmax(scores, dim=-1)          # each row sums to 1\n"
        "answer = weights @ nb03.VALUE                    # (2, 2)\n"
        "The first query points along the first axis, so it leans on keys 0 and 2 and its "
        "output is pulled towards their values."
    ),
    solution_cell=(
        "scores = nb03.QUERY @ nb03.KEY.T / math.sqrt(2)\n"
        "answer = torch.softmax(scores, dim=-1) @ nb03.VALUE\n"
        "nb03.q2.check(answer)"
    ),
)

# --- q3: split_heads --------------------------------------------------------------------


def _hidden_states(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape)))


def _split_heads_case(name: str, hidden_states: torch.Tensor, num_heads: int) -> Case:
    return Case(name, (hidden_states, num_heads), split_heads(hidden_states, num_heads))


_SPLIT_HEADS_CASES = (
    _split_heads_case("the example, 3 heads", _sample_hidden_states(), 3),
    _split_heads_case("the example, 4 heads", _sample_hidden_states(), 4),
    _split_heads_case("one token", _hidden_states(1, 1, 6), 3),
    _split_heads_case("one token, batch of 2", _hidden_states(2, 1, 8), 4),
    _split_heads_case("one head", _hidden_states(3, 4, 6), 1),
    _split_heads_case("head size 1", _hidden_states(2, 3, 4), 4),
)


def _diagnose_split_heads(answer: Callable[[torch.Tensor, int], torch.Tensor]) -> str | None:
    result = answer(_sample_hidden_states(), 3)
    if isinstance(result, torch.Tensor) and result.shape == (2, 3, 5, 4):
        return (
            "the shape is right but the numbers are shuffled: view as (batch, seq, heads, "
            "head_dim) first, then transpose(1, 2). A direct view to (batch, heads, seq, "
            "head_dim) mixes features of different tokens."
        )
    return None


q3 = Key(
    cases=_SPLIT_HEADS_CASES,
    diagnose=_diagnose_split_heads,
    solution_text=(
        "def answer(hidden_states, num_heads):\n"
        "    batch, seq, hidden = hidden_states.shape\n"
        "    pieces = hidden_states.view(batch, seq, num_heads, hidden // num_heads)\n"
        "    return pieces.transpose(1, 2)  # (batch, heads, seq, head_dim)"
    ),
    solution_cell=(
        "def my_split_heads(hidden_states: torch.Tensor, num_heads: int) -> torch.Tensor:\n"
        "    batch, seq, hidden = hidden_states.shape\n"
        "    pieces = hidden_states.view(batch, seq, num_heads, hidden // num_heads)\n"
        "    return pieces.transpose(1, 2)\n\n\n"
        "nb03.q3.check(my_split_heads)"
    ),
)

# --- q4: parameters of a multi-head attention layer -------------------------------------

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


q4 = Key(
    is_correct=_is_attention_parameters,
    diagnose=_diagnose_attention_parameters,
    solution_text=(
        "answer = 4 * (768 * 768 + 768)  # = 2,362,368\n"
        "Check it: sum(p.numel() for p in MultiHeadAttention(768, 12).parameters())."
    ),
    solution_cell=(
        "layer = scratch.MultiHeadAttention(768, 12)\n"
        "answer = sum(p.numel() for p in layer.parameters())\n"
        "nb03.q4.check(answer)"
    ),
)
