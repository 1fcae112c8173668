"""Release the course to students: a student tree, and the hidden tests kept apart.

The student tree holds what students install and open: ``helpers``, ``data``, ``docs``, the
notebooks (outputs stripped, every exercise cell reset to its starter), ``pyproject.toml``, the
README and licence; never ``tests/`` (its table holds every right answer). Badges and setup cells
point at the students' repository (`helpers.fork`). In *assessed* mode the answer keys
(``helpers/exercises/answers``) stay out of the tree and go, with ``manifest.json``, to the
hidden location, which must lie outside the tree; the tree is then audited for any solution
text. *Practice* mode keeps the keys in the tree: today's self-study behaviour.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpers import course, fork
from helpers.classroom.manifest import (
    COURSE_ROOT,
    NotebookInfo,
    exercise_info,
    exercises_fingerprint,
    write_manifest,
)
from helpers.classroom.manifest import course_exercises as exercises_of
from helpers.classroom.notebooks import (
    find_exercise,
    notebook_number,
    output_texts,
    read_notebook,
    source,
    strip_outputs,
    write_notebook,
)
from helpers.exercises import Key
from helpers.exercises.capture import load_key

COPIED = ["helpers", "data", "docs", "pyproject.toml", "README.md", "LICENSE", "requirements.txt"]
MARKER = ".course-release.json"
ANSWERS_PACKAGE = '"helpers.exercises.answers", '
# The first words of every answers module, written in two parts so that this file, which the
# student tree holds, does not contain them.
KEYS_HEADER = "INSTRUCTOR" + " ONLY"
_SKIPPED = ("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints", "runs", "drafts")


class ReleaseError(ValueError):
    """A release that would be unsafe or cannot be made."""


@dataclass
class ReleaseConfig:
    """What to release, where, and how."""

    out: Path  # the student tree (e.g. a clone of the students' repository)
    hidden: Path | None = None  # the instructor-only location; required when assessed
    assessed: bool = True
    repo: str | None = None  # https://github.com/OWNER/NAME students install from
    branch: str = "main"
    notebooks: Path | None = None  # the instructor's edited copies; default: the course's
    root: Path = COURSE_ROOT
    solutions_released: str = "after the deadline"
    # Assessed only: notebooks ("05" or "nb05") whose deadline has passed; their keys ship so
    # that their checks and solutions work again, every other key stays hidden.
    solutions_for: tuple[str, ...] = ()
    force: bool = False  # replace an earlier release in `out` (its .git is kept)


@dataclass
class ReleaseReport:
    """What a release wrote."""

    notebooks: list[NotebookInfo]
    hidden: Path | None
    missing: list[str] = field(default_factory=list)  # exercises with no cell in a notebook


def keys_released_in(tree: Path) -> set[str]:
    """Return the answer modules a release in `tree` shipped on purpose (its marker says)."""
    marker = tree / MARKER
    if not marker.is_file():
        return set()
    return set(json.loads(marker.read_text(encoding="utf-8")).get("keys_released", []))


def released_keys(config: ReleaseConfig) -> set[str]:
    """Return the answer modules an assessed release ships ('nb05.py', ...), with __init__.py."""
    modules = {f"nb{name.removeprefix('nb')}.py" for name in config.solutions_for}
    return modules | {"__init__.py"} if modules else set()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def check_places(config: ReleaseConfig) -> None:
    """Refuse places that would mix the student tree with the course or the hidden tests."""
    out, root = config.out.resolve(), config.root.resolve()
    if _inside(root, out):
        raise ReleaseError(f"the student tree {out} would contain the course itself")
    if config.assessed and config.hidden is None:
        raise ReleaseError("an assessed release needs --hidden DIR for the hidden tests")
    if config.hidden is not None:
        hidden = config.hidden.resolve()
        if _inside(hidden, out) or _inside(out, hidden):
            raise ReleaseError(
                f"refusing to write the hidden tests ({hidden}) inside the student tree ({out}), "
                "or the student tree inside them: students would get the answers"
            )
    if out.exists() and any(path.name != ".git" for path in out.iterdir()):
        replaceable = (out / MARKER).exists() or (out / ".git").is_dir()
        if not config.force or not replaceable:
            raise ReleaseError(
                f"{out} is not empty; --force replaces an earlier release there, or the files "
                "of a git clone (its .git is kept)"
            )
    if config.assessed and not config.repo:
        raise ReleaseError(
            "an assessed release needs --repo https://github.com/OWNER/NAME (the students' "
            "repository): without it the setup cells install the course's own package, answer "
            "keys included"
        )
    if config.solutions_for and not config.assessed:
        raise ReleaseError("--solutions-for is for assessed releases; practice ships every key")
    keys = config.root / "helpers" / "exercises" / "answers"
    unknown = sorted(name for name in released_keys(config) if not (keys / name).is_file())
    if unknown:
        raise ReleaseError(f"--solutions-for: no answer keys {', '.join(unknown)} in {keys}")
    if config.repo and not fork.GITHUB.match(config.repo.rstrip("/").removesuffix(".git")):
        raise ReleaseError(f"--repo: expected https://github.com/OWNER/NAME, got {config.repo!r}")


def _clear(out: Path) -> None:
    """Empty an earlier release, keeping its .git so the students' repository stays one."""
    for path in out.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def copy_tree(config: ReleaseConfig) -> None:
    """Copy what students install into the student tree (no keys when assessed)."""
    exercises, shipped = (config.root / "helpers" / "exercises").resolve(), released_keys(config)

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(shutil.ignore_patterns(*_SKIPPED)(folder, names))
        if config.assessed and Path(folder).resolve() == exercises and not shipped:
            skipped.add("answers")
        if config.assessed and Path(folder).resolve() == exercises / "answers":
            skipped |= {name for name in names if name not in shipped}
        return skipped

    for name in COPIED:
        source = config.root / name
        if source.is_dir():
            shutil.copytree(source, config.out / name, ignore=ignore, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, config.out / name)
    readme = config.root / "notebooks" / "README.md"
    if readme.is_file():
        (config.out / "notebooks").mkdir(parents=True, exist_ok=True)
        shutil.copy2(readme, config.out / "notebooks" / "README.md")


