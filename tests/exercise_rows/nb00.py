"""Rows of the exercise table for notebook 00."""

import re

from helpers.data import load_sample
from helpers.exercises import nb00

from .common import Computed, unfinished

LABELS = {"positive", "negative"}
TAGS = {"none", "negation", "contrast", "sarcasm", "mixed"}


def training_reviews() -> int:
    """Return the number of reviews in the course's training split."""
    return len(load_sample().train)


def hard_case_share() -> float:
    """Return the share of all the course's reviews with a hard-case tag."""
    splits = load_sample()
    tags = [
        tag
        for split in (splits.train, splits.validation, splits.test)
        for tag in split.extra["hard_case"]
    ]
    return sum(tag != "none" for tag in tags) / len(tags)


def check_review(row: dict, line: int) -> None:
    """Raise ValueError naming the line when a review row breaks a rule."""
    for column in ("id", "text", "label", "hard_case"):
        if column not in row:
            raise ValueError(f"line {line}: no {column!r} column")
    if not row["text"].strip():
        raise ValueError(f"line {line}: empty text")
    if row["label"] not in LABELS:
        raise ValueError(f"line {line}: unknown label {row['label']!r}")
    if row["hard_case"] not in TAGS:
        raise ValueError(f"line {line}: unknown hard_case {row['hard_case']!r}")


def check_review_capitalised(row: dict, line: int) -> None:
    """Start the messages with 'Line' in capitals: the line is still named."""
    try:
        check_review(row, line)
    except ValueError as error:
        raise ValueError(str(error).capitalize()) from None


def check_review_with_key_error(row: dict, line: int) -> None:
    """Index the columns directly: a missing column raises KeyError."""
    if not row["text"].strip() or row["label"] not in LABELS or row["hard_case"] not in TAGS:
        raise ValueError(f"line {line}: bad row")


def check_review_without_strip(row: dict, line: int) -> None:
    """Test the text without stripping it: three spaces pass."""
    if any(column not in row for column in ("id", "text", "label", "hard_case")):
        raise ValueError(f"line {line}: missing column")
    if row["text"] == "" or row["label"] not in LABELS or row["hard_case"] not in TAGS:
        raise ValueError(f"line {line}: bad row")


def check_review_without_line(row: dict, line: int) -> None:
    """Raise the right error without saying where."""
    if any(column not in row for column in ("id", "text", "label", "hard_case")):
        raise ValueError("missing column")
    if not row["text"].strip() or row["label"] not in LABELS or row["hard_case"] not in TAGS:
        raise ValueError("bad row")


def word_runs(text: str, length: int) -> set[tuple[str, ...]]:
    """Return every run of `length` consecutive words of `text`."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


def shares_words(text_a: str, text_b: str, length: int) -> bool:
    """Return True when the texts share `length` consecutive words."""
    return bool(word_runs(text_a, length) & word_runs(text_b, length))


def shares_words_off_by_one(text_a: str, text_b: str, length: int) -> bool:
    """Stop the starts one too early: a text of exactly `length` words has no run."""

    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9']+", text.lower())
        return {tuple(words[i : i + length]) for i in range(len(words) - length)}

    return bool(runs(text_a) & runs(text_b))


def shares_words_as_substring(text_a: str, text_b: str, length: int) -> bool:
    """Search each run of the first text in the second, joined into a string: 'cat' in 'bobcat'."""
    words_a = re.findall(r"[a-z0-9']+", text_a.lower())
    joined_b = " ".join(re.findall(r"[a-z0-9']+", text_b.lower()))
    starts = range(len(words_a) - length + 1)
    return any(" ".join(words_a[i : i + length]) in joined_b for i in starts)


def shares_words_with_case(text_a: str, text_b: str, length: int) -> bool:
    """Split on white space as written: case and punctuation now matter."""

    def runs(text: str) -> set[tuple[str, ...]]:
        words = text.split()
        return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}

    return bool(runs(text_a) & runs(text_b))


def shares_words_when_short(text_a: str, text_b: str, length: int) -> bool:
    """Treat a text shorter than `length` words as one run: short texts match."""

    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9']+", text.lower())
        count = max(1, len(words) - length + 1)
        return {tuple(words[i : i + length]) for i in range(count)}

    return bool(runs(text_a) & runs(text_b))


WRITTEN = (
    "The first 1,200 reviews were split once, stratified, into 718, 241 and 241; a later "
    "batch of 500 mostly hard reviews went to training only, so training has 40% hard cases "
    "and validation and test about 24%. Validation and test scores are comparable, a "
    "training score is not: the model saw those reviews and their mix differs."
)

ROWS = [
    (
        nb00.q1,
        [Computed(training_reviews), 1218, 1218.0],
        [
            (1700, "all the reviews"),
            (241, "validation or test split"),
            (718, "later batch"),
            (1218.7, "whole number"),
        ],
    ),
    (
        nb00.q2,
        [check_review, check_review_capitalised],
        [
            (unfinished, "accepts every row"),
            (check_review_with_key_error, "KeyError"),
            (check_review_without_strip, "only spaces"),
            (check_review_without_line, "name the line"),
        ],
    ),
    (
        nb00.q3,
        [Computed(hard_case_share), 601 / 1700, 0.3535],
        [
            (100 * 601 / 1700, "percentage"),
            (487 / 1218, "training split only"),
            (0.354, "four decimals"),
        ],
    ),
    (nb00.q4, ["validation", "Dev"], [("test", "once"), ("train", "memorised")]),
    (
        nb00.q5,
        [shares_words],
        [
            (unfinished, "returns None"),
            (shares_words_when_short, "have no run of that length"),
            (shares_words_with_case, "case and commas"),
            (shares_words_off_by_one, "exactly `length` words"),
            (shares_words_as_substring, "'bobcat' is not 'cat'"),
        ],
    ),
    (nb00.q6, [WRITTEN], [("Training was changed.", "write at least"), (0.4, "between quotes")]),
]
