"""What grading writes: the gradebook, feedback per student, Gradescope files, written answers.

- ``gradebook.csv``: one row per student and notebook: ``student``, ``notebook``, one column
  per question (its score, or why there is none), ``total``, ``max``, ``status``, ``flags``;
- ``feedback/<student>/<notebook>.md``: per question, the score, the hint for a wrong answer
  and each hidden test's name and result (their inputs only with ``--reveal``);
- ``written.csv``: the written answers, with their rubric and an empty ``score`` column for a
  teaching assistant; ``python -m helpers.classroom merge`` folds the scores back in;
- ``gradescope/<student>/results.json`` with ``--gradescope``: Gradescope's format;
- ``grading.json``: every result, for ``merge`` to rewrite the reports above with the scores.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

from helpers.classroom.grade import Row
from helpers.classroom.scoring import GRADED, TO_BE_SCORED, QuestionResult, TestResult, number
from helpers.exercises import Exercise, Key

GRADEBOOK, WRITTEN, RESULTS = "gradebook.csv", "written.csv", "grading.json"
# score and comment are the teaching assistant's; the comment is shown in the feedback.
WRITTEN_COLUMNS = [
    "student",
    "notebook",
    "exercise",
    "points",
    "rubric",
    "answer",
    "score",
    "comment",
]
_WHY = {
    "not attempted": "The cell still holds the starter (or the placeholder None).",
    "missing": "No cell of the notebook calls this exercise's check.",
    "check line edited": "The line that calls check() was changed or removed, so no answer "
    "was recorded. Keep the check line as it was released.",
    "timeout": "The cell ran past its time limit: look for a loop that never ends.",
    "kernel died": "The Python kernel stopped (a crash, os._exit, or too much memory) before "
    "this answer was checked.",
    "no answer recorded": "The cell ran, but its check never recorded an answer.",
    "invalid notebook": "The file handed in is not a notebook that can be opened.",
    "not handed in": "No file of this notebook was found in the student's folder (unmatched.csv "
    "lists every file that was not graded, and why).",
    "error": "The cell raised an error before its check ran, so no answer was recorded.",
    TO_BE_SCORED: "A teaching assistant scores this written answer with the rubric.",
}


def question_columns(rows: list[Row]) -> list[str]:
    """Return the question columns: q1, q2, ... up to the most any notebook has."""
    names = {result.name.split(".", 1)[1] for row in rows for result in row.results}
    return sorted(names, key=lambda name: int(name[1:]) if name[1:].isdigit() else 10**6)


def write_gradebook(rows: list[Row], path: Path) -> None:
    """Write the gradebook CSV."""
    columns = ["student", "notebook", *question_columns(rows), "total", "max", "status", "flags"]
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            cells = {result.name.split(".", 1)[1]: result.cell for result in row.results}
            writer.writerow(
                {"student": row.student, "notebook": row.notebook, **cells}
                | {"total": number(row.total), "max": number(row.max_points)}
                | {"status": row.status, "flags": "; ".join(row.flags)}
            )


def _test_lines(result: QuestionResult, reveal: bool) -> list[str]:
    lines = []
    for test in result.tests:
        line = f"- {test.name}: {'passed' if test.passed else 'failed'}"
        if test.error:
            line += f" ({test.error})"
        if reveal and test.inputs:
            line += f"; inputs: {test.inputs}"
        lines.append(line)
    return ["Hidden tests:", *lines] if lines else []


def _question_section(result: QuestionResult, exercise: Exercise | None, reveal: bool) -> str:
    score = number(result.score) if result.status == GRADED else "0"
    lines = [f"## {result.name}: {score} / {number(result.points)}", ""]
    if exercise:
        lines += [f"> {exercise.question}", ""]
    if result.status != GRADED:
        reason = _WHY.get(result.status.split(":")[0], "")
        lines += [f"Status: {result.status}. {reason}".strip(), ""]
    elif result.answer is not None:
        lines += ["Scored by a teaching assistant with the rubric.", ""]
    elif result.score >= result.points:
        lines += ["Correct.", ""]
    if result.comment:
        lines += [f"Comment: {result.comment}", ""]
    if result.hint:
        lines += [f"Hint: {result.hint}", ""]
    return "\n".join(lines + _test_lines(result, reveal)).rstrip() + "\n"


def feedback_text(row: Row, exercises: dict[str, Exercise], reveal: bool = False) -> str:
    """Return the feedback of one student on one notebook, in Markdown."""
    head = [
        f"# Feedback on {row.notebook} for {row.student}",
        "",
        f"Score: {number(row.total)} / {number(row.max_points)} (status: {row.status})",
    ]
    if any(result.status == TO_BE_SCORED for result in row.results):
        head.append("Written answers are scored separately and are not in this total yet.")
    sections = [_question_section(r, exercises.get(r.name), reveal) for r in row.results]
    return "\n".join(head) + "\n\n" + "\n".join(sections)


def write_feedback(rows: list[Row], folder: Path, exercises: dict, reveal: bool) -> None:
    """Write one feedback file per student and notebook."""
    for row in rows:
        path = folder / row.student / f"{Path(row.notebook).stem}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(feedback_text(row, exercises, reveal), encoding="utf-8")


def received_test(rows: list[Row]) -> dict:
    """Return Gradescope's visible, unscored test that says which notebooks were received."""
    lines = [f"- {row.notebook}: {row.status}" for row in rows]
    return {
        "name": "Submission received",
        "status": "passed" if all(row.status == "graded" for row in rows) else "failed",
        "visibility": "visible",  # students see it at once, before grades are published
        "output": "Notebooks received and how they ran:\n" + "\n".join(lines),
        "output_format": "md",
    }


