"""Checked exercises: each notebook's questions, with `check`, `hint` and `solution`.

In a notebook::

    from helpers.exercises import nb01
    nb01.q1.check(my_answer)   # says correct, or gives a hint
    nb01.q1.hint()             # the next hint: a first nudge, then a more specific one
    nb01.q1.solution()         # one correct answer, where solutions are installed

Each exercise has two halves (the format is described in docs/classroom.md):

- ``helpers/exercises/nbNN.py``, public: ``q1 = Exercise(...)`` with the question, its kind
  (``"value"``, ``"function"`` or ``"written"``), its points, the starter cell, hints as steps,
  and a public ``diagnose`` that looks only at the form of an answer (type, shape, range) and
  at mistakes that can be spotted without the expected answer. It never returns a hint for a
  right answer, and its module never holds an expected answer or the code that computes one.
- ``helpers/exercises/answers/nbNN.py``, answer-bearing: ``q1 = Key(...)`` with the test of a
  right answer (or the hidden cases of a function answer), the diagnoses that need the expected
  answer (a `Credit` earns part of the points), the solution and, for written answers, the
  rubric. An assessed release moves these modules to the instructor's hidden location; without
  them `check` runs the public checks only and says the answer is graded later.

A public module defines no public names but ``q1``, ``q2``, ... and the data a notebook reads
(``nb03.QUERY``). Helpers that more than one module needs live here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from helpers.exercises.format import (
    Advice,
    Case,
    CaseResult,
    CheckResult,
    Credit,
    Exercise,
    Key,
    same,
)
from helpers.exercises.summary import your_progress

__all__ = [
    "Advice",
    "Case",
    "CaseResult",
    "CheckResult",
    "Credit",
    "Exercise",
    "Key",
    "as_bool_mask",
    "as_float",
    "is_close",
    "fraction_form",
    "number_form",
    "same",
    "tensors_close",
    "your_progress",
]


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


def number_form(answer: Any, whole: bool = False) -> str | None:
    """Return a hint when `answer` is not a (whole) number, else None: a public form check."""
    value = as_float(answer)
    if value is None:
        return "Give a whole number." if whole else "Give a single number."
    if whole and not value.is_integer():
        return "Give a whole number."
    return None


def fraction_form(answer: Any) -> str | None:
    """Return a hint when `answer` is not a number between 0 and 1, else None: a form check."""
    value = as_float(answer)
    if value is None:
        return "Give a single number between 0 and 1."
    if not 0 <= value <= 1:
        return "give a fraction between 0 and 1."
    return None


def as_bool_mask(answer: Any) -> torch.Tensor:
    """Return `answer` (a tensor, nested list, 0/1 or bool) as a boolean tensor."""
    return torch.as_tensor(answer).bool()
