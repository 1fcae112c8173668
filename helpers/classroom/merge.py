"""Fold a teaching assistant's scores of written answers into the gradebook and feedback.

`grade` writes ``DIR/written.csv`` with empty ``score`` and ``comment`` columns; once they are
filled in, ``python -m helpers.classroom merge DIR`` gives each written answer its score and
rewrites ``gradebook.csv`` (totals included), the feedback files (with the comment) and, if
grading wrote them, Gradescope's ``results.json``. Answers left without a score stay
``to be scored``. Grading the class again keeps the scores of answers that did not change.
"""

from __future__ import annotations

from pathlib import Path

from helpers.classroom import reports
from helpers.classroom.grade import Row, exercises_by_name
from helpers.classroom.manifest import NotebookInfo
from helpers.classroom.reports import ScoreError
from helpers.classroom.scoring import TO_BE_SCORED

MergeError = ScoreError


def _check_entries(rows: list[Row], scores: dict, written: Path) -> None:
    """Refuse scores that belong to no written answer of the grading, or to another text."""
    results = {(row.student, row.notebook, r.name): r for row in rows for r in row.results}
    for where, (answer, _, _) in scores.items():
        result = results.get(where)
        name = "/".join(where)
        if result is None or result.answer is None:
            raise MergeError(f"{written}: {name} is not a written answer of this grading")
        if result.answer != answer:
            raise MergeError(
                f"{written}: the answer of {name} is not the text graded (was it edited, or "
                "is this written.csv from another grading?); restore the answer column"
            )


def merge(folder: Path, written: Path | None = None) -> int:
    """Give the scored written answers their scores and rewrite the reports in `folder`;
    return how many answers have a teaching assistant's score."""
    saved = folder / reports.RESULTS
    if not saved.is_file():
        raise MergeError(f"{saved} is missing: merge needs the folder `grade --out` wrote")
    rows, reveal, gradescope = reports.load_results(saved)
    written = written or folder / reports.WRITTEN
    scores = reports.scored_before(written)
    _check_entries(rows, scores, written)
    for row in rows:  # scores given in an earlier merge and since removed go back
        for result in row.results:
            if result.answer is not None:
                result.status, result.score, result.comment = TO_BE_SCORED, 0.0, ""
    reports.apply_scores(rows, scores)
    exercises = exercises_by_name([NotebookInfo(row.notebook, ()) for row in rows])
    reports.write_scored(rows, folder, exercises, reveal, gradescope)
    return len(scores)
