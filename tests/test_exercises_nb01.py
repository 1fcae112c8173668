"""Each exercise of notebook 01 accepts a right answer and explains a wrong one."""

from __future__ import annotations

import math

import pytest

from helpers.exercises import nb01

RIGHT_AND_WRONG = {
    "q1": (0.2 * 0.5 * 0.4, 0.2 + 0.5 + 0.4),
    "q2": (30_522, math.log(30_522)),
    "q3": ([0.0, 0.0, 0.0, 1.0], [0.25, 0.25, 0.25, 0.25]),
    "q4": ([9 / 14, 3 / 14, 1 / 14, 1 / 14], [0.8, 0.2, 0.0, 0.0]),
}


@pytest.mark.parametrize("name", sorted(RIGHT_AND_WRONG))
def test_right_answer_is_accepted(name: str) -> None:
    right, _wrong = RIGHT_AND_WRONG[name]
    result = getattr(nb01, name).check(right)
    assert result, result.message


@pytest.mark.parametrize("name", sorted(RIGHT_AND_WRONG))
def test_wrong_answer_is_refused_with_a_hint(name: str) -> None:
    _right, wrong = RIGHT_AND_WRONG[name]
    result = getattr(nb01, name).check(wrong)
    assert not result
    assert "Hint:" in result.message


def test_specific_hints_target_common_mistakes() -> None:
    assert "multiplies" in nb01.q1.check(1.1).message
    assert "exp" in nb01.q2.check(math.log(30_522)).message
    assert "infinity" in nb01.q3.check([0.25] * 4).message
    assert "sum to 1" in nb01.q4.check([9 / 10, 3 / 10, 1 / 10, 1 / 10]).message
