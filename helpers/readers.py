"""Read labelled text from CSV, TSV and JSONL files, refusing bad input with clear errors.

A file becomes `FileRows` (every row, with its line number), then `RawExamples` (the text
and label columns, labels still as written, line numbers kept for error messages);
`helpers.data` turns those into a `TextSplit` (label ids) and the `DatasetSplits` of a run.
Used by `helpers.data`, so by every notebook that loads data and by `python -m helpers.finetune`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl"}
TEXT_COLUMN_NAMES = ("text", "sentence", "review", "content", "document", "comment")
LABEL_COLUMN_NAMES = ("label", "labels", "sentiment", "target", "class", "polarity")
LOOKS_LIKE_LABEL = {"0", "1", "positive", "negative", "pos", "neg"}


class DataError(ValueError):
    """Input data that cannot be used; the message names the file, the place and the fix."""


@dataclass
class FileRows:
    """Rows read from one file, each with the line number it came from."""

    path: Path
    columns: list[str]
    rows: list[dict[str, object]]
    line_numbers: list[int]


@dataclass
class RawExamples:
    """Texts and their labels as written in a file (with line numbers), plus any other columns."""

    path: Path
    texts: list[str]
    labels: list[object]
    line_numbers: list[int]
    text_column: str
    label_column: str
    extra: dict[str, list[object]] = field(default_factory=dict)


def file_format(path: Path) -> str:
    """Return 'csv', 'tsv' or 'jsonl' for a path, from its suffix."""
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"{path}: unknown format '{path.suffix or '(no suffix)'}'. "
            "Use a .csv, .tsv or .jsonl file (one JSON object per line), named with that suffix."
        )
    return fmt


def read_utf8(path: Path) -> str:
    """Return a file's text, refusing a missing file or bytes that are not UTF-8."""
    if not path.is_file():
        raise DataError(f"{path}: file not found. Check the path (relative to {Path.cwd()}).")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise DataError(
            f"{path}, line {line}, column {column}: byte 0x{raw[error.start]:02x} is not UTF-8. "
            "Save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8'; or "
            f"`iconv -f latin1 -t utf-8 {path.name} > fixed{path.suffix}`)."
        ) from None


def read_delimited(path: Path, text: str, delimiter: str) -> FileRows:
    """Parse CSV or TSV text with a header line into a FileRows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise DataError(f"{path}: the file is empty. Add a header line and examples.")
    columns = [cell.strip() for cell in header]
    rows, line_numbers = [], []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line carries no example
        if len(cells) != len(columns):
            raise DataError(
                f"{path}, line {line}: {len(cells)} fields where the header has {len(columns)}. "
                "Quote texts that contain the separator, or fix the line."
            )
        rows.append(dict(zip(columns, cells, strict=True)))
        line_numbers.append(line)
    return FileRows(path, columns, rows, line_numbers)


def read_jsonl(path: Path, text: str) -> FileRows:
    """Parse JSON Lines text (one object per line) into a FileRows."""
    rows, line_numbers, columns = [], [], []
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            row = json.loads(content)
        except json.JSONDecodeError as error:
            raise DataError(
                f"{path}, line {line}, column {error.colno}: not valid JSON ({error.msg}). "
                'Each line must be one JSON object such as {"text": "...", "label": 1}.'
            ) from None
        if not isinstance(row, dict):
            raise DataError(
                f"{path}, line {line}: expected a JSON object, got {type(row).__name__}."
            )
        columns += [name for name in row if name not in columns]
        rows.append(row)
        line_numbers.append(line)
    return FileRows(path, columns, rows, line_numbers)


def read_table(path: str | Path) -> FileRows:
    """Read a CSV, TSV or JSONL file into a FileRows, with clear errors for bad files."""
    path = Path(path)
    fmt = file_format(path)
    text = read_utf8(path)
    if fmt == "jsonl":
        return read_jsonl(path, text)
    return read_delimited(path, text, "," if fmt == "csv" else "\t")


def find_column(table: FileRows, wanted: str | None, known: tuple[str, ...], role: str) -> str:
    """Return the column holding `role` (text or label): the one asked for, or a known name."""
    flag = f"--{role}-column"
    if wanted is not None:
        if wanted not in table.columns:
            raise DataError(
                f"{table.path}, line 1: no column '{wanted}' (columns: {', '.join(table.columns)}). "
                f"Pass one of those with {flag}."
            )
        return wanted
    lowered = {name.lower(): name for name in table.columns}
    for name in known:
        if name in lowered:
            return lowered[name]
    if any(cell.strip().lower() in LOOKS_LIKE_LABEL or len(cell) > 40 for cell in table.columns):
        raise DataError(
            f"{table.path}, line 1: the file seems to have no header (first line: "
            f"{table.columns[:3]}). Add a header line such as 'text,label' as the first line."
        )
    raise DataError(
        f"{table.path}, line 1: no {role} column found (columns: {', '.join(table.columns)}; "
        f"known names: {', '.join(known)}). Rename the column or pass {flag} NAME."
    )


def as_text(value: object) -> str:
    """Return a cell as a stripped string ('' for missing values)."""
    return "" if value is None else str(value).strip()


def take_labelled_texts(
    table: FileRows, text_column: str | None = None, label_column: str | None = None
) -> RawExamples:
    """Return the texts and labels of a table, refusing empty texts, missing labels or no rows."""
    text_name = find_column(table, text_column, TEXT_COLUMN_NAMES, "text")
    label_name = find_column(table, label_column, LABEL_COLUMN_NAMES, "label")
    if not table.rows:
        raise DataError(f"{table.path}: no examples after the header. Add at least one row.")
    texts, labels = [], []
    for row, line in zip(table.rows, table.line_numbers, strict=True):
        text, label = as_text(row.get(text_name)), row.get(label_name)
        if not text:
            raise DataError(
                f"{table.path}, line {line}, column '{text_name}': empty text. "
                "Write the text or delete the line."
            )
        if as_text(label) == "":
            raise DataError(
                f"{table.path}, line {line}, column '{label_name}': missing label. "
                "Give every example a label, or delete the line."
            )
        texts.append(text)
        labels.append(label if isinstance(label, int) else as_text(label))
    extra = {
        name: [row.get(name) for row in table.rows]
        for name in table.columns
        if name not in (text_name, label_name)
    }
    return RawExamples(table.path, texts, labels, table.line_numbers, text_name, label_name, extra)


def read_labelled_file(
    path: str | Path, text_column: str | None = None, label_column: str | None = None
) -> RawExamples:
    """Read a labelled text file (CSV, TSV or JSONL) and return its texts and raw labels."""
    return take_labelled_texts(read_table(path), text_column, label_column)
