"""Checked exercises: each notebook's questions, with `check`, `hint` and `solution`.

In a notebook::

    from helpers.exercises import nb01
    nb01.q1.check(my_answer)   # says correct, or gives a hint
    nb01.q1.hint()             # a nudge without the answer
    nb01.q1.solution()         # one correct answer, on request

Each notebook has its own module here (``nb01.py`` ...) holding ``Exercise`` objects named
``q1``, ``q2``, ... Every module is written the same way:

- its docstring names the notebook that uses it;
- one section per exercise, headed ``# --- q1: what it asks ---``, holding the exercise's
  data, a ``_is_...`` test of the answer (or a shared one from here: `is_close`,
  `tensors_close`), a ``_diagnose_...`` that turns a known mistake into a hint, and ``qN``;
- it defines no public names but ``q1``, ``q2``, ... and the data a notebook reads
  (``nb03.QUERY``): expected answers, and the code that works them out, are private so that
  tab completion does not show them.

Helpers that more than one module needs live here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer: truthy when correct, and a message for the learner."""

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Advice:
    """Text shown by `hint()` or `solution()`; displays as plain text in a notebook."""

    text: str

    def __repr__(self) -> str:
        return self.text


@dataclass
class Exercise:
    """One exercise: a test of the answer, a hint for wrong answers, and a solution."""

    name: str
    question: str
    is_correct: Callable[[Any], bool]
    hint_text: str
    solution_text: str
    # Optional: looks at a wrong answer and returns a hint aimed at that mistake, or None.
    diagnose: Callable[[Any], str | None] | None = None

    def check(self, answer: Any) -> CheckResult:
        """Return whether `answer` is correct, with a hint when it is not."""
        if answer is None:  # the exercise cell's placeholder, not yet replaced
            return CheckResult(
                False,
                f"✗ {self.name}: no answer yet.\n"
                "Hint: replace the placeholder None with your answer, then run the cell again.",
            )
        try:
            correct = bool(self.is_correct(answer))
        except Exception as error:  # a wrong type or shape is a wrong answer, not a crash
            return CheckResult(
                False,
                f"✗ {self.name}: checking your answer raised {type(error).__name__}: {error}\n"
                f"Hint: {self.hint_text}",
            )
        if correct:
            return CheckResult(True, f"✓ {self.name}: correct!")
        specific = self.diagnose(answer) if self.diagnose else None
        return CheckResult(
            False,
            f"✗ {self.name}: not yet.\nHint: {specific or self.hint_text}\n"
            f"(Call {self.name}.solution() to see one correct answer.)",
        )

    def hint(self) -> Advice:
        """Return a nudge towards the answer."""
        return Advice(f"Hint for {self.name}: {self.hint_text}")

    def solution(self) -> Advice:
        """Return one correct answer, with the reasoning."""
        return Advice(f"Solution to {self.name}:\n{self.solution_text}")


def is_close(expected: float, tolerance: float = 1e-3) -> Callable[[Any], bool]:
    """Return a test that accepts a number within `tolerance` of `expected` (relative)."""

    def test(answer: Any) -> bool:
        value = float(answer)
        return abs(value - expected) <= tolerance * max(1.0, abs(expected))

    return test


def tensors_close(expected: torch.Tensor, atol: float = 1e-4) -> Callable[[Any], bool]:
    """Return a test that accepts a tensor of the same shape and values as `expected`."""

    def test(answer: Any) -> bool:
        answer = torch.as_tensor(answer, dtype=expected.dtype)
        return answer.shape == expected.shape and torch.allclose(answer, expected, atol=atol)

    return test


def as_float(answer: Any) -> float | None:
    """Return `answer` as a float, or None when it is not a number."""
    try:
        return float(answer)
    except (TypeError, ValueError, RuntimeError):
        return None


def as_bool_mask(answer: Any) -> torch.Tensor:
    """Return `answer` (a tensor, nested list, 0/1 or bool) as a boolean tensor."""
    return torch.as_tensor(answer).bool()
