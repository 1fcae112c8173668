"""Each exercise of notebook 02 accepts a right answer and explains a wrong one."""

from __future__ import annotations

import math

import pytest
import torch

from helpers.exercises import nb02

CAUSAL = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)

RIGHT_AND_WRONG = {
    "q1": (sum(p.numel() for p in torch.nn.LSTM(32, 64).parameters()), 64 * (32 + 64) + 64),
    "q2": (CAUSAL, CAUSAL.T),
    "q3": ((1 / (1 + math.exp(-3))) ** 50, 0.5**50),
    "q4": (
        sum(p.numel() for p in torch.nn.TransformerEncoderLayer(64, 4, 256).parameters()),
        4 * 49_984,
    ),
}


@pytest.mark.parametrize("name", sorted(RIGHT_AND_WRONG))
def test_right_answer_is_accepted(name: str) -> None:
    right, _wrong = RIGHT_AND_WRONG[name]
    result = getattr(nb02, name).check(right)
    assert result, result.message


@pytest.mark.parametrize("name", sorted(RIGHT_AND_WRONG))
def test_wrong_answer_is_refused_with_a_hint(name: str) -> None:
    _right, wrong = RIGHT_AND_WRONG[name]
    result = getattr(nb02, name).check(wrong)
    assert not result
    assert "Hint:" in result.message


def test_the_mask_exercise_accepts_integer_masks() -> None:
    assert nb02.q2.check(CAUSAL.int())


def test_specific_hints_target_common_mistakes() -> None:
    assert "four gates" in nb02.q1.check(64 * (32 + 64) + 2 * 64).message
    assert "two bias" in nb02.q1.check(4 * (64 * (32 + 64) + 64)).message
    assert "Transposed" in nb02.q2.check(CAUSAL.T).message
    assert "itself" in nb02.q2.check(torch.triu(torch.ones(4, 4), diagonal=0)).message
    assert "one step" in nb02.q3.check(1 / (1 + math.exp(-3))).message
    assert "heads" in nb02.q4.check(4 * 49_984).message
