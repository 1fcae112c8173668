"""The classroom cycle end to end: release the course, grade a fixture class, read the reports.

One assessed release and one grading run of the fixture class (tests/fixtures/classroom),
shared by the whole module: ten students' notebook 03, the course's seven solution notebooks
and the seven untouched ones, in parallel kernels, offline, in smoke mode.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from helpers import course
from helpers.classroom import cli, gradescope, reports
from helpers.classroom import grade as grading
from helpers.classroom.notebooks import find_exercise, read_notebook, source, write_notebook
from helpers.classroom.release import ReleaseConfig, ReleaseError, audit, release
from helpers.exercises import Exercise
from helpers.exercises.capture import load_key

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "classroom"))
from fixture_class import build_class, solution_notebook  # noqa: E402

REPO = "https://github.com/teacher/course-2025"
COURSE_NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
N03 = "03_self_attention_math.ipynb"


@pytest.fixture(scope="module")
def released(tmp_path_factory, monkeypatch_module):
    """An assessed release: (student tree, hidden location, report)."""
    folder = tmp_path_factory.mktemp("release")
    config = ReleaseConfig(out=folder / "student", hidden=folder / "hidden", repo=REPO)
    return config.out, config.hidden, release(config)


@pytest.fixture(scope="module")
def monkeypatch_module():
    """A monkeypatch for the whole module (release points course.py at a fork, then undoes)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(course, "REPOSITORY_URL", course.REPOSITORY_URL)
        patch.setattr(course, "BRANCH", course.BRANCH)
        yield patch


@pytest.fixture(scope="module")
def graded(released, tmp_path_factory):
    """The fixture class graded: (gradebook rows as dicts, rows, output folder, seconds)."""
    student, hidden, _report = released
    folder = tmp_path_factory.mktemp("class")
    build_class(student / "notebooks", hidden, folder / "submissions")
    config = grading.GradeConfig(
        folder / "submissions", folder / "out", hidden, cell_timeout=5, notebook_timeout=180
    )
    started = time.perf_counter()
    rows = grading.grade(config)
    seconds = time.perf_counter() - started
    notebooks = grading.assignment(config)
    exercises = grading.exercises_by_name(notebooks)
    keys = grading.keys_by_name(notebooks, hidden)
    reports.write_reports(rows, config.out, exercises, keys, reveal=False, gradescope=True)
    with open(config.out / reports.GRADEBOOK, newline="", encoding="utf-8") as file:
        table = {(line["student"], line["notebook"]): line for line in csv.DictReader(file)}
    print(f"\nGraded {len(rows)} notebooks in {seconds:.1f} s on {os.cpu_count()} cores")
    return table, rows, config.out, seconds


# --- the release ---------------------------------------------------------------------------


def course_exercise_count() -> int:
    """Return how many exercises the course's notebooks have (their helpers.exercises modules)."""
    count = 0
    for path in COURSE_NOTEBOOKS:
        module = importlib.import_module(f"helpers.exercises.nb{path.name[:2]}")
        count += sum(isinstance(value, Exercise) for value in vars(module).values())
    return count


def text_files(tree: Path) -> list[Path]:
    return [path for path in tree.rglob("*") if path.is_file() and path.suffix != ".csv"]


def test_the_release_tree_holds_no_solution_and_no_hidden_test(released):
    student, hidden, report = released
    assert audit(student, report.notebooks, hidden) == []
    assert not (student / "helpers" / "exercises" / "answers").exists()
    assert not (student / "tests").exists() and not list(student.rglob("*.pyc"))
    texts = "\n".join(path.read_text(errors="replace") for path in text_files(student))
    exercises = [exercise for info in report.notebooks for exercise in info.exercises]
    assert len(exercises) == course_exercise_count()
    for exercise in exercises:
        key = load_key(exercise.name, str(hidden))
        assert key.solution_text not in texts, exercise.name
        assert json.dumps(key.solution_cell)[1:-1] not in texts, exercise.name
        first_line = key.solution_text.splitlines()[0]
        if first_line.strip() not in {line.strip() for line in exercise.starter.splitlines()}:
            # (a first line the starter itself holds, like a def line, gives nothing away)
            assert json.dumps(first_line)[1:-1] not in texts, exercise.name
    assert (hidden / "answers" / "nb03.py").is_file() and (hidden / "manifest.json").is_file()
    assert '"helpers.exercises.answers", ' not in (student / "pyproject.toml").read_text()