def release_notebook(path: Path, out: Path, missing: list[str]) -> NotebookInfo:
    """Write the student version of one notebook; return its map."""
    notebook = read_notebook(path)
    strip_outputs(notebook)
    found = []
    for exercise in exercises_of(notebook_number(path.name) or ""):
        match = find_exercise(notebook, exercise.name, exercise.check_line)
        if match.index is None:
            missing.append(exercise.name)
            continue
        cell = notebook["cells"][match.index]
        cell["source"] = exercise.starter
        found.append(exercise_info(exercise, cell.get("id")))
    write_notebook(notebook, out / "notebooks" / path.name)
    return NotebookInfo(path.name, tuple(found))


def point_at(out: Path, repo: str, branch: str) -> None:
    """Point the tree's badges, setup cells and course.py at the students' repository."""
    saved = course.REPOSITORY_URL, course.BRANCH
    try:
        fork.fork(out, repo, branch)
    finally:
        course.REPOSITORY_URL, course.BRANCH = saved


def write_mode(config: ReleaseConfig) -> None:
    """Write the release mode into the tree's release_info.py and pyproject.toml."""
    info = config.out / "helpers" / "exercises" / "release_info.py"
    text = info.read_text(encoding="utf-8")
    mode = "assessed" if config.assessed else "practice"
    text = re.sub(r'^MODE = ".*?"', f'MODE = "{mode}"', text, flags=re.M)
    when = json.dumps(config.solutions_released)
    text = re.sub(
        r"^SOLUTIONS_RELEASED = .*?(  #|$)", f"SOLUTIONS_RELEASED = {when}\\1", text, flags=re.M
    )
    info.write_text(text, encoding="utf-8")
    if config.assessed and not released_keys(config):
        pyproject = config.out / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8").replace(ANSWERS_PACKAGE, "")
        pyproject.write_text(text, encoding="utf-8")


def write_hidden(config: ReleaseConfig, notebooks: list[NotebookInfo]) -> None:
    """Write the keys and the manifest to the hidden location."""
    hidden = config.hidden
    shutil.rmtree(hidden / "answers", ignore_errors=True)
    shutil.copytree(
        config.root / "helpers" / "exercises" / "answers",
        hidden / "answers",
        ignore=shutil.ignore_patterns(*_SKIPPED),
    )
    mode = "assessed" if config.assessed else "practice"
    released = time.strftime("%Y-%m-%d %H:%M")
    digest = exercises_fingerprint(config.root / "helpers" / "exercises")
    write_manifest(hidden, notebooks, mode=mode, released=released, exercises=digest)
    (hidden / "README.md").write_text(
        "# Hidden tests: instructor only\n\nThe answer keys (answers/) and the map of the "
        "released exercises (manifest.json) for `python -m helpers.classroom grade "
        "SUBMISSIONS --hidden THIS_FOLDER --out DIR`. Never put this folder in the students' "
        "repository.\n",
        encoding="utf-8",
    )


def upstream_links(tree: Path, upstream: str) -> list[str]:
    """Return the notebooks (and course.py) of `tree` that still name the `upstream` address."""
    paths = [*sorted((tree / "notebooks").glob("*.ipynb")), tree / "helpers" / "course.py"]
    return [
        str(path.relative_to(tree))
        for path in paths
        if path.is_file() and upstream in path.read_text(encoding="utf-8", errors="replace")
    ]


