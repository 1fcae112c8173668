"""The classroom's parts, one at a time, without kernels: fast."""

from __future__ import annotations

import copy
import csv
import json
import os
from pathlib import Path

import pytest
import torch

from helpers import course
from helpers.classroom import cli, gradescope
from helpers.classroom import release as release_module
from helpers.classroom.cells import cell_names, plan_code
from helpers.classroom.grade import GradeConfig, Row, discover, kernel_env, write_unmatched
from helpers.classroom.manifest import ExerciseInfo, course_map, match_notebook
from helpers.classroom.merge import MergeError, merge
from helpers.classroom.notebooks import find_exercise, notebook_number, source
from helpers.classroom.pool import run_job
from helpers.classroom.reports import write_reports
from helpers.classroom.runner import Job
from helpers.classroom.scoring import TO_BE_SCORED, QuestionResult, grade_record
from helpers.exercises import Case, Credit, Exercise, Key, capture, is_close

ROOT = Path(__file__).resolve().parent.parent

# --- the three kinds of exercise -----------------------------------------------------------

VALUE = Exercise(
    name="demo.q1",
    question="What is 3 squared?",
    hints=("multiply the number by itself.",),
    starter="answer = None  # your code here\ndemo.q1.check(answer)",
    key=Key(
        is_correct=is_close(9.0),
        diagnose=lambda answer: Credit("that is 3 doubled.", 0.25) if answer == 6 else None,
        solution_text="answer = 3 * 3",
        solution_cell="answer = 3 * 3\ndemo.q1.check(answer)",
    ),
)
FUNCTION = Exercise(
    name="demo.q2",
    kind="function",
    points=2,
    question="Write double(x).",
    hints=("return x twice.", "x + x, or 2 * x."),
    starter="def double(x):\n    return None\n\n\ndemo.q2.check(double)",
    key=Key(
        cases=(Case("one", (1,), 2), Case("zero", (0,), 0), Case("negative", (-3,), -6)),
        solution_text="def answer(x):\n    return 2 * x",
        solution_cell="def double(x):\n    return 2 * x\n\n\ndemo.q2.check(double)",
    ),
)
WRITTEN = Exercise(
    name="demo.q3",
    kind="written",
    points=3,
    question="Why do we divide the scores by sqrt(d_k)?",
    hints=("look at the variance of a dot product.",),
    starter="answer = None  # your explanation, as text\ndemo.q3.check(answer)",
    min_words=5,
    key=Key(
        rubric=("1: the variance grows with d_k", "2: the softmax saturates otherwise"),
        solution_text="Dot products of d_k random numbers have variance d_k ...",
        solution_cell='answer = "The variance grows with d_k."\ndemo.q3.check(answer)',
    ),
)


def test_a_function_answer_is_checked_on_every_case():
    assert FUNCTION.check(lambda x: 2 * x)
    result = FUNCTION.check(lambda x: x + 1)
    assert not result and "passes 1 of 3 test cases" in result.message
    assert "raised ZeroDivisionError" in FUNCTION.check(lambda x: 1 / x).message


def test_hints_come_one_step_at_a_time():
    assert "Hint 1 of 2" in repr(FUNCTION.hint()) and "x + x" in repr(FUNCTION.hint())


def test_a_written_answer_is_recorded_not_judged():
    assert WRITTEN.check("Because the variance grows with d_k.").status == "recorded"
    assert "at least 5" in WRITTEN.check("Variance.").message
    assert "as text" in WRITTEN.check(42).message


def test_checks_record_each_answer_when_grading(tmp_path, monkeypatch):
    monkeypatch.setenv(capture.GRADING_DIR, str(tmp_path))
    answer = 9
    VALUE.check(answer)
    answer = torch.tensor([1.0, 2.0])  # reused: the first record keeps 9
    VALUE.check(answer)
    FUNCTION.check(lambda x: x + 2)
    WRITTEN.check(None)
    lines = [json.loads(line) for line in (tmp_path / capture.RECORDS).read_text().splitlines()]
    assert [line["answer"] for line in lines[:2]] == [9, [1.0, 2.0]]
    assert [case["passed"] for case in lines[2]["cases"]] == [False, False, False]
    assert "lambda x: x + 2" in lines[2]["source"] and lines[3]["answer"] is None
    assert lines[2]["credit"] == 0.0  # FUNCTION has no known mistakes


