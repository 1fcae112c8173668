"""The exercise checker, and one table of right and wrong answers for every course exercise."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from exercise_rows import nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07
from exercise_rows.common import course_tokenizer, unpack

import helpers.exercises
from helpers.exercises import Exercise, Key, is_close
from helpers.exercises import nb04 as nb04_exercises

# --- the checker itself, on a made-up exercise ---------------------------------------------

square = Exercise(
    name="demo.q1",
    question="What is 3 squared?",
    hints=("multiply the number by itself.", "3 * 3."),
    starter="answer = None  # your code here\ndemo.q1.check(answer)",
    key=Key(
        is_correct=is_close(9.0),
        solution_text="answer = 3 * 3",
        solution_cell="answer = 3 * 3\ndemo.q1.check(answer)",
        diagnose=lambda answer: "that is 3 doubled." if answer == 6 else None,
    ),
)


def test_right_and_wrong_answers():
    assert square.check(9) and "correct" in square.check(9).message
    wrong = square.check(10)
    assert not wrong and "multiply the number by itself" in wrong.message
    assert "solution()" in wrong.message


def test_a_targeted_hint_for_a_known_mistake():
    assert "3 doubled" in square.check(6).message


def test_the_placeholder_gets_a_friendly_message():
    result = square.check(None)
    assert not result and "placeholder None" in result.message and "Hint:" in result.message
    # the same symbol and words as the progress summary's "– not attempted"
    assert result.message.startswith("– demo.q1: no answer yet (not attempted).")


def test_an_answer_that_crashes_the_check_is_wrong_not_an_error():
    result = square.check("nine")
    assert not result and "ValueError" in result.message


def test_hint_and_solution_on_request():
    assert "multiply" in repr(square.hint())
    assert "3 * 3." in repr(square.hint()) and "3 * 3." in repr(square.hint())  # the last stays
    assert "answer = 3 * 3" in repr(square.solution())


# --- the table: one module of rows per notebook, in tests/exercise_rows/ --------------------

EXERCISES = [row for rows in (nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07) for row in rows.ROWS]

RIGHT_ANSWERS = [
    pytest.param(exercise, answer, id=f"{exercise.name}-{index}")
    for exercise, right, _wrong in EXERCISES
    for index, answer in enumerate(right)
]
WRONG_ANSWERS = [
    pytest.param(exercise, answer, hint, id=f"{exercise.name}-{index}")
    for exercise, _right, wrong in EXERCISES
    for index, (answer, hint) in enumerate(wrong)
]


@pytest.mark.parametrize(("exercise", "answer"), RIGHT_ANSWERS)
def test_a_right_answer_is_accepted(exercise: Exercise, answer: Any) -> None:
    result = exercise.check(unpack(answer))
    if exercise.kind == "written":  # never marked right here: a teaching assistant scores it
        assert result.status == "recorded" and "rubric" in result.message, result.message
        return
    assert result, result.message
    assert result.message == f"✓ {exercise.name}: correct!"


@pytest.mark.parametrize(("exercise", "answer", "hint"), WRONG_ANSWERS)
def test_a_wrong_answer_is_refused_with_its_hint(
    exercise: Exercise, answer: Any, hint: str | None
) -> None:
    result = exercise.check(unpack(answer))
    assert not result and result.status != "recorded", f"{exercise.name} accepted {answer!r}"
    if hint is None:
        assert f"Hint: {exercise.hints[0]}" in result.message
    else:
        assert hint not in exercise.hints[0], "the fragment must come from the targeted hint"
        assert hint in result.message


@pytest.mark.parametrize(("exercise", "answer"), RIGHT_ANSWERS)
def test_without_its_key_a_right_answer_passes_the_public_checks(
    exercise: Exercise, answer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In an assessed release (no keys installed) a right answer is recorded, never refused."""
    monkeypatch.setattr("helpers.exercises.capture.load_key", lambda name, hidden=None: None)
    result = exercise.check(unpack(answer))
    assert not result and result.status == "recorded", result.message
    assert "released" in repr(exercise.solution())


