"""Scores: each exercise's result, from what its check recorded and from its key.

Nothing scores that did not run: an exercise gets points only from an answer its check
recorded. Otherwise its result says why there is none: ``not attempted`` (the starter, or
the placeholder None), ``missing`` (no cell for it), ``check line edited``, ``error: ...``
(its cell raised before the check), ``timeout``, ``kernel died``, ``not run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from helpers.classroom.manifest import ExerciseInfo
from helpers.classroom.notebooks import CellMatch
from helpers.exercises import Credit, Exercise, Key
from helpers.exercises.format import hint_of, safe_diagnosis

GRADED, TO_BE_SCORED = "graded", "to be scored"


@dataclass
class TestResult:
    """One hidden test of an answer: its name, whether it passed, and its inputs or error."""

    name: str
    passed: bool
    error: str = ""
    inputs: str = ""  # shown only with --reveal


@dataclass
class QuestionResult:
    """The result of one exercise for one student."""

    name: str
    points: float
    status: str  # GRADED, TO_BE_SCORED, or why there is no score
    score: float = 0.0
    hint: str = ""
    tests: list[TestResult] = field(default_factory=list)
    answer: str | None = None  # a written answer's text, for the teaching assistant
    check_line_edited: bool = False
    comment: str = ""  # a teaching assistant's comment on a written answer (merge)

    @property
    def cell(self) -> str:
        """Return the gradebook cell: the score when graded, else the reason."""
        return number(self.score) if self.status == GRADED else self.status


def number(value: float) -> str:
    """Return a score as the gradebook writes it: 1, 0.5, 1.33."""
    return f"{round(value, 2):g}"


def describe(value: Any) -> str:
    """Return a short description of a hidden case's input."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return repr(value)


def grade_value(info: ExerciseInfo, exercise: Exercise, key: Key, answer: Any) -> QuestionResult:
    """Return the result of a value answer, graded with its key."""
    if answer is None:
        return QuestionResult(info.name, info.points, "not attempted")
    error = ""
    try:
        correct = key.accepts(answer)
    except Exception as raised:  # a wrong type or shape is a wrong answer
        correct, error = False, f"checking the answer raised {type(raised).__name__}: {raised}"
    tests = [TestResult("the expected value", correct, error)]
    if correct:
        return QuestionResult(info.name, info.points, GRADED, info.points, "", tests)
    diagnosis = safe_diagnosis(key.diagnose, answer) or safe_diagnosis(exercise.diagnose, answer)
    fraction = diagnosis.fraction if isinstance(diagnosis, Credit) else 0.0
    hint = hint_of(diagnosis) or exercise.hints[0]
    if fraction:
        hint += f" (A known mistake: {fraction:.0%} of the points.)"
    return QuestionResult(info.name, info.points, GRADED, info.points * fraction, hint, tests)


def _hint_in(message: str) -> str:
    """Return the hint of a check's message, without the ✗ line and the solution() reminder."""
    lines = [line for line in message.splitlines()[1:] if "solution()" not in line]
    return "\n".join(lines).removeprefix("Hint: ").strip()


def grade_function(info: ExerciseInfo, key: Key | None, record: dict) -> QuestionResult:
    """Return the result of a function answer: the share of hidden cases it passed, or a
    known mistake's share of the points when that is more."""
    if record.get("not_callable"):
        hint = f"pass the function itself, not {record['answer']}."
        return QuestionResult(info.name, info.points, GRADED, 0.0, hint)
    cases = record.get("cases")
    if not cases:
        return QuestionResult(info.name, info.points, "error: no hidden cases for it (--hidden?)")
    inputs = {case.name: ", ".join(map(describe, case.args)) for case in key.cases} if key else {}
    tests = [
        TestResult(case["name"], case["passed"], case["error"], inputs.get(case["name"], ""))
        for case in cases
    ]
    share = sum(test.passed for test in tests) / len(tests)
    hint = "" if share == 1 else _hint_in(record.get("message", ""))
    credit = float(record.get("credit") or 0.0)  # recorded in the kernel, at check time
    if credit > share:
        share, hint = credit, f"{hint} (A known mistake: {credit:.0%} of the points.)"
    return QuestionResult(info.name, info.points, GRADED, info.points * share, hint, tests)


def grade_record(
    info: ExerciseInfo, exercise: Exercise, key: Key | None, record: dict
) -> QuestionResult:
    """Return the result of the answer one check recorded."""
    if record.get("capture_error"):
        return QuestionResult(info.name, info.points, f"error: {record['capture_error']}")
    if info.kind == "function":
        if record.get("answer") is None:
            return QuestionResult(info.name, info.points, "not attempted")
        return grade_function(info, key, record)
    if info.kind == "written":
        text = record.get("answer")
        if text is None:
            return QuestionResult(info.name, info.points, "not attempted")
        return QuestionResult(info.name, info.points, TO_BE_SCORED, answer=str(text))
    if key is None:
        return QuestionResult(info.name, info.points, "error: no key for it (--hidden?)")
    return grade_value(info, exercise, key, record.get("answer"))


@dataclass
class RunFacts:
    """What grading knows of one submitted notebook's run."""

    records: list[dict]
    cells: dict[int, dict]
    stopped: str = ""
    untouched: frozenset[str] = frozenset()  # exercises whose cell is still the starter


def question_result(
    info: ExerciseInfo, exercise: Exercise, key: Key | None, match: CellMatch, run: RunFacts
) -> QuestionResult:
    """Return one exercise's result: graded from its recorded answer, or why there is none."""
    if match.state == "missing":
        return QuestionResult(info.name, info.points, "missing")
    if match.state == "deleted":
        return QuestionResult(info.name, info.points, "check line edited", check_line_edited=True)
    if info.name in run.untouched:
        return QuestionResult(info.name, info.points, "not attempted")
    records = [record for record in run.records if record.get("exercise") == info.name]
    if records:  # the last answer checked counts
        result = grade_record(info, exercise, key, records[-1])
        result.check_line_edited = match.state == "edited"
        return result
    if match.state == "edited":
        return QuestionResult(info.name, info.points, "check line edited", check_line_edited=True)
    return QuestionResult(info.name, info.points, _why_not_run(run, match.index))


def _why_not_run(run: RunFacts, index: int | None) -> str:
    cell = run.cells.get(index)
    if cell is None:
        return run.stopped or "not run"
    if cell["status"] in ("timeout", "kernel died"):
        return cell["status"]
    if cell["status"] == "error":
        return f"error: {cell.get('ename', '')}: {cell.get('evalue', '')}"[:120]
    return "no answer recorded"  # its cell ran, but no check recorded an answer
