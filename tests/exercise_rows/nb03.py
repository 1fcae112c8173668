"""Rows of the exercise table for notebook 03."""

import math

import torch

from helpers.attention import MultiHeadAttention
from helpers.exercises import nb03

from .common import Computed, parameter_count, unfinished


def attention_parameters() -> int:
    """Return the parameter count of the course's MultiHeadAttention(768, 12)."""
    return parameter_count(MultiHeadAttention(768, 12))


def split_heads(hidden_states: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Cut each token's vector into heads: (batch, seq, hidden) -> (batch, heads, seq, dim)."""
    batch, seq, hidden = hidden_states.shape
    return hidden_states.view(batch, seq, num_heads, hidden // num_heads).transpose(1, 2)


def split_heads_by_one_view(hidden_states: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Reshape straight to (batch, heads, seq, dim): right shape, features of mixed tokens."""
    batch, seq, hidden = hidden_states.shape
    return hidden_states.view(batch, num_heads, seq, hidden // num_heads)


ALLOWED_5 = torch.tril(torch.ones(5, 5, dtype=torch.bool))  # True = may attend
SCORES = nb03.QUERY @ nb03.KEY.T / math.sqrt(2)

ROWS = [
    (
        nb03.q1,
        [ALLOWED_5, ALLOWED_5.int().tolist()],  # 0/1 lists work too
        [
            (torch.triu(torch.ones(5, 5, dtype=torch.bool)), "rows are queries"),
            (~ALLOWED_5, "MultiheadAttention's convention"),
        ],
    ),
    (
        nb03.q2,
        [torch.softmax(SCORES, dim=-1) @ nb03.VALUE],
        [
            (torch.softmax(nb03.QUERY @ nb03.KEY.T, dim=-1) @ nb03.VALUE, "sqrt(d_k)"),
            (torch.softmax(SCORES, dim=-1), "those are the attention weights"),
        ],
    ),
    (
        nb03.q3,
        [split_heads],
        [(unfinished, "returns None"), (split_heads_by_one_view, "shuffled")],
    ),
    (
        nb03.q4,
        [Computed(attention_parameters), 2_362_368],
        [(4 * 768 * 768, "also has a bias of 768")],
    ),
]
