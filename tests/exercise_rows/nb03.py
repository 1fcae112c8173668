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


def attention(query, key, value, mask=None):
    """Scaled dot-product attention with a boolean mask (True = may attend)."""
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ value


def attention_blocking_where_true(query, key, value, mask=None):
    """MultiheadAttention's convention by mistake: True = blocked."""
    return attention(query, key, value, None if mask is None else ~mask)


def attention_unscaled(query, key, value, mask=None):
    """Forgets the division by sqrt(d_k)."""
    return attention(query * math.sqrt(query.size(-1)), key, value, mask)


def attention_masking_weights(query, key, value, mask=None):
    """Zeroes the weights after the softmax: rows no longer sum to 1."""
    weights = torch.softmax(query @ key.transpose(-2, -1) / math.sqrt(query.size(-1)), dim=-1)
    return (weights if mask is None else weights * mask) @ value


def attention_with_plain_exp(query, key, value, mask=None):
    """exp / sum without subtracting the maximum: overflows on large scores."""
    scores = torch.exp(query @ key.transpose(-2, -1) / math.sqrt(query.size(-1)))
    scores = scores if mask is None else scores * mask
    return scores / scores.sum(dim=-1, keepdim=True) @ value


def attention_with_dot_t(query, key, value, mask=None):
    """key.T reverses every axis of a batched tensor."""
    scores = query @ key.T / math.sqrt(query.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ value


def attention_and_weights(query, key, value, mask=None):
    """Returns (output, weights) like the course's function, not the output alone."""
    return attention(query, key, value, mask), None


def measured_saturation(head_dim: int = 64, trials: int = 2_000) -> float:
    """Measure the mean largest unscaled softmax weight over 16 keys, as section 2 does."""
    query, key = torch.randn(trials, 1, head_dim), torch.randn(trials, 16, head_dim)
    weights = torch.softmax((query @ key.transpose(1, 2)).squeeze(1), dim=-1)
    return weights.max(dim=-1).values.mean().item()


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
            (
                torch.softmax(nb03.QUERY @ nb03.KEY.T / 2, dim=-1) @ nb03.VALUE,
                "divided the scores by d_k",
            ),
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
        [
            (4 * 768 * 768, "also has a bias of 768"),
            (3 * (768 * 768 + 768), "output projection"),
            (2_362_368.9, "whole number"),
            (2_362_368 + 2 * 768, "counts a LayerNorm"),
        ],
    ),
    (
        nb03.q5,
        [attention],
        [
            (unfinished, "returns None"),
            (attention_and_weights, "not a tuple"),
            (attention_blocking_where_true, "True means 'may attend'"),
            (attention_unscaled, "divide the scores by sqrt(d_k)"),
            (attention_masking_weights, "no longer sum to 1"),
            (attention_with_plain_exp, "overflows"),
            (attention_with_dot_t, "key.T reverses every axis"),
        ],
    ),
    (
        nb03.q6,
        [2 * 384 + 1536, 2304.0],
        [
            (6 * 768, "bert-base's crossover"),
            (2 * 384, "left out the feed-forward network"),
            (1536, "left out the four projections"),
            ((2 * 384 + 1536) * 12, "you counted one head"),
            ((2 * 384 + 1536) / 12, "multiplied the attention cost by the number of heads"),
        ],
    ),
    (
        nb03.q7,
        [Computed(measured_saturation), 0.846],
        [
            (0.245, "with the division by sqrt(d_k)"),
            (0.175, "Jacobian norm"),
            (0.924, "another head size"),
            (0.779, "another head size"),  # d_k = 32, in full mode's table
            (8.0, "between 0 and 1"),
        ],
    ),
]