def test_a_known_mistake_in_a_function_answer_earns_its_credit(tmp_path, monkeypatch):
    """nb04.q4: a corrupt() that overwrites input_ids gets half the points, recorded at check."""
    from exercise_rows.nb04 import corrupt_in_place

    from helpers.exercises import nb04

    monkeypatch.setenv(capture.GRADING_DIR, str(tmp_path))
    nb04.q4.check(corrupt_in_place)
    line = json.loads((tmp_path / capture.RECORDS).read_text().splitlines()[0])
    assert line["credit"] == 0.5 and sum(case["passed"] for case in line["cases"]) == 1
    result = grade_record(info(nb04.q4), nb04.q4, nb04.q4.answer_key(), line)
    assert result.score == 1.0 and "changed input_ids in place" in result.hint


def info(exercise: Exercise) -> ExerciseInfo:
    return ExerciseInfo(exercise.name, exercise.kind, exercise.points, exercise.starter)


def test_scores_use_points_partial_credit_and_the_share_of_cases():
    assert grade_record(info(VALUE), VALUE, VALUE.key, {"answer": 9}).score == 1
    mistake = grade_record(info(VALUE), VALUE, VALUE.key, {"answer": 6})
    assert mistake.score == 0.25 and "3 doubled" in mistake.hint
    cases = [{"name": n, "passed": p, "error": ""} for n, p in (("a", 1), ("b", 0), ("c", 1))]
    function = grade_record(info(FUNCTION), FUNCTION, FUNCTION.key, {"answer": "f", "cases": cases})
    assert round(function.score, 2) == 1.33 and function.cell == "1.33"
    record = {"answer": "f", "cases": cases[1:2], "credit": 0.5, "message": "✗ no\nHint: close."}
    mistake = grade_record(info(FUNCTION), FUNCTION, FUNCTION.key, record)  # 0 of 1 case
    assert mistake.score == 1 and "close. (A known mistake: 50% of the points.)" in mistake.hint
    record["credit"] = 0.25  # below the share of cases passed: the share counts
    assert grade_record(info(FUNCTION), FUNCTION, FUNCTION.key, record | {"cases": cases}).score > 1
    written = grade_record(info(WRITTEN), WRITTEN, WRITTEN.key, {"answer": "Because ..."})
    assert written.status == TO_BE_SCORED and written.score == 0


def written_rows(answer: str = "Because the variance grows.") -> list[Row]:
    results = [
        QuestionResult("nb07.q1", 1, "graded", 1.0),
        QuestionResult("nb07.q2", 3, TO_BE_SCORED, answer=answer),
    ]
    return [Row("ada", "07_history_applications_trends.ipynb", results, "graded")]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def write_csv(path: Path, entries: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(entries[0]))
        writer.writeheader()
        writer.writerows(entries)


def score_written(folder: Path, score: str, comment: str = "", **changes: str) -> None:
    entries = read_csv(folder / "written.csv")
    entries[0] |= {"score": score, "comment": comment, **changes}
    write_csv(folder / "written.csv", entries)


def test_written_answers_go_to_a_teaching_assistant_and_back(tmp_path):
    keys = {"nb07.q2": WRITTEN.key}
    write_reports(written_rows(), tmp_path, {}, keys, reveal=False, gradescope=True)
    (entry,) = read_csv(tmp_path / "written.csv")
    assert "softmax saturates" in entry["rubric"] and entry["score"] == entry["comment"] == ""
    assert read_csv(tmp_path / "gradebook.csv")[0]["q2"] == TO_BE_SCORED
    score_written(tmp_path, "2.5", "Names the growth, not why it hurts.")
    assert merge(tmp_path) == 1
    row = read_csv(tmp_path / "gradebook.csv")[0]
    assert (row["q2"], row["total"]) == ("2.5", "3.5")
    feedback = (tmp_path / "feedback/ada/07_history_applications_trends.md").read_text()
    assert "nb07.q2: 2.5 / 3" in feedback and "Comment: Names the growth" in feedback
    results = json.loads((tmp_path / "gradescope/ada/results.json").read_text())
    assert results["score"] == 3.5
    score_written(tmp_path, "")  # a score taken back: to be scored again
    assert merge(tmp_path) == 0 and read_csv(tmp_path / "gradebook.csv")[0]["q2"] == TO_BE_SCORED


