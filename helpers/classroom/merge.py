"""Fold a teaching assistant's scores of written answers into the gradebook.

`grade` writes ``written.csv`` with an empty ``score`` column; once it is filled in,
``python -m helpers.classroom merge DIR/gradebook.csv DIR/written.csv`` writes each score into
its question's column (where the gradebook said ``to be scored``) and recomputes ``total``.
Rows left without a score stay ``to be scored``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from helpers.classroom.scoring import TO_BE_SCORED, number
from helpers.exercises import as_float


class MergeError(ValueError):
    """A score that cannot be merged: unknown student or exercise, or out of range."""


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        return list(reader.fieldnames or []), list(reader)


def _as_score(text: str, points: float, where: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise MergeError(f"{where}: score {text!r} is not a number") from error
    if not 0 <= value <= points:
        raise MergeError(f"{where}: score {value:g} is outside 0 to {points:g}")
    return value


def _total(row: dict[str, str], questions: list[str]) -> str:
    scores = []
    for name in questions:
        try:
            scores.append(float(row.get(name) or ""))
        except ValueError:
            continue  # a reason, not a score: it counts 0
    return number(sum(scores))


def merge(gradebook: Path, written: Path, out: Path | None = None) -> int:
    """Write the scored written answers into the gradebook; return how many were merged."""
    columns, rows = _read(gradebook)
    _, scores = _read(written)
    questions = columns[2 : columns.index("total")]
    by_key = {(row["student"], row["notebook"]): row for row in rows}
    merged = 0
    for line, entry in enumerate(scores, start=2):
        if not (entry.get("score") or "").strip():
            continue
        where = f"{written.name} line {line}"
        row = by_key.get((entry["student"], entry["notebook"]))
        question = entry["exercise"].split(".", 1)[-1]
        if row is None or question not in questions:
            raise MergeError(f"{where}: no gradebook row or column for {entry['exercise']}")
        if row[question] not in (TO_BE_SCORED, "") and as_float(row[question]) is None:
            raise MergeError(f"{where}: the gradebook says {row[question]!r}, not a written score")
        row[question] = number(_as_score(entry["score"], float(entry["points"]), where))
        merged += 1
    for row in rows:
        row["total"] = _total(row, questions)
    with open(out or gradebook, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return merged
