"""The exercise format: a public `Exercise` and its answer-bearing `Key`.

An `Exercise` holds what every student may read: the question, its points, the starter cell,
hints as steps, and a public `diagnose` that looks at the form of an answer (type, shape,
range) and at mistakes that can be spotted without knowing the right answer. Its `Key`, in
``helpers/exercises/answers/nbNN.py``, holds the rest: the test of a right answer, the hidden
cases of a function answer, the diagnoses that need the expected answer, the solution and the
rubric of a written answer. `python -m helpers.classroom release --assessed` leaves the keys
out of the students' package; without its key an exercise checks the form only.

Used by every notebook, through helpers.exercises.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from helpers.exercises import capture, release_info

KINDS = ("value", "function", "written")


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer: truthy when correct, and a message for the learner."""

    correct: bool
    message: str
    status: str = ""  # "correct", "wrong", "empty", "recorded" (graded later)

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


@dataclass(frozen=True)
class Credit:
    """A diagnosis worth part of the points: a known mistake that earns `fraction` of them."""

    hint: str
    fraction: float


@dataclass(frozen=True)
class Case:
    """One hidden case of a function answer: a name students see, arguments and the result."""

    name: str
    args: tuple
    expected: Any


def same(result: Any, expected: Any) -> bool:
    """Return True when `result` equals `expected` (tensors: same shape and values)."""
    if isinstance(expected, torch.Tensor):
        return (
            isinstance(result, torch.Tensor)
            and result.shape == expected.shape
            and bool(torch.equal(result.to(expected.dtype), expected))
        )
    if isinstance(expected, float):
        return isinstance(result, int | float) and math.isclose(result, expected, rel_tol=1e-6)
    return result == expected


_CHANGED_IN_PLACE = "ChangedInPlace: the result is right but an argument was changed in place"


@dataclass(frozen=True)
class CaseResult:
    """How a function answer did on one hidden case."""

    name: str
    passed: bool
    error: str = ""


@dataclass(frozen=True)
class Key:
    """The answer-bearing half of an exercise: instructor-only in an assessed release."""

    solution_text: str
    solution_cell: str  # the exercise cell answered: solution notebooks and the leak audit
    is_correct: Callable[[Any], bool] | None = None  # value answers
    cases: tuple[Case, ...] = ()  # function answers: graded by the share passed
    compare: Callable[[Any, Any], bool] = same
    diagnose: Callable[[Any], str | Credit | None] | None = None
    rubric: tuple[str, ...] = ()  # written answers: what a teaching assistant looks for
    keeps_arguments: bool = False  # function answers: changing an argument in place fails

    def run_cases(self, function: Callable[..., Any]) -> list[CaseResult]:
        """Return the result of `function` on every hidden case."""
        results = []
        for case in self.cases:
            arguments = copy.deepcopy(case.args)
            try:
                passed = bool(self.compare(function(*arguments), case.expected))
            except Exception as error:  # a crash on one case fails that case only
                results.append(CaseResult(case.name, False, f"{type(error).__name__}: {error}"))
                continue
            if passed and self.keeps_arguments and not all(map(same, arguments, case.args)):
                results.append(CaseResult(case.name, False, _CHANGED_IN_PLACE))
                continue
            results.append(CaseResult(case.name, passed))
        return results

    def mistake_credit(self, answer: Any) -> float:
        """Return the share of the points a known mistake earns (diagnose's Credit), else 0."""
        diagnosis = safe_diagnosis(self.diagnose, answer)
        return diagnosis.fraction if isinstance(diagnosis, Credit) else 0.0

    def accepts(self, answer: Any) -> bool:
        """Return True when `answer` is right (a function: it passes every hidden case)."""
        if self.cases:
            return all(result.passed for result in self.run_cases(answer))
        return bool(self.is_correct(answer)) if self.is_correct else False


def safe_diagnosis(diagnose: Callable[[Any], Any] | None, answer: Any) -> str | Credit | None:
    """Return what `diagnose` says about `answer`, or None when it has nothing or crashes."""
    if diagnose is None:
        return None
    try:
        return diagnose(answer)
    except Exception:  # a diagnosis is a bonus: a wrong type is the form check's business
        return None


def _placeholder() -> None:
    return None


def is_placeholder_function(answer: Any) -> bool:
    """Return True for a function whose whole body is `return None`: a starter left as it is."""
    code = getattr(answer, "__code__", None)
    return code is not None and code.co_code == _placeholder.__code__.co_code


def hint_of(diagnosis: str | Credit | None) -> str | None:
    """Return the text of a diagnosis."""
    return diagnosis.hint if isinstance(diagnosis, Credit) else diagnosis