@pytest.mark.parametrize(
    ("score", "changes", "message"),
    [
        ("4", {}, "line 2: score 4 is outside 0 to 3"),
        ("good", {}, "line 2: score 'good' is not a number"),
        ("2", {"answer": "Edited by the TA."}, "not the text graded"),
        ("2", {"student": "bea"}, "bea/.*is not a written answer"),
    ],
)
def test_merge_refuses_scores_it_cannot_place(tmp_path, score, changes, message):
    write_reports(written_rows(), tmp_path, {}, {}, reveal=False, gradescope=False)
    score_written(tmp_path, score, **changes)
    with pytest.raises(MergeError, match=message):
        merge(tmp_path)
    assert read_csv(tmp_path / "gradebook.csv")[0]["q2"] == TO_BE_SCORED  # nothing written


def test_merge_needs_the_folder_grading_wrote(tmp_path):
    with pytest.raises(MergeError, match="grading.json is missing"):
        merge(tmp_path)


# --- finding exercises, choosing cells ------------------------------------------------------


def notebook_of(*sources: str) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "source": text, "id": f"c{i}"} for i, text in enumerate(sources)
        ]
    }


def test_the_check_line_is_found_compared_and_missed():
    line = "nb03.q1.check(answer)"
    assert (
        find_exercise(
            notebook_of("answer = 1\nnb03.q1.check(answer)  # done"), "nb03.q1", line
        ).state
        == "ok"
    )
    assert find_exercise(notebook_of("nb03.q1.check(0.5)"), "nb03.q1", line).state == "edited"
    assert find_exercise(notebook_of("answer = 1"), "nb03.q1", line, "c0").state == "deleted"
    assert find_exercise(notebook_of("x = 1"), "nb03.q1", line, "zz").state == "missing"
    assert find_exercise(notebook_of("nb03.q10.check(a)"), "nb03.q1", line).state == "missing"


def test_file_names_match_notebooks_as_colab_renames_them():
    notebooks = course_map(ROOT / "notebooks")
    assert [n.number for n in notebooks] == [f"{number:02d}" for number in range(8)]
    assert match_notebook("Copy of 03_self_attention_math (1).ipynb", notebooks).number == "03"
    assert notebook_number("notes.txt") is None


def test_grading_runs_what_the_exercise_cells_use_and_no_more():
    sources = {
        0: 'import os\nSMOKE = os.environ.get("COURSE_SMOKE", "0") == "1"',
        1: "import math\nimport matplotlib.pyplot as plt\nimport torch\nfrom helpers.exercises import nb03\nset_seed(0)",
        2: "weights = torch.ones(3)\nplt.plot(weights)\nprint(weights)",
        3: "unused = torch.zeros(2)",
        4: "weights[0] = 2.0",
        5: "def f(x, n):\n    return x * n + math.pi\n\n\nnb03.q3.check(f)",
        6: "answer = weights.sum()\nnb03.q1.check(answer)",
    }
    code = plan_code(sources, {0, 5, 6})
    assert sorted(code) == [0, 1, 2, 4, 5, 6]
    assert code[1] == "import math\nimport torch\nfrom helpers.exercises import nb03"
    assert code[2] == "weights = torch.ones(3)" and code[5] == sources[5]


def test_names_inside_functions_are_not_taken_from_earlier_cells():
    names = cell_names("def f(hidden_states, n):\n    return hidden_states.view(n) + torch.e")
    assert names.uses == {"torch"} and names.binds == {"f"}
    assert cell_names("%pip install x\nanswer = len(splits)").uses == {"splits"}


# --- the notebooks and the command ----------------------------------------------------------


def test_every_course_exercise_cell_is_its_starter():
    for info_ in course_map(ROOT / "notebooks"):
        notebook = json.loads((ROOT / "notebooks" / info_.file).read_text(encoding="utf-8"))
        assert len(info_.exercises) >= 4
        for exercise in info_.exercises:
            match = find_exercise(notebook, exercise.name, exercise.check_line)
            assert match.state == "ok"
            assert source(notebook["cells"][match.index]) == exercise.starter, exercise.name
        assert "your_progress(nb" in source(notebook["cells"][-1])


