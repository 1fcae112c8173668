"""Gradescope's autograder: a zip that grades each submission with the course's own grader.

``python -m helpers.classroom autograder --students ../students --hidden ../hidden
--notebooks 03 04 --out autograder.zip`` writes the zip that Gradescope's "Zip file upload"
autograder takes:

- ``setup.sh``: run once when Gradescope builds the autograder image: a virtual environment,
  the CPU build of PyTorch, and the students' package with the grader's extras;
- ``run_autograder``: run for every submission: grades ``/autograder/submission`` with
  ``python -m helpers.classroom.gradescope`` and writes ``/autograder/results/results.json``;
- ``course/``: the student tree (what students install), ``hidden/``: the keys and the
  manifest of the chosen notebooks.

The zip holds the answer keys: upload it to Gradescope, never to the students' repository.
A notebook of the assignment that a student did not upload scores 0 ("not handed in"); a
grading that fails still writes a results.json: score 0 and a visible message that says why.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from helpers.classroom import grade as grading
from helpers.classroom import reports
from helpers.classroom.manifest import MANIFEST, read_manifest
from helpers.classroom.release import ReleaseError

STUDENT = "submission"  # the grader's name for the one student of a Gradescope run

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder (it has the network then).
set -euo pipefail
apt-get update -q && apt-get install -y -q python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q --upgrade pip
/autograder/venv/bin/pip install -q torch --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install -q "/autograder/source/course[classroom]"
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission and write
# /autograder/results/results.json. AUTOGRADER_ROOT and AUTOGRADER_PYTHON are for trying it
# elsewhere.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
cd "$ROOT/source" && exec "$PYTHON" -m helpers.classroom.gradescope "$ROOT"
"""


def chosen_manifest(hidden: Path, numbers: tuple[str, ...]) -> dict:
    """Return the hidden manifest with only the chosen notebooks (all when none are named)."""
    data = json.loads((hidden / MANIFEST).read_text(encoding="utf-8"))
    wanted = {number.removeprefix("nb").zfill(2) for number in numbers}
    known = {item["file"][:2] for item in data["notebooks"]}
    if wanted - known:
        raise ReleaseError(f"no released notebook {sorted(wanted - known)} in {hidden}")
    if wanted:
        data["notebooks"] = [item for item in data["notebooks"] if item["file"][:2] in wanted]
    return data


def _add_tree(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not {".git", "__pycache__"} & set(parts):
            archive.write(path, f"{prefix}/{'/'.join(parts)}")


def _add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    entry = zipfile.ZipInfo(name)
    entry.external_attr = 0o755 << 16  # executable, as Gradescope expects
    archive.writestr(entry, text)


def build_autograder(
    students: Path, hidden: Path, out: Path, numbers: tuple[str, ...] = ()
) -> list[str]:
    """Write Gradescope's autograder zip to `out`; return the notebooks it grades."""
    if not (students / "pyproject.toml").is_file() or not (students / "helpers").is_dir():
        raise ReleaseError(f"{students} is not a student tree (no pyproject.toml and helpers/)")
    if not (hidden / MANIFEST).is_file():
        raise ReleaseError(f"{hidden} has no {MANIFEST}: pass the release's --hidden folder")
    manifest = chosen_manifest(hidden, numbers)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_script(archive, "setup.sh", SETUP)
        _add_script(archive, "run_autograder", RUN)
        _add_tree(archive, students, "course")
        _add_tree(archive, hidden / "answers", "hidden/answers")
        archive.writestr(f"hidden/{MANIFEST}", json.dumps(manifest, indent=1) + "\n")
    return [item["file"] for item in manifest["notebooks"]]


def failed_results(why: str) -> dict:
    """Return a results.json that says grading failed (score 0, for the instructor to see)."""
    return {
        "score": 0,
        "output": f"Grading failed: {why}. Your instructor will look at it.",
        "tests": [{"name": "Submission received", "status": "failed", "visibility": "visible"}],
    }


def grade_submission(root: Path, work: Path) -> dict:
    """Grade root/submission with root/source/hidden; return the results.json data."""
    hidden = root / "source" / "hidden"
    folder = work / "submissions" / STUDENT
    shutil.copytree(root / "submission", folder)
    every = tuple(info.number for info in read_manifest(hidden))  # the chosen ones
    config = grading.GradeConfig(work / "submissions", work / "grades", hidden, only=every)
    rows = grading.grade(config)  # a notebook not uploaded has a "not handed in" row
    notebooks = grading.assignment(config)
    data = reports.gradescope_results(rows, grading.exercises_by_name(notebooks), reveal=False)
    with open(config.out / grading.UNMATCHED, newline="", encoding="utf-8") as file:
        not_graded = [f"- {item['file']}: {item['reason']}" for item in csv.DictReader(file)]
    if not_graded:
        data["tests"][0]["output"] += "\n\nFiles not graded:\n" + "\n".join(not_graded)
    return data


def run(root: Path) -> int:
    """Grade one Gradescope submission and write root/results/results.json."""
    (root / "results").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-") as work:
        try:
            data = grade_submission(root, Path(work))
        except Exception as error:  # whatever happens, Gradescope gets a results.json
            data = failed_results(f"{type(error).__name__}: {error}")
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    (root / "results" / "results.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1] if len(sys.argv) > 1 else "/autograder")))
