"""The assignment's map: its notebooks, their exercises, points and released check lines.

`release` writes it to the hidden location as ``manifest.json``; `grade` reads it from there,
or, without one, works it out from the course's notebooks and ``helpers.exercises``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers.classroom.notebooks import find_exercise, notebook_number, read_notebook
from helpers.exercises import Exercise

MANIFEST = "manifest.json"
COURSE_ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout


@dataclass(frozen=True)
class ExerciseInfo:
    """What grading needs to know of one exercise, as it was released."""

    name: str
    kind: str
    points: float
    starter: str
    cell_id: str | None = None
    needs_earlier_results: bool = False

    @property
    def check_line(self) -> str:
        """Return the released line that calls `check`."""
        return next(line for line in self.starter.splitlines() if f"{self.name}.check(" in line)

    @property
    def short_name(self) -> str:
        """Return 'q1' for 'nb03.q1': the gradebook's column."""
        return self.name.split(".", 1)[1]


@dataclass(frozen=True)
class NotebookInfo:
    """One notebook of the assignment and its exercises."""

    file: str
    exercises: tuple[ExerciseInfo, ...]

    @property
    def number(self) -> str:
        """Return the notebook's two-digit number."""
        return self.file[:2]

    @property
    def max_points(self) -> float:
        """Return the points the notebook's exercises are worth."""
        return sum(exercise.points for exercise in self.exercises)


def course_exercises(number: str) -> list[Exercise]:
    """Return the exercises of notebook `number` ('03') from helpers.exercises."""
    try:
        module = importlib.import_module(f"helpers.exercises.nb{number}")
    except ModuleNotFoundError:
        return []
    return [value for value in vars(module).values() if isinstance(value, Exercise)]


def exercise_info(exercise: Exercise, cell_id: str | None = None) -> ExerciseInfo:
    """Return what the manifest keeps of `exercise`."""
    return ExerciseInfo(
        exercise.name,
        exercise.kind,
        float(exercise.points),
        exercise.starter,
        cell_id,
        exercise.needs_earlier_results,
    )


def notebook_info(path: Path) -> NotebookInfo:
    """Return the map of one course notebook: the exercises whose check it calls."""
    notebook = read_notebook(path)
    found = []
    for exercise in course_exercises(notebook_number(path.name) or ""):
        match = find_exercise(notebook, exercise.name, exercise.check_line)
        if match.index is not None:
            found.append(exercise_info(exercise, notebook["cells"][match.index].get("id")))
    return NotebookInfo(path.name, tuple(found))


def course_map(notebooks: Path) -> list[NotebookInfo]:
    """Return the map of every course notebook in the folder `notebooks`."""
    return [notebook_info(path) for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))]


def write_manifest(folder: Path, notebooks: list[NotebookInfo], **facts: str) -> Path:
    """Write the manifest into `folder` and return its path."""
    data = {**facts, "notebooks": [asdict(notebook) for notebook in notebooks]}
    path = folder / MANIFEST
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: Path) -> list[NotebookInfo]:
    """Return the notebooks of the manifest in `folder`."""
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return [
        NotebookInfo(item["file"], tuple(ExerciseInfo(**info) for info in item["exercises"]))
        for item in data["notebooks"]
    ]


def match_notebook(file_name: str, notebooks: list[NotebookInfo]) -> NotebookInfo | None:
    """Return the assignment notebook a submitted file is, or None.

    The notebook whose name (e.g. ``03_self_attention_math``) appears in the file's name wins,
    the longest such name first, then the one that appears last: "Copy of 03_... (1).ipynb"
    (Colab), "lovelaceada_12345_6789012_03_....ipynb" (Canvas), "..._assignsubmission_file_03_
    ....ipynb" (Moodle). A file that names none is matched by its course number alone
    ("03_my_answers.ipynb") when that is the last two-digit number before "_" in its name.
    """
    named = [
        (len(Path(info.file).stem), file_name.rfind(Path(info.file).stem), info)
        for info in notebooks
        if Path(info.file).stem in file_name
    ]
    if named:
        return max(named, key=lambda found: found[:2])[2]
    number = notebook_number(file_name)
    return next((notebook for notebook in notebooks if notebook.number == number), None)


def exercises_fingerprint(folder: Path = COURSE_ROOT / "helpers" / "exercises") -> str:
    """Return a digest of the public exercise modules grading uses (not release_info.py)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        if path.name != "release_info.py":
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def changed_since_release(folder: Path) -> str:
    """Return a warning when the installed exercises differ from the release in `folder`."""
    path = folder / MANIFEST
    if not path.is_file():
        return ""
    data = json.loads(path.read_text(encoding="utf-8"))
    released, installed = data.get("exercises"), exercises_fingerprint()
    if released is None or released == installed:
        return ""
    return (
        f"warning: helpers/exercises here differs from the release of {data.get('released')} "
        f"(digest {installed}, released {released}): grading uses the checks "
        "installed here; grade from the checkout you released from to grade what students saw"
    )
