"""Each notebook-03 exercise accepts a right answer and refuses a wrong one."""

from __future__ import annotations

import math

import torch

from helpers.attention import MultiHeadAttention
from helpers.exercises import nb03


def test_q1_causal_mask():
    assert nb03.q1.check(torch.tril(torch.ones(5, 5, dtype=torch.bool)))
    assert nb03.q1.check(torch.tril(torch.ones(5, 5)).int().tolist())  # 0/1 lists work too
    wrong = nb03.q1.check(torch.triu(torch.ones(5, 5, dtype=torch.bool)))
    assert not wrong and "rows are queries" in wrong.message
    assert not nb03.q1.check(~torch.tril(torch.ones(5, 5, dtype=torch.bool)))
    assert not nb03.q1.check(None)


def test_q2_attention_by_hand():
    scores = nb03.QUERY @ nb03.KEY.T / math.sqrt(2)
    assert nb03.q2.check(torch.softmax(scores, dim=-1) @ nb03.VALUE)
    unscaled = torch.softmax(nb03.QUERY @ nb03.KEY.T, dim=-1) @ nb03.VALUE
    wrong = nb03.q2.check(unscaled)
    assert not wrong and "sqrt(d_k)" in wrong.message
    assert not nb03.q2.check(torch.softmax(scores, dim=-1))
    assert not nb03.q2.check(None)


def test_q3_split_heads():
    def right(hidden_states, num_heads):
        batch, seq, hidden = hidden_states.shape
        return hidden_states.view(batch, seq, num_heads, hidden // num_heads).transpose(1, 2)

    def wrong(hidden_states, num_heads):
        batch, seq, hidden = hidden_states.shape
        return hidden_states.view(batch, num_heads, seq, hidden // num_heads)

    def unfinished(hidden_states, num_heads):
        return None

    assert nb03.q3.check(right)
    assert "returns None" in nb03.q3.check(unfinished).message
    result = nb03.q3.check(wrong)
    assert not result and "shuffled" in result.message
    assert not nb03.q3.check(None)


def test_q4_attention_parameters():
    count = sum(parameter.numel() for parameter in MultiHeadAttention(768, 12).parameters())
    assert count == nb03.Q4_PARAMETERS == 2_362_368
    assert nb03.q4.check(count)
    wrong = nb03.q4.check(4 * 768 * 768)
    assert not wrong and "bias" in wrong.message
    assert not nb03.q4.check(None)