def test_the_sentence_pair_of_nb04_is_tokenised_as_shown() -> None:
    encoding = course_tokenizer()("Where is it?", "Under the bed.")
    assert (
        course_tokenizer().convert_ids_to_tokens(encoding["input_ids"]) == nb04_exercises.Q2_TOKENS
    )


# --- every course exercise, whether or not the table has it ---------------------------------


def course_exercises() -> list[tuple[str, Exercise]]:
    """Return (the notebook's spelling, like 'nb01.q1', exercise) for every course exercise."""
    found = []
    for module_info in pkgutil.iter_modules(helpers.exercises.__path__):
        module = importlib.import_module(f"helpers.exercises.{module_info.name}")
        for attribute, value in vars(module).items():
            if isinstance(value, Exercise):
                found.append((f"{module_info.name}.{attribute}", value))
    return found


COURSE_EXERCISES = [
    pytest.param(spelling, exercise, id=spelling) for spelling, exercise in course_exercises()
]


def test_every_course_exercise_has_a_row_in_the_table() -> None:
    in_the_table = [exercise.name for exercise, right, wrong in EXERCISES if right and wrong]
    assert sorted(in_the_table) == sorted(spelling for spelling, _ in course_exercises())


@pytest.mark.parametrize(("spelling", "exercise"), COURSE_EXERCISES)
def test_every_exercise_answers_the_placeholder_kindly(spelling: str, exercise: Exercise) -> None:
    result = exercise.check(None)
    assert not result and "placeholder" in result.message


@pytest.mark.parametrize(("spelling", "exercise"), COURSE_EXERCISES)
def test_every_exercise_is_named_as_the_notebook_calls_it(
    spelling: str, exercise: Exercise
) -> None:
    """Messages say `nb01.q1.solution()`, so the name must be the notebook's spelling."""
    assert exercise.name == spelling


@pytest.mark.parametrize(("spelling", "exercise"), COURSE_EXERCISES)
def test_every_exercise_has_a_real_hint_and_solution(spelling: str, exercise: Exercise) -> None:
    assert len(exercise.hints[0]) > 30 and len(exercise.answer_key().solution_text) > 10
    if exercise.kind == "written":  # a model answer long enough to pass, and a rubric
        assert len(exercise.answer_key().rubric) >= 2
        assert len(exercise.answer_key().solution_text.split()) >= exercise.min_words
    assert exercise.name in repr(exercise.hint()) and exercise.name in repr(exercise.solution())


@pytest.mark.parametrize(
    ("spelling", "exercise"),
    [param for param in COURSE_EXERCISES if param.values[1].kind == "function"],
)
def test_an_untouched_function_starter_counts_as_not_attempted(
    spelling: str, exercise: Exercise
) -> None:
    """The starter's `return None  # your code here` is a placeholder, not a wrong answer."""
    check_line = exercise.check_line
    code = exercise.starter.replace(check_line, "")
    prefix = exercise.name.split(".")[0]
    namespace: dict[str, Any] = {name: importlib.import_module(module) for name, module in (
        ("torch", "torch"), ("pd", "pandas"), (prefix, f"helpers.exercises.{prefix}"),
    )}  # fmt: skip
    exec(code, namespace)  # defines the starter's function (and prints what it shows)
    function = eval(check_line[check_line.index(".check(") + 7 : -1], namespace)
    result = exercise.check(function)
    assert not result and result.status == "empty" and "no answer yet" in result.message


def test_changing_input_ids_in_place_fails_the_hidden_cases() -> None:
    """A corrupt() that overwrites its input fails every case where something is masked."""
    results = nb04_exercises.q4.answer_key().run_cases(nb04.corrupt_in_place)
    failed = [result for result in results if not result.passed]
    assert [result.name for result in results if result.passed] == ["no target"]
    assert all("changed in place" in result.error for result in failed)
