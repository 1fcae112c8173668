"""The progress summary at the end of each notebook: which exercises pass their checks.

It reads what the checks run in this session said, so it shows the student's own progress
and nothing else: in an assessed release, "recorded" means the answer passes the public
checks (its form) and is graded after hand-in.

Used by the last cell of every notebook: ``your_progress(nb03)``.
"""

from __future__ import annotations

from types import ModuleType

from helpers.exercises import release_info
from helpers.exercises.format import Advice, Exercise

_SYMBOLS = {"correct": "✓", "recorded": "●", "wrong": "✗", "empty": "–", "": "·"}
_WORDS = {
    "correct": "correct",
    "recorded": "recorded: passes the public checks, graded after hand-in",
    "wrong": "not yet: run its cell again after changing the answer",
    "empty": "not attempted",
    "": "not run yet",
}
HOW_TO_HAND_IN = (
    "To hand in: save the notebook (Ctrl+S / Cmd+S) and upload the .ipynb file, keeping its "
    "name; in Colab use File > Download > Download .ipynb."
)
HAND_IN = {  # by release_info.MODE
    "assessed": (
        "Before handing in: Restart & Run All, then check this list again. A ● only means the "
        "answer's form is right; it is graded from the notebook you hand in (nothing is "
        "recorded on your machine). " + HOW_TO_HAND_IN
    ),
    "practice": (
        "A ✓ means the check accepted your answer. If your course asks you to hand the notebook "
        "in, first Restart & Run All and check this list again. " + HOW_TO_HAND_IN
    ),
}


def your_progress(module: ModuleType) -> Advice:
    """Return a table of the exercises of `module` (e.g. nb03) and what their checks said."""
    exercises = [value for value in vars(module).values() if isinstance(value, Exercise)]
    lines = [f"Your progress ({len(exercises)} exercises, checks run in this session):"]
    for exercise in exercises:
        status = exercise.last_status
        points = f"{exercise.points:g} pt" + ("s" if exercise.points != 1 else "")
        lines.append(f"  {_SYMBOLS[status]} {exercise.name:9} {points:7} {_WORDS[status]}")
    done = sum(exercise.last_status in ("correct", "recorded") for exercise in exercises)
    lines += [f"{done} of {len(exercises)} done.", HAND_IN[release_info.MODE]]
    return Advice("\n".join(lines))