@dataclass
class Exercise:
    """One exercise: its public half (question, points, starter, hints, public checks)."""

    name: str  # as the notebook spells it: "nb03.q1"
    question: str
    hints: tuple[str, ...]  # steps: hint() gives the next one
    starter: str  # the exercise cell as students get it; its `.check(` line must stay
    kind: str = "value"  # "value", "function" or "written"
    points: float = 1.0
    # Public: looks at the form of an answer and at mistakes that need no expected answer;
    # returns a hint, or None. It must return None for every right answer.
    diagnose: Callable[[Any], str | None] | None = None
    needs_earlier_results: bool = False  # grading runs the notebook top to bottom
    min_words: int = 10  # written answers
    key: Key | None = None  # given here only for self-contained exercises (tests, demos)
    last_status: str = field(default="", init=False, repr=False, compare=False)
    _hint_step: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS or not self.hints:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, with at least one hint")

    @property
    def check_line(self) -> str:
        """Return the starter's line that calls `check`, as a release has it."""
        return next(line for line in self.starter.splitlines() if f"{self.name}.check(" in line)

    def answer_key(self) -> Key | None:
        """Return this exercise's key, or None where it is not installed (assessed release)."""
        return self.key or capture.load_key(self.name)

    def check(self, answer: Any) -> CheckResult:
        """Return whether `answer` is correct, with a hint when it is not."""
        result = self._verdict(answer)
        self.last_status = result.status
        capture.record(self, answer, result.message)
        return result

    def _verdict(self, answer: Any) -> CheckResult:
        if answer is None:  # the exercise cell's placeholder, not yet replaced
            return CheckResult(
                False,
                f"– {self.name}: no answer yet (not attempted).\n"
                "Hint: replace the placeholder None with your answer, then run the cell again.",
                "empty",
            )
        if self.kind == "function" and is_placeholder_function(answer):
            return CheckResult(
                False,
                f"– {self.name}: no answer yet (not attempted).\n"
                "Hint: your function returns None and does nothing else: write its body "
                "(replace the placeholder), then run the cell again.",
                "empty",
            )
        if self.kind == "written":
            return self._written(answer)
        if self.kind == "function" and not callable(answer):
            return CheckResult(
                False, f"✗ {self.name}: pass the function itself (its name, not a call).", "wrong"
            )
        key = self.answer_key()
        if key is None:
            return self._public_only(answer)
        if self.kind == "function":
            return self._function_verdict(key, answer)
        try:
            correct = key.accepts(answer)
        except Exception as error:  # a wrong type or shape is a wrong answer, not a crash
            return self._raised(error)
        return self._value_verdict(key, answer, correct)

    def _value_verdict(self, key: Key, answer: Any, correct: bool, note: str = "") -> CheckResult:
        if correct:
            return CheckResult(True, f"✓ {self.name}: correct!", "correct")
        specific = hint_of(safe_diagnosis(key.diagnose, answer))
        specific = specific or safe_diagnosis(self.diagnose, answer) or note
        return CheckResult(
            False,
            f"✗ {self.name}: not yet.\nHint: {specific or self.hints[0]}\n"
            f"(Call {self.name}.solution() to see one correct answer.)",
            "wrong",
        )

    def _function_verdict(self, key: Key, function: Callable[..., Any]) -> CheckResult:
        results = key.run_cases(function)
        passed = sum(result.passed for result in results)
        errors = [result for result in results if result.error]
        note = (
            f"your function raised {errors[0].error} on the case '{errors[0].name}'."
            if errors
            else ""
        )
        if errors and errors[0].error == _CHANGED_IN_PLACE:
            note = (
                f"on the case '{errors[0].name}' the result is right, but your function changed "
                "one of its arguments in place: work on copies (.clone())."
            )
        verdict = self._value_verdict(key, function, passed == len(results), note)
        if verdict.correct:
            return verdict
        message = f"{verdict.message}\n(It passes {passed} of {len(results)} test cases.)"
        return CheckResult(False, message, "wrong")

    def _raised(self, error: Exception) -> CheckResult:
        return CheckResult(
            False,
            f"✗ {self.name}: checking your answer raised {type(error).__name__}: {error}\n"
            f"Hint: {self.hints[0]}",
            "wrong",
        )

    def _public_only(self, answer: Any) -> CheckResult:
        """Check what gives nothing away (form, public mistakes); the grade comes later."""
        try:
            specific = self.diagnose(answer) if self.diagnose else None
        except Exception as error:
            return self._raised(error)
        if specific:
            return CheckResult(False, f"✗ {self.name}: not yet.\nHint: {specific}", "wrong")
        return CheckResult(
            False,
            f"● {self.name}: answer recorded. It passes the public checks (its form); whether "
            "it is right is graded after you hand the notebook in.",
            "recorded",
        )

    def _written(self, answer: Any) -> CheckResult:
        if not isinstance(answer, str):
            return CheckResult(
                False, f"✗ {self.name}: write your answer as text, between quotes.", "wrong"
            )
        words = len(answer.split())
        if words < self.min_words:
            return CheckResult(
                False,
                f"✗ {self.name}: {words} words; write at least {self.min_words}.",
                "wrong",
            )
        return CheckResult(
            False,
            f"● {self.name}: answer recorded ({words} words). A teaching assistant scores it "
            f"with a rubric; in self-study, compare it with {self.name}.solution().",
            "recorded",
        )

    def hint(self) -> Advice:
        """Return the next hint: the first one, then more specific ones."""
        step = min(self._hint_step, len(self.hints) - 1)
        self._hint_step += 1
        if len(self.hints) == 1:
            return Advice(f"Hint for {self.name}: {self.hints[0]}")
        return Advice(f"Hint {step + 1} of {len(self.hints)} for {self.name}: {self.hints[step]}")

    def solution(self) -> Advice:
        """Return one correct answer, with the reasoning (where solutions are installed)."""
        key = self.answer_key()
        if key is None:
            return Advice(
                f"The solution to {self.name} is released {release_info.SOLUTIONS_RELEASED}. "
                f"Until then: {self.name}.hint()."
            )
        return Advice(f"Solution to {self.name}:\n{key.solution_text}")
