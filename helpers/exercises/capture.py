"""Where answer keys are found, and check-time capture of answers for grading.

Keys live in ``helpers/exercises/answers/nbNN.py``, or, when ``COURSE_HIDDEN_DIR`` is set, in
``$COURSE_HIDDEN_DIR/answers/nbNN.py`` (the instructor's hidden location). When
``COURSE_GRADING_DIR`` is set (the grader sets it for each student's kernel), every
``check(answer)`` appends one JSON line to ``$COURSE_GRADING_DIR/answers.jsonl`` at the moment
it runs: later cells that reuse ``answer`` or crash the kernel cannot change it. A function
answer is run on its hidden cases right there, and its per-case results are recorded.

Used by every exercise's check, and by `python -m helpers.classroom grade`.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from helpers.exercises.format import Exercise, Key

GRADING_DIR = "COURSE_GRADING_DIR"
HIDDEN_DIR = "COURSE_HIDDEN_DIR"
RECORDS = "answers.jsonl"
MAX_ANSWER_CHARACTERS = 100_000
_modules: dict[str, ModuleType | None] = {}


def answers_module(prefix: str, hidden: str | None = None) -> ModuleType | None:
    """Return the answers module of notebook `prefix` ("nb03"), or None where it is absent."""
    hidden = os.environ.get(HIDDEN_DIR, "") if hidden is None else str(hidden)
    cache_key = f"{hidden}|{prefix}"
    if cache_key not in _modules:
        _modules[cache_key] = _hidden_module(Path(hidden), prefix) if hidden else _package(prefix)
    return _modules[cache_key]


def _package(prefix: str) -> ModuleType | None:
    name = f"helpers.exercises.answers.{prefix}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:  # an assessed release: the keys are not installed
        if error.name and name.startswith(error.name):
            return None
        raise


def _hidden_module(hidden: Path, prefix: str) -> ModuleType | None:
    path = hidden / "answers" / f"{prefix}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"course_hidden_answers.{prefix}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in a key module look themselves up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    return module


def load_key(name: str, hidden: str | None = None) -> Key | None:
    """Return the key of exercise `name` ("nb03.q1"), or None where it is not installed."""
    from helpers.exercises.format import Key

    prefix, _, question = name.partition(".")
    module = answers_module(prefix, hidden)
    key = getattr(module, question, None) if module else None
    return key if isinstance(key, Key) else None


def to_json(value: Any) -> Any:
    """Return `value` as JSON data: numbers, strings, lists (tensors and arrays as lists)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "tolist"):  # torch tensors, numpy arrays and numpy scalars
        return value.tolist()
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(name): to_json(item) for name, item in value.items()}
    return str(value)  # e.g. torch.float16, read back as "torch.float16"


def answer_fields(exercise: Exercise, answer: Any) -> dict[str, Any]:
    """Return what a grading record keeps of `answer`."""
    if exercise.kind == "function" and answer is not None and not callable(answer):
        return {"answer": repr(answer)[:200], "cases": [], "not_callable": True}
    if exercise.kind == "function" and callable(answer):
        key = exercise.answer_key()
        cases = [asdict(result) for result in key.run_cases(answer)] if key else None
        wrong = cases is not None and not all(case["passed"] for case in cases)
        credit = key.mistake_credit(answer) if wrong else 0.0  # a known mistake's share
        try:
            source = inspect.getsource(answer)
        except (OSError, TypeError):
            source = None
        name = getattr(answer, "__name__", "function")
        return {"answer": name, "cases": cases, "credit": credit, "source": source}
    data = to_json(answer)
    if len(json.dumps(data)) > MAX_ANSWER_CHARACTERS:
        return {"answer": None, "capture_error": "the answer is too large to record"}
    return {"answer": data}


def record(exercise: Exercise, answer: Any, message: str = "") -> None:
    """Append `answer` (and what its check said) to the grading records, when grading."""
    folder = os.environ.get(GRADING_DIR)
    if not folder:
        return
    entry = {"exercise": exercise.name, "kind": exercise.kind, "time": time.time()}
    entry["message"] = message
    try:
        entry |= answer_fields(exercise, answer)
    except Exception as error:  # recorded, so the grader says why instead of "not attempted"
        entry |= {"answer": None, "capture_error": f"{type(error).__name__}: {error}"}
    with open(Path(folder) / RECORDS, "a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")
