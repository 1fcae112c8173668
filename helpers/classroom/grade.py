"""Grade a class: run every submitted notebook offline, each in its own kernel, and score it.

Submissions are laid out as ``SUBMISSIONS/<student>/<notebook>.ipynb``; a file is matched to
the course notebook by its number, so Colab's "Copy of 03_self_attention_math (1).ipynb" is
notebook 03. A notebook whose exercise cells are all still the starters is scored without a
run (everything ``not attempted``). Otherwise its kernel runs, in smoke mode and offline, the
cells the exercises need (`helpers.classroom.cells`), or every cell with ``--full`` or when an
exercise needs the notebook's earlier results.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from helpers.classroom import integrity
from helpers.classroom.cells import plan_code
from helpers.classroom.manifest import (
    COURSE_ROOT,
    MANIFEST,
    NotebookInfo,
    course_exercises,
    course_map,
    match_notebook,
    read_manifest,
)
from helpers.classroom.notebooks import (
    CellMatch,
    InvalidNotebook,
    find_exercise,
    read_notebook,
    source,
    strip_outputs,
    write_notebook,
)
from helpers.classroom.pool import Outcome, run_jobs
from helpers.classroom.runner import Job
from helpers.classroom.scoring import QuestionResult, RunFacts, number, question_result
from helpers.exercises import Exercise, Key
from helpers.exercises.capture import GRADING_DIR, HIDDEN_DIR, load_key

_OFFLINE = {
    "COURSE_SMOKE": "1",
    "COURSE_OFFLINE": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "MPLBACKEND": "Agg",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TQDM_DISABLE": "1",
    "JUPYTER_PLATFORM_DIRS": "1",
    "CUDA_VISIBLE_DEVICES": "",  # grading runs on the CPU, the same on every machine
    # Anything that still tries the network fails at once instead of hanging:
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
}


# Bytes to allow per grading kernel: one that loads the embedded model and runs a backward
# pass peaks at 0.6 GB (measured); pretraining cells and plots take more.
KERNEL_MEMORY = 1.5e9


def available_memory() -> float | None:
    """Return the bytes of memory available to new processes (Linux), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as file:
            fields = dict(line.split(":", 1) for line in file)
        return float(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


def default_workers() -> int:
    """Return how many notebooks to grade at once: one per CPU, no more than memory holds."""
    cpus, memory = max(1, os.cpu_count() or 1), available_memory()
    return cpus if memory is None else max(1, min(cpus, int(memory // KERNEL_MEMORY)))


@dataclass
class GradeConfig:
    """How to grade: where the submissions and hidden tests are, limits, what to write."""

    submissions: Path
    out: Path
    hidden: Path | None = None  # the release's hidden location; None: the installed keys
    workers: int = field(default_factory=default_workers)
    cell_timeout: float = 30.0  # seconds per exercise cell
    notebook_timeout: float = 300.0  # seconds per notebook, kernel start included
    full: bool = False  # run every notebook top to bottom
    reveal: bool = False  # feedback shows the hidden cases' inputs
    gradescope: bool = False  # also write Gradescope results.json files
    notebooks: Path = COURSE_ROOT / "notebooks"  # the course's, when there is no manifest
    only: tuple[str, ...] = ()  # the assignment's notebooks by number; () = those handed in

    def __post_init__(self) -> None:
        # Kernels run in their own folders: every path they are given must be absolute.
        self.submissions, self.out = Path(self.submissions).resolve(), Path(self.out).resolve()
        self.hidden = Path(self.hidden).resolve() if self.hidden else None


@dataclass
class Submission:
    """One submitted notebook of one student, and what grading found in it."""

    student: str
    path: Path
    info: NotebookInfo
    notebook: dict | None = None
    invalid: str = ""
    matches: dict[str, CellMatch] = field(default_factory=dict)
    job: Job | None = None


@dataclass
class Row:
    """One gradebook row: a student's notebook, its results, status and integrity flags."""

    student: str
    notebook: str
    results: list[QuestionResult]
    status: str
    flags: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        """Return the points scored so far (written answers count once a TA scored them)."""
        return sum(result.score for result in self.results)

    @property
    def max_points(self) -> float:
        """Return the points the notebook is worth."""
        return sum(result.points for result in self.results)


class AssignmentError(ValueError):
    """`--notebooks` names a notebook that the release does not have."""


def assignment(config: GradeConfig) -> list[NotebookInfo]:
    """Return the notebooks that can be graded: the hidden manifest's (else the course's),
    only those of `config.only` when it names some."""
    if config.hidden and (config.hidden / MANIFEST).is_file():
        notebooks = read_manifest(config.hidden)
    else:
        notebooks = course_map(config.notebooks)
    wanted = {number.removeprefix("nb").zfill(2) for number in config.only}
    unknown = sorted(wanted - {info.number for info in notebooks})
    if unknown:
        where = config.hidden or config.notebooks
        raise AssignmentError(
            f"--notebooks {' '.join(unknown)}: no such notebook in {where} "
            f"(it has {' '.join(info.number for info in notebooks)})"
        )
    return [info for info in notebooks if not wanted or info.number in wanted]


NOT_HANDED_IN = "not handed in"


def not_handed_in(student: str, info: NotebookInfo, flags: list[str]) -> Row:
    """Return the row of a notebook of the assignment that a student did not hand in."""
    results = [QuestionResult(item.name, item.points, NOT_HANDED_IN) for item in info.exercises]
    return Row(student, info.file, results, NOT_HANDED_IN, flags)


def is_student_folder(path: Path) -> bool:
    """Return True for a student's folder: not hidden, not a Mac archive's __MACOSX."""
    return path.is_dir() and not path.name.startswith((".", "__MACOSX"))


def student_folders(folder: Path) -> list[str]:
    """Return the names of the student folders under `folder`."""
    return sorted(path.name for path in folder.iterdir() if is_student_folder(path))


NOT_GRADED_FLAG = "files not graded: see unmatched.csv"


def missing_rows(
    rows: list[Row], students: list[str], notebooks: list[NotebookInfo], unmatched: list
) -> list[Row]:
    """Return a `not handed in` row for every student and notebook of `notebooks` without one
    (flagged when the student handed in files that were not graded)."""
    graded = {(row.student, row.notebook) for row in rows}
    with_unmatched = {item.student for item in unmatched}
    return [
        not_handed_in(student, info, [NOT_GRADED_FLAG] if student in with_unmatched else [])
        for student in students
        for info in notebooks
        if (student, info.file) not in graded
    ]


UNMATCHED = "unmatched.csv"


@dataclass(frozen=True)
class Unmatched:
    """A submitted file that is not graded, and why."""

    student: str
    file: str  # its path under the student's folder
    reason: str


def _choose(paths: list[Path], info: NotebookInfo) -> Path:
    """Return the file to grade when a student handed in several copies of one notebook.

    A file named exactly as the course notebook wins; else the one modified last.
    """
    exact = [path for path in paths if path.name == info.file]
    return exact[0] if exact else max(paths, key=lambda path: (path.stat().st_mtime, path.name))


def _hidden_part(path: Path, student: Path) -> bool:
    """Return True for files no student hands in: .ipynb_checkpoints, __MACOSX, .DS_Store."""
    return any(part.startswith((".", "__MACOSX")) for part in path.relative_to(student).parts)


def discover(
    folder: Path, notebooks: list[NotebookInfo], unmatched: list[Unmatched] | None = None
) -> list[Submission]:
    """Return the submissions under `folder`: <student>/<notebook>.ipynb, by student.

    Every file that is not graded is added to `unmatched`, with the reason.
    """
    found, skipped = [], unmatched if unmatched is not None else []
    skipped += [
        Unmatched("", path.name, "not in a student's folder")
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.name.startswith(".")
    ]
    for student in sorted(path for path in folder.iterdir() if is_student_folder(path)):
        files: dict[str, list[Path]] = {}
        for path in sorted(student.rglob("*")):
            if not path.is_file() or _hidden_part(path, student):
                continue
            name = str(path.relative_to(student))
            info = match_notebook(path.name, notebooks) if path.suffix == ".ipynb" else None
            if info:
                files.setdefault(info.file, []).append(path)
            else:
                why = "names no notebook of the assignment"
                skipped.append(
                    Unmatched(
                        student.name, name, why if path.suffix == ".ipynb" else "not a .ipynb file"
                    )
                )
        for info in notebooks:
            if info.file in files:
                chosen = _choose(files[info.file], info)
                found.append(Submission(student.name, chosen, info))
                skipped += [
                    Unmatched(
                        student.name,
                        str(path.relative_to(student)),
                        f"another copy of {info.file} is graded: {chosen.relative_to(student)}",
                    )
                    for path in files[info.file]
                    if path != chosen
                ]
    return found


def write_unmatched(unmatched: list[Unmatched], out: Path) -> None:
    """Write OUT/unmatched.csv: student, file, reason (only the header when none)."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / UNMATCHED, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "file", "reason"])
        writer.writerows([item.student, item.file, item.reason] for item in unmatched)


# What a grading kernel inherits from the grader's environment: where programs, the user's
# folders and the Python environment are, the locale, and caches of models and data; never
# anything else (no tokens, no credentials). Everything in _OFFLINE is then set on top.
_INHERITED = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "SYSTEMROOT",  # Windows: Python needs it
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PYTHONPATH",
    "HF_HOME",
    "HF_HUB_CACHE",
    "HF_DATASETS_CACHE",
    "TRANSFORMERS_CACHE",
    "TORCH_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "XDG_RUNTIME_DIR",
    "JUPYTER_PATH",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
)
_INHERITED_PREFIXES = ("LC_", "COURSE_")


def kernel_env(folder: Path, hidden: Path | None) -> dict[str, str]:
    """Return the environment of a grading kernel: smoke mode, offline, recording answers.

    It holds only the variables of _INHERITED (and LC_*, COURSE_*) from the grader's own
    environment: a student's code never sees the instructor's tokens or credentials.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name in _INHERITED or name.startswith(_INHERITED_PREFIXES)
    }
    env |= _OFFLINE | {GRADING_DIR: str(folder)}
    env.pop(HIDDEN_DIR, None)
    if hidden:
        env[HIDDEN_DIR] = str(hidden.resolve())
    return env


def exercise_cells(notebook: dict, info: NotebookInfo, matches: dict[str, CellMatch]) -> set[int]:
    """Return the exercise cells: each exercise's cell, and any other cell calling a check."""
    checks = re.compile(rf"nb{info.number}\.q\d+\.check\(")
    found = {match.index for match in matches.values() if match.index is not None}
    return found | {
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and checks.search(source(cell))
    }


def parameter_cells(notebook: dict) -> set[int]:
    """Return the parameters cells (tagged, or reading COURSE_SMOKE): they always run whole."""
    return {
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        and (
            "parameters" in cell.get("metadata", {}).get("tags", [])
            or 'environ.get("COURSE_SMOKE"' in source(cell)
        )
    }


def plan(submission: Submission, config: GradeConfig, full: bool = False) -> None:
    """Read a submission, find its exercise cells, and prepare its run when it needs one."""
    try:
        notebook = read_notebook(submission.path)
    except InvalidNotebook as error:
        submission.invalid = str(error)
        return
    submission.notebook, info = notebook, submission.info
    submission.matches = {
        exercise.name: find_exercise(notebook, exercise.name, exercise.check_line, exercise.cell_id)
        for exercise in info.exercises
    }
    if not _attempted(submission):
        return
    folder = config.out / "work" / submission.student / Path(info.file).stem
    shutil.rmtree(folder, ignore_errors=True)  # nothing left from an earlier run
    folder.mkdir(parents=True)
    copy = {**notebook, "cells": [dict(cell) for cell in notebook["cells"]]}
    strip_outputs(copy)
    write_notebook(copy, folder / "submitted.ipynb")
    code = {i: source(cell) for i, cell in enumerate(copy["cells"]) if cell["cell_type"] == "code"}
    exercises = exercise_cells(copy, info, submission.matches)
    full = full or config.full or any(exercise.needs_earlier_results for exercise in info.exercises)
    run = code if full else plan_code(code, exercises | parameter_cells(copy))
    submission.job = Job(
        notebook=str(folder / "submitted.ipynb"),
        folder=str(folder),
        cells=sorted(run),
        exercise_cells=sorted(exercises & set(code)),
        code={str(index): text for index, text in run.items() if text != code[index]},
        cell_timeout=config.cell_timeout,
        notebook_timeout=config.notebook_timeout,
        env=kernel_env(folder, config.hidden),
    )


def _untouched(submission: Submission) -> frozenset[str]:
    """Return the exercises whose cell is still exactly the released starter."""
    cells = submission.notebook["cells"] if submission.notebook else []
    return frozenset(
        exercise.name
        for exercise in submission.info.exercises
        if (match := submission.matches.get(exercise.name))
        and match.index is not None
        and source(cells[match.index]).strip() == exercise.starter.strip()
    )


def _attempted(submission: Submission) -> bool:
    """Return True when some exercise cell is not the released starter: the run is needed."""
    return len(_untouched(submission)) < len(submission.info.exercises)


def exercises_by_name(notebooks: list[NotebookInfo]) -> dict[str, Exercise]:
    """Return the public exercises of the assignment, by name."""
    found = {}
    for info in notebooks:
        found |= {exercise.name: exercise for exercise in course_exercises(info.number)}
    return found


def keys_by_name(notebooks: list[NotebookInfo], hidden: Path | None) -> dict[str, Key]:
    """Return the keys of the assignment's exercises (from the hidden location when given)."""
    keys = {}
    for info in notebooks:
        for exercise in info.exercises:
            key = load_key(exercise.name, str(hidden.resolve()) if hidden else "")
            if key is not None:
                keys[exercise.name] = key
    return keys


def score(submission: Submission, outcome: Outcome | None, exercises: dict, keys: dict) -> Row:
    """Return the gradebook row of one submission."""
    info = submission.info
    if submission.invalid:
        results = [QuestionResult(e.name, e.points, "invalid notebook") for e in info.exercises]
        return Row(
            submission.student, info.file, results, f"invalid notebook: {submission.invalid}"
        )
    outcome = outcome or Outcome()
    run = RunFacts(outcome.records, outcome.cells, outcome.stopped, _untouched(submission))
    results = [
        question_result(
            exercise,
            exercises[exercise.name],
            keys.get(exercise.name),
            submission.matches[exercise.name],
            run,
        )
        for exercise in info.exercises
    ]
    return Row(submission.student, info.file, results, row_status(results, outcome.stopped))


def row_status(results: list[QuestionResult], stopped: str) -> str:
    """Return a row's status: its worst problem, or 'graded'."""
    statuses = {result.status for result in results}
    for problem in ("kernel died", "timeout"):
        if problem in statuses or stopped == problem:
            return problem
    if stopped:
        return stopped
    return "errors" if any(status.startswith("error") for status in statuses) else "graded"


def add_flags(rows: list[Row], submissions: list[Submission], keys: dict[str, Key]) -> None:
    """Add the integrity flags to each row (see helpers.classroom.integrity)."""
    cells, starters = {}, {}
    for row, submission in zip(rows, submissions, strict=True):
        edited = [result.name for result in row.results if result.check_line_edited]
        if edited:
            row.flags.append(f"check line edited: {', '.join(edited)}")
        if submission.notebook is None:
            continue
        mine = {name: keys[name] for name in submission.matches if name in keys}
        shown = integrity.solution_in_outputs(submission.notebook, mine)
        if shown:
            row.flags.append(f"solution text in outputs: {', '.join(shown)}")
        for exercise in submission.info.exercises:
            starters[exercise.name] = exercise.starter
            match = submission.matches[exercise.name]
            if match.index is not None:
                text = source(submission.notebook["cells"][match.index])
                cells[(row.student, row.notebook, exercise.name)] = text
    for (student, notebook), flags in integrity.identical_code(cells, starters).items():
        row = next(r for r in rows if (r.student, r.notebook) == (student, notebook))
        row.flags.extend(flags)


def _run(submissions: list[Submission], config: GradeConfig) -> dict[int, Outcome]:
    """Run the submissions that need a run; return their outcomes by id(submission)."""
    jobs = [submission for submission in submissions if submission.job]
    outcomes = run_jobs([submission.job for submission in jobs], config.workers)
    return dict(zip(map(id, jobs), outcomes, strict=True))


def _name_error(submission: Submission, outcome: Outcome) -> bool:
    """Return True when an exercise cell failed on a name: the selection may have missed it."""
    cells = set(submission.job.exercise_cells)
    return any(
        line.get("ename") == "NameError" for index, line in outcome.cells.items() if index in cells
    )


def grade(config: GradeConfig) -> list[Row]:
    """Grade every submission; return the gradebook rows (reports are written separately).

    Files that are not graded are listed in OUT/unmatched.csv, and printed.
    """
    notebooks = assignment(config)
    unmatched: list[Unmatched] = []
    submissions = discover(config.submissions, notebooks, unmatched)
    write_unmatched(unmatched, config.out)
    for item in unmatched:
        print(f"not graded: {item.student}/{item.file}: {item.reason}")
    for submission in submissions:
        plan(submission, config)
    outcomes = _run(submissions, config)
    retry = [s for s in submissions if s.job and _name_error(s, outcomes[id(s)])]
    if retry and not config.full:  # a name the cell selection missed: run those top to bottom
        for submission in retry:
            plan(submission, config, full=True)
        outcomes |= _run(retry, config)
    exercises, keys = exercises_by_name(notebooks), keys_by_name(notebooks, config.hidden)
    rows = [score(s, outcomes.get(id(s)), exercises, keys) for s in submissions]
    add_flags(rows, submissions, keys)
    handed_in = {s.info.file for s in submissions}  # without --notebooks: what anyone handed in
    due = [info for info in notebooks if config.only or info.file in handed_in]
    rows += missing_rows(rows, student_folders(config.submissions), due, unmatched)
    return sorted(rows, key=lambda row: (row.student, row.notebook))


__all__ = ["NOT_HANDED_IN", "AssignmentError", "GradeConfig", "Row", "grade", "number"]
