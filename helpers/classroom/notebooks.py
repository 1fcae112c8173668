"""Reading and writing notebooks, and finding each exercise's cell and check line in them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Two digits, not part of a longer number, then "_" and a letter: "03_self..." in
# "lovelaceada_12345_6789012_03_self_attention_math.ipynb" (Canvas), not "45_" of "12345_".
_NOTEBOOK_NAME = re.compile(r"(?<![0-9])([0-9][0-9])_[A-Za-z]")


class InvalidNotebook(ValueError):
    """A submitted file that is not a readable notebook."""


def source(cell: dict) -> str:
    """Return a cell's source as one string (nbformat allows a list of lines)."""
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def read_notebook(path: Path) -> dict:
    """Return the notebook at `path` as JSON data; raise InvalidNotebook when it is not one."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidNotebook(f"not valid JSON ({error})") from error
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not all(_is_cell(cell) for cell in cells):
        raise InvalidNotebook("JSON, but not a notebook (no list of cells)")
    return notebook


def _is_cell(cell: Any) -> bool:
    return isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw")


def write_notebook(notebook: dict, path: Path) -> None:
    """Write `notebook` as the course stores notebooks (one-space indent, lists of lines)."""
    for cell in notebook["cells"]:
        cell["source"] = source(cell).splitlines(keepends=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def notebook_number(file_name: str) -> str | None:
    """Return the two-digit course number in a file name ('Copy of 03_x (1).ipynb' -> '03').

    The last such number wins: a learning platform puts its own numbers before the name.
    """
    matches = _NOTEBOOK_NAME.findall(file_name)
    return matches[-1] if matches else None


def code_line(line: str) -> str:
    """Return a line without its comment and spaces, to compare check lines."""
    return re.sub(r"\s+", "", line.split("#", 1)[0])


@dataclass(frozen=True)
class CellMatch:
    """Where a notebook holds one exercise: its cell, and the state of its check line."""

    index: int | None
    state: str  # "ok", "edited" (changed or commented out), "deleted" (line gone), "missing"


def find_exercise(
    notebook: dict, name: str, check_line: str, cell_id: str | None = None
) -> CellMatch:
    """Return the cell of exercise `name` in `notebook` and whether its check line is intact."""
    calls = [
        (index, line)
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        for line in source(cell).splitlines()
        if f"{name}.check(" in line
    ]
    for index, line in calls:
        if code_line(line) == code_line(check_line):
            return CellMatch(index, "ok")
    if calls:
        return CellMatch(calls[0][0], "edited")
    for index, cell in enumerate(notebook["cells"]):
        if cell_id and cell.get("id") == cell_id:
            return CellMatch(index, "deleted")
    return CellMatch(None, "missing")


def strip_outputs(notebook: dict) -> None:
    """Remove outputs, execution counts and run metadata, keeping tags and cell ids."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        for key in ("execution", "collapsed", "scrolled", "colab", "outputId"):
            cell.get("metadata", {}).pop(key, None)
    notebook.get("metadata", {}).pop("widgets", None)


def output_texts(notebook: dict) -> list[str]:
    """Return every text a notebook's stored outputs show (streams, results, errors)."""
    texts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []) or []:
            if not isinstance(output, dict):
                continue
            texts.append(source({"source": output.get("text", "")}))
            data = output.get("data", {}) if isinstance(output.get("data"), dict) else {}
            texts.append(source({"source": data.get("text/plain", "")}))
            texts.append(" ".join(str(line) for line in output.get("traceback", []) or []))
    return [text for text in texts if text]
