"""Every notebook follows the course frame: badge, setup, parameters, exercises, no outputs."""

from __future__ import annotations

import importlib
import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import course
from helpers.exercises import Exercise
from helpers.fork import fork

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPECTED_NUMBERS = [f"{number:02d}" for number in range(8)]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def tagged(notebook: dict, tag: str) -> list[dict]:
    return [cell for cell in notebook["cells"] if tag in cell.get("metadata", {}).get("tags", [])]


def expected_setup_source() -> str:
    return (
        "import sys\n\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install -q "{course.pip_install_target()}"'
    )


def test_the_eight_notebooks_exist_in_teaching_order():
    assert [path.name[:2] for path in NOTEBOOKS] == EXPECTED_NUMBERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_no_stored_outputs(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_title_cell_has_badge_goals_and_run_time(path):
    first = load(path)["cells"][0]
    text = source(first)
    assert first["cell_type"] == "markdown" and text.startswith(f"# {path.name[:2]} ")
    badge = course.colab_badge_url(f"notebooks/{path.name}")
    assert f"]({badge})" in text, "badge must point at this notebook in the course repository"
    assert "What you will learn" in text
    assert re.search(r"[Rr]un time", text) and "CPU" in text and "T4" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_setup_cell_installs_the_course_only_in_colab(path):
    setup = tagged(load(path), "setup")
    assert len(setup) == 1 and source(setup[0]).strip() == expected_setup_source()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_parameters_cell_reads_smoke_mode(path):
    parameters = tagged(load(path), "parameters")
    assert len(parameters) == 1
    assert 'os.environ.get("COURSE_SMOKE"' in source(parameters[0])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_code_cell_follows_markdown_and_is_short(path):
    cells = load(path)["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        assert index > 0 and cells[index - 1]["cell_type"] == "markdown", (
            f"code cell {index} has no markdown before it saying why"
        )
        assert len(source(cell).splitlines()) <= 25, f"code cell {index} is longer than 25 lines"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_at_least_three_checked_exercises(path):
    number = path.name[:2]
    module = importlib.import_module(f"helpers.exercises.nb{number}")
    exercises = [value for value in vars(module).values() if isinstance(value, Exercise)]
    assert len(exercises) >= 3
    code = "\n".join(source(cell) for cell in load(path)["cells"] if cell["cell_type"] == "code")
    checked = set(re.findall(rf"nb{number}\.(q\d+)\.check\(", code))
    assert len(checked) >= 3, f"the notebook checks only {sorted(checked)}"
    assert all(hasattr(module, name) for name in checked)


def test_fork_command_rewrites_badges_setup_cells_and_course_module(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    (tmp_path / "helpers").mkdir()
    shutil.copy(ROOT / "helpers" / "course.py", tmp_path / "helpers" / "course.py")
    monkeypatch.setattr(course, "REPOSITORY_URL", course.REPOSITORY_URL)
    monkeypatch.setattr(course, "BRANCH", course.BRANCH)
    new = "https://github.com/teacher/course-fork"
    changed = fork(tmp_path, new, "spring")
    assert len(changed) == len(NOTEBOOKS)
    for path in sorted((tmp_path / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = load(path)
        text = source(notebook["cells"][0])
        assert (
            f"colab.research.google.com/github/teacher/course-fork/blob/spring/notebooks/{path.name}"
            in text
        )
        assert f"git+{new}.git@spring" in source(tagged(notebook, "setup")[0])
        assert "lm-course/language-models-course" not in path.read_text(encoding="utf-8")
    module_text = (tmp_path / "helpers" / "course.py").read_text(encoding="utf-8")
    assert f'REPOSITORY_URL = "{new}"' in module_text and 'BRANCH = "spring"' in module_text


def test_fork_refuses_a_non_github_address(tmp_path):
    with pytest.raises(ValueError, match="github.com/OWNER/NAME"):
        fork(tmp_path, "ftp://example.org/x")
