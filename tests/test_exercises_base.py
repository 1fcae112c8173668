"""The Exercise checker itself: verdicts, hints, solutions, placeholders and crashes."""

import importlib

import pytest

from helpers.exercises import Exercise, is_close

square = Exercise(
    name="demo.q1",
    question="What is 3 squared?",
    is_correct=is_close(9.0),
    hint_text="multiply the number by itself.",
    solution_text="answer = 3 * 3",
    diagnose=lambda answer: "that is 3 doubled." if answer == 6 else None,
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


def test_an_answer_that_crashes_the_check_is_wrong_not_an_error():
    result = square.check("nine")
    assert not result and "ValueError" in result.message


def test_hint_and_solution_on_request():
    assert "multiply" in repr(square.hint())
    assert "answer = 3 * 3" in repr(square.solution())


@pytest.mark.parametrize("number", [f"{n:02d}" for n in range(7)])
def test_every_course_exercise_answers_the_placeholder_kindly(number):
    module = importlib.import_module(f"helpers.exercises.nb{number}")
    exercises = [value for value in vars(module).values() if isinstance(value, Exercise)]
    for exercise in exercises:
        result = exercise.check(None)
        assert not result and "placeholder" in result.message, exercise.name


@pytest.mark.parametrize("number", [f"{n:02d}" for n in range(7)])
def test_every_exercise_is_named_as_the_notebook_calls_it(number):
    """Messages say `nb01.q1.solution()`, so the name must be the notebook's spelling."""
    module = importlib.import_module(f"helpers.exercises.nb{number}")
    for attribute, value in vars(module).items():
        if isinstance(value, Exercise):
            assert value.name == f"nb{number}.{attribute}"


@pytest.mark.parametrize("number", [f"{n:02d}" for n in range(7)])
def test_every_exercise_has_a_real_hint_and_solution(number):
    module = importlib.import_module(f"helpers.exercises.nb{number}")
    for value in vars(module).values():
        if isinstance(value, Exercise):
            assert len(value.hint_text) > 30 and len(value.solution_text) > 10, value.name
            assert value.name in repr(value.hint()) and value.name in repr(value.solution())