def test_the_release_resets_exercises_strips_outputs_and_points_at_the_repo(released):
    student, _hidden, report = released
    for info in report.notebooks:
        notebook = read_notebook(student / "notebooks" / info.file)
        assert "teacher/course-2025/blob/main/notebooks" in source(notebook["cells"][0])
        for cell in notebook["cells"]:
            assert cell.get("outputs", []) == [] and cell.get("execution_count") is None
        for exercise in info.exercises:
            match = find_exercise(notebook, exercise.name, exercise.check_line)
            assert source(notebook["cells"][match.index]) == exercise.starter
    assert f'REPOSITORY_URL = "{REPO}"' in (student / "helpers" / "course.py").read_text()


def test_the_students_package_checks_the_form_only(released):
    student, _hidden, _report = released
    script = (
        "import torch\n"
        "from helpers.exercises import nb03\n"
        "print(nb03.q1.check(torch.tril(torch.ones(5, 5, dtype=torch.bool))).status)\n"
        "print(nb03.q1.check(torch.ones(4, 4)).status)\n"
        "print(nb03.q1.solution())\n"
        "import importlib.util\n"
        "print(importlib.util.find_spec('helpers.exercises.answers'))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(student), OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=student, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    recorded, wrong, solution, spec = result.stdout.strip().splitlines()
    assert (recorded, wrong, spec) == ("recorded", "wrong", "None")
    assert solution.startswith("The solution to nb03.q1 is released after the deadline")


def test_a_release_of_solved_notebooks_gives_students_the_starters(tmp_path, monkeypatch_module):
    """An instructor's edited copies may hold answers: the release resets every exercise."""
    for path in COURSE_NOTEBOOKS:
        solved = solution_notebook(path, ROOT / "helpers" / "exercises")
        solved["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
        write_notebook(solved, tmp_path / "solved" / path.name)
    config = ReleaseConfig(
        tmp_path / "student", tmp_path / "hidden", repo=REPO, notebooks=tmp_path / "solved"
    )
    report = release(config)  # raises ReleaseError if a solution were left in the tree
    assert sum(len(info.exercises) for info in report.notebooks) == course_exercise_count()
    assert not report.missing


def test_a_release_refuses_to_put_the_hidden_tests_in_the_student_tree(tmp_path):
    config = ReleaseConfig(out=tmp_path / "student", hidden=tmp_path / "student" / "hidden")
    with pytest.raises(ReleaseError, match="inside the student tree"):
        release(config)
    with pytest.raises(ReleaseError, match="needs --hidden"):
        release(ReleaseConfig(out=tmp_path / "elsewhere"))
    assert not (tmp_path / "student").exists() and not (tmp_path / "elsewhere").exists()


def test_a_practice_release_keeps_the_keys(tmp_path, monkeypatch_module):
    release(ReleaseConfig(out=tmp_path / "student", assessed=False))
    assert (tmp_path / "student" / "helpers" / "exercises" / "answers" / "nb03.py").is_file()
    info = (tmp_path / "student" / "helpers" / "exercises" / "release_info.py").read_text()
    assert 'MODE = "practice"' in info
    with pytest.raises(ReleaseError, match="not empty"):  # a second release needs --force
        release(ReleaseConfig(out=tmp_path / "student", assessed=False))


# --- grading the fixture class -------------------------------------------------------------

# What each student deserves on notebook 03 (points: q1 1, q2 1, q3 2, q4 1, q5 2, q6 1, q7 1).
# The fixture students change only q1 to q4: their q5 to q7 cells are still the starters.
QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")
UNTOUCHED = ("not attempted",) * 3  # q5, q6, q7
EXPECTED = {
    "ada_correct": ("1", "1", "2", "1", *UNTOUCHED, "5", "graded"),
    "ben_half": ("1", "0.5", "1", "0", *UNTOUCHED, "2.5", "graded"),
    "cleo_crash": (
        "1",
        "error: TypeError: unsupported operand type(s) for @: 'Tensor' and 'str'",
        "2",
        "1",
        *UNTOUCHED,
        "4",
        "errors",
    ),
    "dan_loop": ("1", "timeout", "2", "1", *UNTOUCHED, "4", "timeout"),
    "eve_dies": ("1", "kernel died", "kernel died", "kernel died", *UNTOUCHED, "1", "kernel died"),
    "finn_edited": ("1", "check line edited", "2", "1", *UNTOUCHED, "4", "graded"),
    "gus_reuses_answer": ("1", "1", "2", "1", *UNTOUCHED, "5", "graded"),
    "hana_not_a_notebook": ("invalid notebook",) * 7 + ("0", "invalid notebook"),
    "ivan_untouched": ("not attempted",) * 7 + ("0", "graded"),
    "jo_missing": (
        "1",
        "not attempted",
        "not attempted",
        "missing",
        *UNTOUCHED,
        "1",
        "graded",
    ),
    "zoe_solutions": ("1", "1", "2", "1", "2", "1", "1", "9", "graded"),
}
N03_MAX = "9"
FLAGS = {
    "ada_correct": "same code as gus_reuses_answer: nb03.q3",
    "finn_edited": "check line edited: nb03.q2, nb03.q4",
    "gus_reuses_answer": "solution text in outputs: nb03.q1; same code as ada_correct: nb03.q3",
}


def test_every_student_gets_what_they_deserve_on_notebook_03(graded):
    table, _rows, _out, _seconds = graded
    for student, expected in EXPECTED.items():
        row = table[(student, N03)]
        got = tuple(row[column] for column in (*QUESTIONS, "total"))
        assert got + (row["status"].split(":")[0],) == expected, student
        assert row["max"] == N03_MAX and row["flags"] == FLAGS.get(student, ""), student


def written_points(path: Path) -> tuple[list[str], float]:
    """Return a notebook's written exercises (gradebook columns) and the points they carry."""
    module = importlib.import_module(f"helpers.exercises.nb{path.name[:2]}")
    written = [
        value
        for value in vars(module).values()
        if isinstance(value, Exercise) and value.kind == "written"
    ]
    return [exercise.name.split(".")[1] for exercise in written], sum(e.points for e in written)


def test_the_solution_notebooks_score_full_marks_and_the_release_zero(graded):
    """Full marks on everything graded automatically; written answers wait for a TA."""
    table, _rows, _out, _seconds = graded
    for path in COURSE_NOTEBOOKS:
        solved, untouched = (
            table[("zoe_solutions", path.name)],
            table[("ivan_untouched", path.name)],
        )
        columns, points = written_points(path)
        assert float(solved["total"]) == float(solved["max"]) - points, path.name
        assert all(solved[column] == "to be scored" for column in columns), path.name
        assert solved["status"] == "graded", path.name
        assert untouched["total"] == "0", path.name
        questions = [name for name in untouched if name.startswith("q") and untouched[name]]
        assert len(questions) >= 4
        assert all(untouched[name] == "not attempted" for name in questions), path.name
    assert len(table) == len(EXPECTED) * len(COURSE_NOTEBOOKS)  # a row for each, see below


def test_a_notebook_nobody_graded_for_a_student_gets_a_row_that_says_not_handed_in(graded):
    """Zoe and Ivan handed in every notebook, so every notebook is due from everyone."""
    table, _rows, out, _seconds = graded
    row = table[("ada_correct", "04_inside_bert.ipynb")]
    questions = [name for name in row if name.startswith("q") and row[name]]
    assert len(questions) >= 4 and all(row[name] == "not handed in" for name in questions)
    assert (row["total"], row["status"]) == ("0", "not handed in") and float(row["max"]) > 0
    text = (out / "feedback" / "ada_correct" / "04_inside_bert.md").read_text()
    assert "No file of this notebook was found in the student's folder" in text
    assert table[("hana_not_a_notebook", "00_welcome.ipynb")]["status"] == "not handed in"


def test_grading_names_the_assignments_notebooks(released, graded, tmp_path, capsys):
    """--notebooks 03: other notebooks are not graded; a student without 03 gets its row."""
    _table, _rows, out, _seconds = graded
    ivan = out.parent / "submissions" / "ivan_untouched"
    submissions = tmp_path / "submissions"
    for name in (N03, "04_inside_bert.ipynb"):
        (submissions / "ivan").mkdir(parents=True, exist_ok=True)
        shutil.copy(ivan / name, submissions / "ivan" / name)
    (submissions / "kim_nothing").mkdir()
    (submissions / "lee_renamed").mkdir()  # a notebook whose name says nothing: not graded
    shutil.copy(ivan / N03, submissions / "lee_renamed" / "homework.ipynb")
    (submissions / "__MACOSX" / "ivan").mkdir(parents=True)  # left by unzipping a Mac archive
    (submissions / "__MACOSX" / "ivan" / f"._{N03}").write_bytes(b"\x00\x05\x16\x07")
    hidden = str(released[1])
    arguments = ["grade", str(submissions), "--hidden", hidden, "--out", str(tmp_path / "out")]
    assert cli.main([*arguments, "--notebooks", "03"]) == 0
    assert "Graded 1 notebooks of 3 students" in capsys.readouterr().out
    with open(tmp_path / "out" / reports.GRADEBOOK, newline="", encoding="utf-8") as file:
        rows = {(line["student"], line["notebook"]): line for line in csv.DictReader(file)}
    assert {where: row["status"] for where, row in rows.items()} == {
        ("ivan", N03): "graded",
        ("kim_nothing", N03): "not handed in",
        ("lee_renamed", N03): "not handed in",
    }
    assert rows[("kim_nothing", N03)]["flags"] == ""
    assert rows[("lee_renamed", N03)]["flags"] == "files not graded: see unmatched.csv"
    unmatched = (tmp_path / "out" / grading.UNMATCHED).read_text()
    assert "ivan,04_inside_bert.ipynb,names no notebook of the assignment" in unmatched
    assert "lee_renamed,homework.ipynb,names no notebook of the assignment" in unmatched
    assert "MACOSX" not in unmatched
    assert cli.main([*arguments, "--notebooks", "03", "99"]) == 2
    assert "--notebooks 99: no such notebook" in capsys.readouterr().err


def test_a_feedback_file_gives_hints_and_hidden_test_names_but_not_their_inputs(graded):
    _table, _rows, out, _seconds = graded
    text = (out / "feedback" / "ben_half" / "03_self_attention_math.md").read_text()
    assert f"Score: 2.5 / {N03_MAX}" in text and "## nb03.q3: 1 / 2" in text
    assert "you forgot to divide the scores by sqrt(d_k)" in text and "50% of the points" in text
    assert "- one token: passed" in text and "- head size 1: failed" in text
    assert "inputs:" not in text and "shape (2, 3, 4)" not in text


def test_reveal_shows_the_hidden_inputs(graded):
    _table, rows, _out, _seconds = graded
    row = next(row for row in rows if (row.student, row.notebook) == ("ben_half", N03))
    text = reports.feedback_text(row, {}, reveal=True)
    assert "- head size 1: failed; inputs: a tensor of shape (2, 3, 4), 4" in text


def test_gradescope_results_follow_its_format(graded):
    _table, _rows, out, _seconds = graded
    data = json.loads((out / "gradescope" / "ben_half" / "results.json").read_text())
    assert data["score"] == 2.5
    tests = {test["name"]: test for test in data["tests"]}
    q3 = tests[f"{N03}: nb03.q3"]
    assert (q3["score"], q3["max_score"], q3["visibility"]) == (1.0, 2.0, "after_published")
    q5 = tests[f"{N03}: nb03.q5"]  # not attempted: no points of its 2
    assert (q5["score"], q5["max_score"]) == (0.0, 2.0)


def test_a_teaching_assistants_scores_complete_the_solution_notebooks(graded, tmp_path):
    """Full marks on every written answer of the solutions: merge makes every total the max."""
    _table, _rows, out, _seconds = graded
    folder = tmp_path / "grades"
    shutil.copytree(out, folder)
    with open(folder / reports.WRITTEN, newline="", encoding="utf-8") as file:
        entries = list(csv.DictReader(file))
    for entry in entries:
        if entry["student"] == "zoe_solutions":
            entry |= {"score": entry["points"], "comment": "Meets the rubric."}
    with open(folder / reports.WRITTEN, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=reports.WRITTEN_COLUMNS)
        writer.writeheader()
        writer.writerows(entries)
    assert cli.main(["merge", str(folder)]) == 0
    with open(folder / reports.GRADEBOOK, newline="", encoding="utf-8") as file:
        solved = [line for line in csv.DictReader(file) if line["student"] == "zoe_solutions"]
    assert len(solved) == len(COURSE_NOTEBOOKS)
    assert all(line["total"] == line["max"] for line in solved)
    text = (folder / "feedback" / "zoe_solutions" / "04_inside_bert.md").read_text()
    assert "Comment: Meets the rubric." in text and "to be scored" not in text


def test_the_gradescope_autograder_grades_one_submission(released, graded, tmp_path):
    """Build the zip, unpack it as Gradescope would, and run run_autograder on ben's upload."""
    student, hidden, _report = released
    _table, _rows, out, _seconds = graded
    archive = tmp_path / "autograder.zip"
    names = gradescope.build_autograder(student, hidden, archive, ("03", "nb04"))
    assert names == [N03, "04_inside_bert.ipynb"]
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as unpacked:
        members = unpacked.namelist()
        unpacked.extractall(root / "source")
    assert {"setup.sh", "run_autograder", "hidden/manifest.json", "hidden/answers/nb03.py"} <= {
        *members
    }
    assert "course/pyproject.toml" in members and not any(m.startswith("tests/") for m in members)
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(root / "source" / script)]).returncode == 0
    shutil.copytree(out.parent / "submissions" / "ben_half", root / "submission")
    (root / "submission" / "notes.pdf").write_text("my notes")
    env = os.environ | {"AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True)
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 2.5
    received = data["tests"][0]
    assert received["visibility"] == "visible" and received["status"] == "failed"
    assert "04_inside_bert.ipynb: not handed in" in received["output"]
    assert "- notes.pdf: not a .ipynb file" in received["output"]
    tests = {test["name"]: test for test in data["tests"]}
    assert tests[f"{N03}: nb03.q3"]["score"] == 1.0
    assert tests["04_inside_bert.ipynb: nb04.q1"]["score"] == 0


def test_a_failed_autograder_run_still_writes_results(tmp_path):
    assert gradescope.run(tmp_path) == 0  # no source, no submission: grading fails
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["score"] == 0 and data["output"].startswith("Grading failed: ")


def test_the_history_audit_finds_a_key_that_a_later_commit_removed(released, tmp_path, capsys):
    student, hidden, _report = released
    tree = tmp_path / "students"
    shutil.copytree(student, tree)

    def git(*args: str) -> None:
        who = ["-c", "user.name=Teacher", "-c", "user.email=teacher@example.org"]
        subprocess.run(["git", "-C", str(tree), *who, *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "Assignment 1")
    key = tree / "helpers" / "exercises" / "answers" / "nb03.py"
    key.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(hidden / "answers" / "nb03.py", key)
    git("add", "-A")
    git("commit", "-qm", "Oops: the keys")
    shutil.rmtree(key.parent)
    git("add", "-A")
    git("commit", "-qm", "Remove the keys")
    assert cli.main(["audit", str(tree), "--hidden", str(hidden)]) == 0
    capsys.readouterr()
    assert cli.main(["audit", str(tree), "--hidden", str(hidden), "--history"]) == 1
    leaks = [line for line in capsys.readouterr().out.splitlines() if line.startswith("leak:")]
    assert leaks and all("Oops: the keys" in line for line in leaks)
    assert any("helpers/exercises/answers/nb03.py: answer keys" in line for line in leaks)


def test_grading_the_class_does_not_wait_on_hung_notebooks(graded):
    """A benchmark, not a timed test: the time is printed (run pytest -s to see it)."""
    _table, _rows, _out, seconds = graded
    assert seconds < 600  # only a hang (a notebook not stopped at its limit) would pass this