def _build(config: ReleaseConfig) -> ReleaseReport:
    """Write the student tree at `config.out` (a new, empty folder) and the hidden location."""
    copy_tree(config)
    source = config.notebooks or config.root / "notebooks"
    missing: list[str] = []
    notebooks = [
        release_notebook(path, config.out, missing)
        for path in sorted(source.glob("[0-9][0-9]_*.ipynb"))
    ]
    upstream = course.REPOSITORY_URL
    if config.repo:
        point_at(config.out, config.repo, config.branch)
    write_mode(config)
    if config.assessed:
        still = upstream_links(config.out, upstream)
        if still:
            raise ReleaseError(
                f"these files still install from {upstream}, the course's own repository (answer "
                f"keys included), not the students' --repo: {', '.join(still)}"
            )
    if config.hidden is not None:
        config.hidden.mkdir(parents=True, exist_ok=True)
        write_hidden(config, notebooks)
    if config.assessed:
        keys_from = config.root / "helpers" / "exercises"
        leaks = audit(config.out, notebooks, keys_from, released_keys(config))
        if leaks:
            raise ReleaseError("the student tree gives answers away:\n  " + "\n  ".join(leaks))
    facts = {"mode": "assessed" if config.assessed else "practice", "repo": config.repo}
    facts["keys_released"] = sorted(released_keys(config))
    (config.out / MARKER).write_text(json.dumps(facts) + "\n", encoding="utf-8")
    return ReleaseReport(notebooks, config.hidden, missing)


def release(config: ReleaseConfig) -> ReleaseReport:
    """Write the student tree (and the hidden location); return what was released.

    The tree is built in a temporary folder next to `config.out` and moved into place only
    once it passed the audit: a failed release leaves `config.out` as it was.
    """
    check_places(config)
    out = config.out
    out.resolve().parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.release-", dir=out.resolve().parent))
    staging.chmod(0o755)  # mkdtemp's folder is private; a student tree is not
    try:
        report = _build(replace(config, out=staging))
        if out.exists():
            _clear(out)  # keeps out/.git: the students' repository stays one
            for path in staging.iterdir():
                shutil.move(str(path), str(out / path.name))
            staging.rmdir()
        else:
            staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _needles(key: Key, starter: str) -> list[str]:
    """Return the texts of a key that must not appear in a student tree."""
    given = {line.strip() for line in starter.splitlines()}  # what students get anyway
    code = "\n".join(line for line in key.solution_cell.splitlines() if line.strip() not in given)
    lines = [key.solution_text, key.solution_text.splitlines()[0].split("#")[0].strip(), code]
    return [line.strip() for line in lines if len(line.strip()) >= 12 and line.strip() not in given]


def _readable(path: Path) -> str:
    """Return the text of a file as a reader sees it (a notebook: its sources and outputs)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".ipynb":
        return text
    try:
        cells = json.loads(text).get("cells", [])
    except (json.JSONDecodeError, AttributeError):
        return text
    return "\n".join(source(cell) for cell in cells) + "\n".join(output_texts({"cells": cells}))


def audit(
    tree: Path, notebooks: list[NotebookInfo], keys_from: Path, released: set[str] = frozenset()
) -> list[str]:
    """Return every way the student tree at `tree` gives answers away (none: an empty list).

    `keys_from` is a folder holding ``answers/nbNN.py``: the hidden location, or the course's
    ``helpers/exercises``. `released` names the answer modules shipped on purpose
    (``--solutions-for``): those, and their notebooks' solutions, are allowed.
    """
    answers = tree / "helpers" / "exercises" / "answers"
    leaks = [
        f"{path.relative_to(tree)}: answer keys or compiled code"
        for path in tree.rglob("*")
        if path.suffix == ".pyc" or (path.parent == answers and path.name not in released)
    ]
    needles = {KEYS_HEADER: "the answer keys"}
    for info in notebooks:
        if f"nb{info.file[:2]}.py" in released:
            continue  # its solutions are released on purpose
        for exercise in info.exercises:
            key = load_key(exercise.name, str(keys_from.resolve()))
            for needle in _needles(key, exercise.starter) if key else []:
                needles[needle] = f"the solution of {exercise.name}"
    for path in sorted(tree.rglob("*")):
        if not path.is_file() or ".git" in path.parts or path.suffix in (".csv", ".png"):
            continue
        if path.parent == answers and path.name in released:
            continue
        text = _readable(path)
        leaks += [
            f"{path.relative_to(tree)}: {what} ({needle!r})"
            for needle, what in needles.items()
            if needle in text
        ]
    pyproject = tree / "pyproject.toml"
    if not released and pyproject.is_file() and ANSWERS_PACKAGE in pyproject.read_text("utf-8"):
        leaks.append("pyproject.toml still lists helpers.exercises.answers")
    return leaks