@pytest.mark.parametrize(
    "command", [[], ["release"], ["grade"], ["merge"], ["audit"], ["autograder"]]
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([*command, "--help"])
    assert stop.value.code == 0 and "usage: python -m helpers.classroom" in capsys.readouterr().out


def test_the_autograder_refuses_what_is_not_a_release(tmp_path):
    tree, hidden = tmp_path / "students", tmp_path / "hidden"
    with pytest.raises(release_module.ReleaseError, match="is not a student tree"):
        gradescope.build_autograder(tree, hidden, tmp_path / "a.zip")
    (tree / "helpers").mkdir(parents=True)
    (tree / "pyproject.toml").write_text("[project]\n")
    with pytest.raises(release_module.ReleaseError, match="has no manifest.json"):
        gradescope.build_autograder(tree, hidden, tmp_path / "a.zip")
    hidden.mkdir()
    (hidden / "manifest.json").write_text(json.dumps({"notebooks": [{"file": "03_x.ipynb"}]}))
    with pytest.raises(release_module.ReleaseError, match=r"no released notebook \['05'\]"):
        gradescope.build_autograder(tree, hidden, tmp_path / "a.zip", ("05",))


def test_grading_warns_when_the_exercises_changed_since_the_release(tmp_path):
    from helpers.classroom.manifest import changed_since_release, exercises_fingerprint

    manifest = {"released": "2026-12-01 10:00", "notebooks": []}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest | {"exercises": "0" * 16}))
    assert "differs from the release of 2026-12-01 10:00" in changed_since_release(tmp_path)
    (tmp_path / "manifest.json").write_text(
        json.dumps(manifest | {"exercises": exercises_fingerprint()})
    )
    assert changed_since_release(tmp_path) == ""


def test_paths_given_to_kernels_are_absolute():
    config = GradeConfig(Path("submissions"), Path("grades"), Path("hidden"))
    assert config.submissions.is_absolute() and config.out.is_absolute()
    assert config.hidden.is_absolute()


