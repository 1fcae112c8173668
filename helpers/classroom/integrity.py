"""Integrity flags for the gradebook: facts for a person to look at, never verdicts.

- ``check line edited``: an exercise cell whose check line differs from the released one;
- ``solution text in outputs``: a solution's text in the outputs the student handed in (the
  student had the solutions, e.g. the practice package, while answering);
- ``same code as <student>``: two students' exercise cells with the same code, once comments,
  blank lines, spaces and the check line are set aside; only cells of three lines of code or
  more (a function, a computation in steps): one-line answers are often the same.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import defaultdict

from helpers.classroom.notebooks import output_texts
from helpers.exercises import Key

MIN_CODE_LINES = 3  # one- and two-line answers are often the same by chance


def normalised_code(text: str) -> str:
    """Return code without `.check(` lines, comments, blank lines and spaces."""
    text = "\n".join(line for line in text.splitlines() if ".check(" not in line)
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        text = "".join(token.string for token in tokens if token.type != tokenize.COMMENT)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return re.sub(r"\s+", "", text)


def _code_lines(text: str) -> int:
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return sum(1 for line in lines if line and ".check(" not in line)


def _solution_needles(name: str, key: Key) -> list[str]:
    first_line = key.solution_text.splitlines()[0].split("#")[0].strip()
    needles = [f"Solution to {name}:"]
    return needles + ([first_line] if len(first_line) >= 12 else [])


def solution_in_outputs(notebook: dict, keys: dict[str, Key]) -> list[str]:
    """Return the exercises whose solution text shows in the notebook's stored outputs."""
    texts = "\n".join(output_texts(notebook))
    return [
        name
        for name, key in keys.items()
        if any(needle in texts for needle in _solution_needles(name, key))
    ]


def identical_code(cells: dict[tuple[str, str, str], str], starters: dict[str, str]) -> dict:
    """Return {(student, notebook): [flag, ...]} for exercise cells with the same code.

    `cells` maps (student, notebook, exercise) to the exercise cell's source.
    """
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for (student, notebook, exercise), text in cells.items():
        code = normalised_code(text)
        if _code_lines(text) >= MIN_CODE_LINES and code != normalised_code(starters[exercise]):
            groups[(notebook, exercise, code)].append(student)
    flags: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (notebook, exercise, _code), students in groups.items():
        for student in students if len(students) > 1 else []:
            others = ", ".join(other for other in students if other != student)
            flags[(student, notebook)].append(f"same code as {others}: {exercise}")
    return flags