def gradescope_results(rows: list[Row], exercises: dict, reveal: bool) -> dict:
    """Return one student's rows in Gradescope's results.json format."""
    tests = [received_test(rows)]
    for row in rows:
        for result in row.results:
            tests.append(
                {
                    "name": f"{row.notebook}: {result.name}",
                    "score": round(result.score, 2),
                    "max_score": result.points,
                    "status": "passed" if result.score >= result.points else "failed",
                    "visibility": "after_published",
                    "output": _question_section(result, exercises.get(result.name), reveal),
                    "output_format": "md",
                }
            )
    total = round(sum(row.total for row in rows), 2)
    return {"score": total, "visibility": "after_published", "output_format": "md", "tests": tests}


def write_gradescope(rows: list[Row], folder: Path, exercises: dict, reveal: bool) -> None:
    """Write gradescope/<student>/results.json for every student."""
    for student in sorted({row.student for row in rows}):
        mine = [row for row in rows if row.student == student]
        path = folder / student / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = gradescope_results(mine, exercises, reveal)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


class ScoreError(ValueError):
    """A teaching assistant's score that cannot be used: not a number, or out of range."""


def _as_score(text: str, points: str, where: str) -> str:
    try:
        value, most = float(text), float(points)
    except ValueError as error:
        raise ScoreError(f"{where}: score {text!r} is not a number; write e.g. 2.5") from error
    if not 0 <= value <= most:
        raise ScoreError(f"{where}: score {value:g} is outside 0 to {most:g}")
    return text


def scored_before(path: Path) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """Return the scores a teaching assistant gave in `path` (written.csv), by (student,
    notebook, exercise): (the answer they scored, the score, their comment)."""
    if not path.is_file():
        return {}
    scores = {}
    with open(path, newline="", encoding="utf-8") as file:
        for line, entry in enumerate(csv.DictReader(file), start=2):
            if not (score := (entry.get("score") or "").strip()):
                continue
            score = _as_score(score, entry["points"], f"{path} line {line}")
            where = (entry["student"], entry["notebook"], entry["exercise"])
            scores[where] = (entry["answer"], score, (entry.get("comment") or "").strip())
    return scores


def write_written(rows: list[Row], path: Path, keys: dict[str, Key]) -> int:
    """Write the written answers, with their rubric and any score given, for a teaching
    assistant; return how many."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=WRITTEN_COLUMNS)
        writer.writeheader()
        count = 0
        for row in rows:
            for result in row.results:
                if result.answer is None:
                    continue  # not a written answer
                rubric = keys[result.name].rubric if result.name in keys else ()
                score = number(result.score) if result.status == GRADED else ""
                writer.writerow(
                    {"student": row.student, "notebook": row.notebook, "exercise": result.name}
                    | {"points": number(result.points), "rubric": "\n".join(rubric)}
                    | {"answer": result.answer, "score": score, "comment": result.comment}
                )
                count += 1
    return count


def apply_scores(rows: list[Row], scores: dict[tuple[str, str, str], tuple[str, str, str]]):
    """Give written answers the scores a teaching assistant gave to the same text before;
    a changed answer stays to be scored."""
    for row in rows:
        for result in row.results:
            given = scores.get((row.student, row.notebook, result.name))
            if result.status == TO_BE_SCORED and given and given[0] == result.answer:
                result.status, result.score = GRADED, float(given[1])
                result.comment = given[2]


def save_results(rows: list[Row], path: Path, reveal: bool, gradescope: bool) -> None:
    """Write every result, and how the reports were made, to `path` (grading.json)."""
    data = {"reveal": reveal, "gradescope": gradescope, "rows": [asdict(row) for row in rows]}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _row_from(data: dict) -> Row:
    results = [
        QuestionResult(**(item | {"tests": [TestResult(**test) for test in item["tests"]]}))
        for item in data["results"]
    ]
    return Row(data["student"], data["notebook"], results, data["status"], data["flags"])


def load_results(path: Path) -> tuple[list[Row], bool, bool]:
    """Return the rows saved in `path`, and whether the reports revealed inputs and had
    Gradescope's files."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [_row_from(row) for row in data["rows"]], data["reveal"], data["gradescope"]


def write_scored(rows: list[Row], out: Path, exercises: dict, reveal: bool, gradescope: bool):
    """Write the reports that carry scores: gradebook, feedback, Gradescope's, grading.json."""
    out.mkdir(parents=True, exist_ok=True)
    write_gradebook(rows, out / GRADEBOOK)
    write_feedback(rows, out / "feedback", exercises, reveal)
    if gradescope:
        write_gradescope(rows, out / "gradescope", exercises, reveal)
    save_results(rows, out / RESULTS, reveal, gradescope)


def write_reports(
    rows: list[Row], out: Path, exercises: dict, keys: dict, reveal: bool, gradescope: bool
) -> None:
    """Write the gradebook, the feedback files, written.csv and, on request, Gradescope's.

    Grading again keeps the scores a teaching assistant gave (in written.csv) to written
    answers whose text did not change.
    """
    apply_scores(rows, scored_before(out / WRITTEN))
    write_scored(rows, out, exercises, reveal, gradescope)
    write_written(rows, out / WRITTEN, keys)