def test_a_notebook_past_its_time_limit_stops_and_says_so(tmp_path):
    """A loop outside the exercise cells is stopped by the notebook's limit, kernel and all."""
    notebook = {
        "cells": [
            {"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "id": f"c{i}"}
            | {"execution_count": None}
            for i, s in enumerate(["x = 1", "while True:\n    pass", "print(x)"])
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "n.ipynb").write_text(json.dumps(notebook))
    job = Job(str(tmp_path / "n.ipynb"), str(tmp_path), [0, 1, 2], [2], notebook_timeout=8)
    outcome = run_job(job)
    assert outcome.stopped == "timeout" and outcome.cells[0]["status"] == "ok"
    assert outcome.cells[1]["status"] == "timeout" and 2 not in outcome.cells


# --- the release: safe places, the students' repository, nothing left behind --------------

STUDENTS_REPO = "https://github.com/teacher/course-students"


def test_an_assessed_release_needs_the_students_repository(tmp_path):
    config = release_module.ReleaseConfig(out=tmp_path / "student", hidden=tmp_path / "hidden")
    with pytest.raises(release_module.ReleaseError, match="needs --repo"):
        release_module.release(config)
    assert not (tmp_path / "student").exists()
    assert cli.main(["release", "--out", str(tmp_path / "s"), "--hidden", str(tmp_path / "h")]) == 2


def test_a_release_refuses_notebooks_that_install_the_course_itself(tmp_path):
    config = release_module.ReleaseConfig(
        out=tmp_path / "student", hidden=tmp_path / "hidden", repo=course.REPOSITORY_URL
    )
    with pytest.raises(release_module.ReleaseError, match="still install from"):
        release_module.release(config)
    assert sorted(path.name for path in tmp_path.iterdir()) == []  # nor a half-built tree


def test_a_failed_audit_leaves_the_earlier_release_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "student"
    (out / ".git").mkdir(parents=True)
    (out / release_module.MARKER).write_text("{}\n")
    (out / "README.md").write_text("the earlier release\n")
    monkeypatch.setattr(release_module, "audit", lambda *args: ["notebooks/x.ipynb: a leak"])
    config = release_module.ReleaseConfig(
        out=out, hidden=tmp_path / "hidden", repo=STUDENTS_REPO, force=True
    )
    with pytest.raises(release_module.ReleaseError, match="gives answers away"):
        release_module.release(config)
    assert sorted(path.name for path in out.iterdir()) == [
        ".course-release.json",
        ".git",
        "README.md",
    ]
    assert (out / "README.md").read_text() == "the earlier release\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["hidden", "student"]
    monkeypatch.undo()
    release_module.release(config)  # a clean audit: the new tree replaces the old, .git kept
    assert (out / ".git").is_dir() and (
        out / "notebooks" / "03_self_attention_math.ipynb"
    ).is_file()
    assert "teacher/course-students" in (out / "helpers" / "course.py").read_text()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["hidden", "student"]


def test_grading_kernels_get_no_secrets_from_the_graders_environment(tmp_path, monkeypatch):
    for name, value in {
        "GITHUB_TOKEN": "ghp_secret",
        "AWS_SECRET_ACCESS_KEY": "x",
        "HF_TOKEN": "hf_secret",
        "SSH_AUTH_SOCK": "/tmp/agent",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": "/opt/lib",
        "COURSE_HIDDEN_DIR": "/somewhere/else",
    }.items():
        monkeypatch.setenv(name, value)
    env = kernel_env(tmp_path, tmp_path / "hidden")
    assert not {"GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN", "SSH_AUTH_SOCK"} & set(env)
    assert env["PATH"] == os.environ["PATH"] and env["LC_ALL"] == "C.UTF-8"
    assert env["PYTHONPATH"] == "/opt/lib" and env["HF_HUB_OFFLINE"] == "1"
    assert env["COURSE_SMOKE"] == "1" and env["COURSE_GRADING_DIR"] == str(tmp_path)
    assert env["COURSE_HIDDEN_DIR"] == str((tmp_path / "hidden").resolve())


def test_learning_platform_file_names_match_their_notebook(tmp_path):
    notebooks = course_map(ROOT / "notebooks")
    for name in (
        "lovelaceada_12345_6789012_03_self_attention_math.ipynb",  # Canvas
        "lovelaceada_LATE_12345_6789012_03_self_attention_math-1.ipynb",
        "Ada Lovelace_1234567_assignsubmission_file_03_self_attention_math.ipynb",  # Moodle
        "Copy of 03_self_attention_math (1).ipynb",  # Colab
        "12345_03_my_answers.ipynb",  # no course name: its number
    ):
        assert match_notebook(name, notebooks).number == "03", name
    assert match_notebook("lovelaceada_12345_6789012_notes.ipynb", notebooks) is None
    ada = tmp_path / "ada"
    ada.mkdir()
    for name in ("lovelaceada_12345_6789012_03_self_attention_math.ipynb", "notes.ipynb", "a.pdf"):
        (ada / name).write_text("{}")
    (ada / "03_self_attention_math.ipynb").write_text("{}")
    (tmp_path / "stray.ipynb").write_text("{}")
    unmatched = []
    found = discover(tmp_path, notebooks, unmatched)
    assert [(s.student, s.path.name) for s in found] == [("ada", "03_self_attention_math.ipynb")]
    assert sorted((u.student, u.file) for u in unmatched) == [
        ("", "stray.ipynb"),
        ("ada", "a.pdf"),
        ("ada", "lovelaceada_12345_6789012_03_self_attention_math.ipynb"),
        ("ada", "notes.ipynb"),
    ]
    write_unmatched(unmatched, tmp_path / "grades")
    lines = (tmp_path / "grades" / "unmatched.csv").read_text().splitlines()
    assert lines[0] == "student,file,reason" and len(lines) == 5


def test_grading_again_keeps_the_scores_already_given_to_unchanged_answers(tmp_path):
    def rows_with(answer_of_ada: str) -> list[Row]:
        return [
            Row(
                student,
                "07_demo.ipynb",
                [QuestionResult("nb07.q2", 3, TO_BE_SCORED, answer=a)],
                "graded",
            )
            for student, a in (("ada", answer_of_ada), ("ben", "Because it saturates."))
        ]

    path, keys = tmp_path / "written.csv", {"nb07.q2": WRITTEN.key}
    write_reports(rows_with("Because the variance grows."), tmp_path, {}, keys, False, False)
    with open(path, newline="") as file:
        entries = list(csv.DictReader(file))
    for entry, score in zip(entries, ("2.5", "1"), strict=True):
        entry["score"] = score
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(entries[0]))
        writer.writeheader()
        writer.writerows(entries)
    write_reports(rows_with("Because the variance grows."), tmp_path, {}, keys, False, False)
    assert [entry["score"] for entry in read_csv(path)] == ["2.5", "1"]
    assert [row["total"] for row in read_csv(tmp_path / "gradebook.csv")] == ["2.5", "1"]
    write_reports(rows_with("A new answer, handed in again."), tmp_path, {}, keys, False, False)
    assert [entry["score"] for entry in read_csv(path)] == ["", "1"]  # ada's changed
    assert [row["q2"] for row in read_csv(tmp_path / "gradebook.csv")] == [TO_BE_SCORED, "1"]


def test_the_progress_summary_tells_not_run_from_not_attempted_and_follows_the_release(
    monkeypatch,
):
    from types import SimpleNamespace

    from helpers.exercises import release_info, your_progress

    untouched, tried = copy.deepcopy(VALUE), copy.deepcopy(FUNCTION)
    untouched.last_status = ""  # never checked in this session
    tried.check(None)  # the placeholder: not attempted
    text = repr(your_progress(SimpleNamespace(a=untouched, b=tried)))
    assert "· demo.q1" in text and "not run yet" in text
    assert "– demo.q2" in text and "not attempted" in text
    assert "A ● only means" not in text  # practice mode: no graded-later legend
    monkeypatch.setattr(release_info, "MODE", "assessed")
    assert "A ● only means" in repr(your_progress(SimpleNamespace(a=untouched)))


def test_solutions_for_ships_only_the_keys_whose_deadline_passed(tmp_path):
    config = release_module.ReleaseConfig(
        out=tmp_path / "student", hidden=tmp_path / "hidden", repo=STUDENTS_REPO,
        solutions_for=("01",),
    )  # fmt: skip
    report = release_module.release(config)
    answers = tmp_path / "student" / "helpers" / "exercises" / "answers"
    assert sorted(path.name for path in answers.iterdir()) == ["__init__.py", "nb01.py"]
    assert '"helpers.exercises.answers", ' in (tmp_path / "student" / "pyproject.toml").read_text()
    assert release_module.keys_released_in(tmp_path / "student") == {"__init__.py", "nb01.py"}
    released = release_module.keys_released_in(tmp_path / "student")
    assert release_module.audit(config.out, report.notebooks, config.hidden, released) == []
    (answers / "nb03.py").write_text((ROOT / "helpers/exercises/answers/nb03.py").read_text())
    leaks = release_module.audit(config.out, report.notebooks, config.hidden, released)
    assert any("answers/nb03.py" in leak for leak in leaks)
    for wrong in (
        release_module.ReleaseConfig(out=tmp_path / "a", assessed=False, solutions_for=("01",)),
        release_module.ReleaseConfig(
            out=tmp_path / "b", hidden=tmp_path / "h", repo=STUDENTS_REPO, solutions_for=("42",)
        ),
    ):
        with pytest.raises(release_module.ReleaseError, match="solutions-for"):
            release_module.release(wrong)


def test_gradescope_results_say_at_once_what_was_received():
    from helpers.classroom.reports import gradescope_results

    rows = [
        Row("ada", "03_demo.ipynb", [QuestionResult("nb03.q1", 1, "graded", 1.0)], "graded"),
        Row("ada", "04_demo.ipynb", [QuestionResult("nb04.q1", 2, "graded", 0.5)], "timeout"),
    ]
    data = gradescope_results(rows, {}, reveal=False)
    received, *questions = data["tests"]
    assert received["visibility"] == "visible" and "score" not in received
    assert (
        "03_demo.ipynb: graded" in received["output"]
        and "04_demo.ipynb: timeout" in received["output"]
    )
    assert received["status"] == "failed"  # one notebook did not run to the end
    assert [test["status"] for test in questions] == ["passed", "failed"]
    assert data["score"] == 1.5 and all(test["output_format"] == "md" for test in data["tests"])


def test_grading_runs_no_more_kernels_at_once_than_memory_holds(monkeypatch):
    from helpers.classroom import grade

    monkeypatch.setattr(grade.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(grade, "available_memory", lambda: 3.2e9)
    assert grade.default_workers() == 2
    monkeypatch.setattr(grade, "available_memory", lambda: 0.5e9)
    assert grade.default_workers() == 1  # always at least one
    monkeypatch.setattr(grade, "available_memory", lambda: None)  # not Linux: one per CPU
    assert grade.default_workers() == 8 and GradeConfig(Path("s"), Path("o")).workers == 8
