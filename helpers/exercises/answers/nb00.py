"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 00's exercises."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from helpers.exercises import Case, CaseResult, Key
from helpers.exercises.nb00 import _GOOD_ROW, _normalise_split


@cache
def _review_counts() -> dict[str, int]:
    """Return the sizes of the course's splits and the number of hard cases in all of them."""
    from helpers.data import load_sample

    splits = load_sample()
    parts = {"train": splits.train, "validation": splits.validation, "test": splits.test}
    counts = {name: len(split) for name, split in parts.items()}
    counts["hard"] = sum(
        tag != "none" for split in parts.values() for tag in split.extra["hard_case"]
    )
    counts["train_hard"] = sum(tag != "none" for tag in splits.train.extra["hard_case"])
    return counts


# --- q1: how many training reviews ------------------------------------------------------


def _is_train_size(answer: Any) -> bool:
    return float(answer) == _review_counts()["train"]  # 1218.7 is not 1218


def _diagnose_train_size(answer: Any) -> str | None:
    counts = _review_counts()
    value = float(answer)
    if value == counts["train"] + counts["validation"] + counts["test"]:
        return "that is all the reviews; count only the training split."
    if value in (counts["validation"], counts["test"]):
        return "that is the size of the validation or test split; ask for the training split."
    if value == 718:
        return (
            "718 is the training split before the later batch of 500 training-only reviews "
            "(see data/reviews/README.md); count the split as loaded."
        )
    return None


q1 = Key(
    is_correct=_is_train_size,
    diagnose=_diagnose_train_size,
    solution_text=(
        "splits = load_dataset_splits('sample')\n"
        "answer = len(splits.train)  # 1218: 718 from the 60/20/20 split + 500 training-only"
    ),
    solution_cell="answer = len(splits.train)\nnb00.q1.check(answer)",
)

# --- q2: check a row of the review files ------------------------------------------------


@dataclass(frozen=True)
class _Raises:
    """The expected outcome of a bad row: ValueError, with `fragment` in its message."""

    fragment: str


@dataclass(frozen=True)
class _RaisingKey(Key):
    """A function key whose cases may expect a ValueError instead of a return value."""

    def run_cases(self, function: Callable[..., Any]) -> list[CaseResult]:
        """Return the result of `function` on every case; a `_Raises` case must raise."""
        results = []
        for case in self.cases:
            try:
                result = function(*copy.deepcopy(case.args))
            except ValueError as error:
                passed = (
                    isinstance(case.expected, _Raises)
                    and case.expected.fragment.lower() in str(error).lower()  # "Line 5" counts
                )
                message = "" if passed else f"ValueError: {error}"
                results.append(CaseResult(case.name, passed, message))
                continue
            except Exception as error:  # KeyError, TypeError...: never the asked-for error
                results.append(CaseResult(case.name, False, f"{type(error).__name__}: {error}"))
                continue
            results.append(CaseResult(case.name, result is None and case.expected is None))
        return results


def _row(line: int, **changes: str) -> tuple[dict[str, str], int]:
    """Return (a good row with `changes`, its line number)."""
    return ({**_GOOD_ROW, **changes}, line)


def _without(column: str, line: int) -> tuple[dict[str, str], int]:
    """Return (a good row without `column`, its line number)."""
    return ({name: value for name, value in _GOOD_ROW.items() if name != column}, line)


_ROW_CASES = (
    Case("a good row", _row(2), None),
    Case("a good sarcastic row", _row(9, label="positive", hard_case="sarcasm"), None),
    Case("a one-word text", _row(14, text="Wonderful."), None),
    Case("a label in capitals", _row(5, label="Positive"), _Raises("line 5")),
    Case("an unknown label", _row(6, label="neutral"), _Raises("line 6")),
    Case("an empty text", _row(7, text=""), _Raises("line 7")),
    Case("a text of spaces", _row(8, text="   "), _Raises("line 8")),
    Case("an unknown tag", _row(11, hard_case="irony"), _Raises("line 11")),
    Case("an empty tag", _row(12, hard_case=""), _Raises("line 12")),
    Case("no hard_case column", _without("hard_case", 13), _Raises("line 13")),
    Case("no label column", _without("label", 1218), _Raises("line 1218")),
)


def _outcome(function: Callable[..., Any], row: dict, line: int) -> str:
    """Return 'passes', 'ValueError: ...' or the name of another exception."""
    try:
        function(dict(row), line)
    except ValueError as error:
        return f"ValueError: {error}"
    except Exception as error:
        return type(error).__name__
    return "passes"


def _diagnose_row_checker(answer: Callable[..., Any]) -> str | None:
    outcomes = {case.name: _outcome(answer, *case.args) for case in _ROW_CASES}
    bad = [case for case in _ROW_CASES if isinstance(case.expected, _Raises)]
    if all(outcomes[case.name] == "passes" for case in bad):
        return "your function accepts every row: it must raise ValueError when a rule is broken."
    if outcomes["no hard_case column"] == "KeyError":
        return (
            "a row without a column makes your function raise KeyError, which names neither "
            "the line nor the problem: test for the column first and raise ValueError."
        )
    if outcomes["an empty text"] != "passes" and outcomes["a text of spaces"] == "passes":
        return "a text of only spaces is empty too: strip the white space before you test it."
    if outcomes["an unknown label"] != "passes" and outcomes["a label in capitals"] == "passes":
        return "the files spell labels in lower case: 'Positive' is not an allowed label."
    raised = [outcomes[case.name] for case in bad if outcomes[case.name].startswith("ValueError")]
    if raised and not any("line " in message.lower() for message in raised):
        return "your error messages must name the line: start them with f'line {line}: '."
    return None


q2 = _RaisingKey(
    cases=_ROW_CASES,
    diagnose=_diagnose_row_checker,
    solution_text=(
        "LABELS = {'positive', 'negative'}\n"
        "TAGS = {'none', 'negation', 'contrast', 'sarcasm', 'mixed'}\n\n"
        "def check_review(row, line):\n"
        "    for column in ('id', 'text', 'label', 'hard_case'):\n"
        "        if column not in row:\n"
        "            raise ValueError(f'line {line}: no {column!r} column')\n"
        "    if not row['text'].strip():\n"
        "        raise ValueError(f'line {line}: the text is empty')\n"
        "    if row['label'] not in LABELS:\n"
        "        raise ValueError(f\"line {line}: unknown label {row['label']!r}\")\n"
        "    if row['hard_case'] not in TAGS:\n"
        "        raise ValueError(f\"line {line}: hard_case {row['hard_case']!r} is unknown\")\n\n"
        "A message that names the line, the column and the bad value lets whoever edits the "
        "file fix it at once; a bare KeyError says none of that. helpers.readers does the same "
        "for every file the course reads."
    ),
    solution_cell=(
        "def check_review(row: dict, line: int) -> None:\n"
        '    for column in ("id", "text", "label", "hard_case"):\n'
        "        if column not in row:\n"
        '            raise ValueError(f"line {line}: no {column!r} column")\n'
        '    if not row["text"].strip():\n'
        '        raise ValueError(f"line {line}: the text is empty")\n'
        '    if row["label"] not in {"positive", "negative"}:\n'
        "        raise ValueError(f\"line {line}: unknown label {row['label']!r}\")\n"
        '    if row["hard_case"] not in {"none", "negation", "contrast", "sarcasm", "mixed"}:\n'
        "        raise ValueError(f\"line {line}: unknown hard_case {row['hard_case']!r}\")\n\n\n"
        "nb00.q2.check(check_review)"
    ),
)

# --- q3: the share of hard cases --------------------------------------------------------


def _hard_fraction() -> float:
    """Return the share of all reviews that carry a hard-case tag."""
    counts = _review_counts()
    return counts["hard"] / (counts["train"] + counts["validation"] + counts["test"])


def _is_hard_fraction(answer: Any) -> bool:
    return abs(float(answer) - _hard_fraction()) < 2e-4


def _diagnose_hard_fraction(answer: Any) -> str | None:
    value = float(answer)
    counts = _review_counts()
    if abs(value - 100 * _hard_fraction()) < 0.02:
        return "that is a percentage; give a fraction between 0 and 1."
    if value == counts["hard"]:
        return "that is the number of hard cases; divide it by the number of reviews."
    if abs(value - counts["train_hard"] / counts["train"]) < 2e-4:
        return "that is the share in the training split only; count all three splits."
    if abs(value - (1 - _hard_fraction())) < 2e-4:
        return "that is the share of reviews tagged 'none'; the hard cases are all the others."
    if abs(value - _hard_fraction()) < 0.005:
        return "close, but rounded too far: give at least four decimals, or the computed value."
    return None


q3 = Key(
    is_correct=_is_hard_fraction,
    diagnose=_diagnose_hard_fraction,
    solution_text=(
        "tags = [tag for split in (splits.train, splits.validation, splits.test)\n"
        "        for tag in split.extra['hard_case']]\n"
        "answer = sum(tag != 'none' for tag in tags) / len(tags)  # 601 / 1700 = 0.3535..."
    ),
    solution_cell=(
        "tags = [tag for split in parts.values() for tag in split.extra['hard_case']]\n"
        "answer = sum(tag != 'none' for tag in tags) / len(tags)\n"
        "nb00.q3.check(answer)"
    ),
)

# --- q4: which split chooses the settings -----------------------------------------------


def _is_validation(answer: Any) -> bool:
    return _normalise_split(answer) == "validation"


def _diagnose_split(answer: Any) -> str | None:
    value = _normalise_split(answer)
    if value == "test":
        return (
            "the test split is read once, at the very end. Choosing settings by their test score "
            "makes that score optimistic: it no longer measures new data."
        )
    if value == "train":
        return (
            "the model has seen the training reviews; its score on them says how well it "
            "memorised, not how well it generalises."
        )
    return None


q4 = Key(
    is_correct=_is_validation,
    diagnose=_diagnose_split,
    solution_text=(
        "answer = 'validation'\n"
        "Settings are chosen on validation; the test split is scored once, with the settings "
        "already fixed, so its score still measures unseen data."
    ),
    solution_cell='answer = "validation"\nnb00.q4.check(answer)',
)

# --- q5: do two reviews share a phrase --------------------------------------------------


def _runs(text: str, length: int) -> set[tuple[str, ...]]:
    """Return every run of `length` consecutive words of `text`."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[start : start + length]) for start in range(len(words) - length + 1)}


def _shares_words(text_a: str, text_b: str, length: int) -> bool:
    return bool(_runs(text_a, length) & _runs(text_b, length))


def _phrase_case(name: str, text_a: str, text_b: str, length: int = 6) -> Case:
    return Case(name, (text_a, text_b, length), _shares_words(text_a, text_b, length))


_PHRASE_CASES = (
    _phrase_case(
        "six shared words in the middle",
        "Honestly, the last twenty minutes of this film are pure joy.",
        "I think the last twenty minutes of this film drag.",
    ),
    _phrase_case(
        "five shared words only",
        "The last twenty minutes of it were fine.",
        "Oh, the last twenty minutes of nothing.",
    ),
    _phrase_case(
        "case and punctuation differ",
        "A slow, quiet, lovely film about grief.",
        "a slow quiet lovely film about grief",
    ),
    _phrase_case("both texts shorter than six words", "Great fun.", "Great fun."),
    _phrase_case(
        "exactly six words, identical", "one two three four five six", "ONE two three four five six"
    ),
    _phrase_case("runs of two words", "not bad at all", "all bad, not good", 2),
    _phrase_case("a run of one word", "Boring.", "It was boring!", 1),
    _phrase_case("no word in common", "Loved it.", "Hated every minute.", 1),
    _phrase_case(
        "the run at the very end",
        "Skip it: the script is a mess from start to finish",
        "the script is a mess from start to finish",
    ),
    _phrase_case("an apostrophe is part of a word", "it isn't good", "it isn t good", 3),
    _phrase_case(
        "a word inside a longer word", "cat sat on the red rug", "bobcat sat on the red mat", 5
    ),
)


def _diagnose_shares_words(answer: Callable[[str, str, int], Any]) -> str | None:
    if answer("Great fun.", "Great fun.", 6) is True:
        return (
            "two texts shorter than `length` words have no run of that length at all, so they "
            "share none: a short text must give False."
        )
    if answer("one two three four five six", "one two three four five six", 6) is False:
        return (
            "a text of exactly `length` words has one run, which starts at 0: count the "
            "possible starts again (range() stops one before its end)."
        )
    if answer("A slow, quiet film.", "a slow quiet FILM", 4) is False:
        return (
            "find the words with the given re.findall on text.lower(): case and commas must "
            "not matter."
        )
    if answer("Oh, the last twenty minutes of nothing.", "The last twenty minutes of it.", 6):
        return (
            "five shared words are not six: compare whole runs of `length` words, not single words."
        )
    if answer("cat sat on the red rug", "bobcat sat on the red mat", 5):
        return (
            "'bobcat' is not 'cat': compare runs of whole words (tuples of words), not pieces "
            "of a text searched as a string."
        )
    return None


q5 = Key(
    cases=_PHRASE_CASES,
    diagnose=_diagnose_shares_words,
    solution_text=(
        "def runs(text, length):\n"
        '    words = re.findall(r"[a-z0-9\']+", text.lower())\n'
        "    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}\n\n"
        "def shares_words(text_a, text_b, length):\n"
        "    return bool(runs(text_a, length) & runs(text_b, length))\n\n"
        "A text shorter than `length` words has no run (the range is empty), so it shares "
        "nothing. The course's tests run this check (six words) on the 500 later training reviews "
        "against all 482 validation and test reviews; section 4 counts the original 718 too."
    ),
    solution_cell=(
        "import re\n\n\n"
        "def word_runs(text: str, length: int) -> set[tuple[str, ...]]:\n"
        '    words = re.findall(r"[a-z0-9\']+", text.lower())\n'
        "    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}\n\n\n"
        "def shares_words(text_a: str, text_b: str, length: int) -> bool:\n"
        "    return bool(word_runs(text_a, length) & word_runs(text_b, length))\n\n\n"
        "nb00.q5.check(shares_words)"
    ),
)

# --- q6: why the splits differ (written) ------------------------------------------------

q6 = Key(
    rubric=(
        "Explains the difference: the first 1,200 reviews were split once, stratified, into "
        "718/241/241; a later batch of 500 reviews, rich in hard cases, was added to training "
        "only (after error analysis on validation), so training went from about 23% to 40% "
        "hard cases while validation and test (about 24%) stayed unchanged.",
        "Says that validation against test is the fair comparison: both were drawn the same "
        "way from the same reviews, with the same share of hard cases (57 of 241 each) and the "
        "same labels. Credit also the caveat that validation guided choices (the error analysis "
        "behind the 500-review batch, the main job's settings), so its score reads a little "
        "high and test is the honest final score.",
        "Says that training against validation is not a like-for-like comparison: the model "
        "has seen the training reviews, and the training split also has a different mix of "
        "hard cases, so a gap mixes memorisation with difficulty.",
    ),
    solution_text=(
        "The first 1,200 reviews were split once, stratified by label and tag, 60/20/20 into "
        "718, 241 and 241 reviews, each with about a quarter hard cases. Later, error "
        "analysis on validation showed the model failing on negation and sarcasm, so 500 new "
        "reviews, 320 of them hard cases, were written and added to training only. That "
        "lifted training to 487 of 1,218 (40%) and left validation and test as they were (57 "
        "of 241 each). So a validation score and a test score are comparable: same kind of "
        "reviews, same mix. One caveat: validation guided choices (that error analysis, and "
        "the main job's settings), so its score reads a little high; test is the honest one. A "
        "training score is not comparable with either: the model has seen those reviews, and "
        "their mix of hard cases differs too, so the gap mixes memorisation and difficulty."
    ),
    solution_cell=(
        "answer = (\n"
        '    "The first 1,200 reviews were split once, stratified, into 718, 241 and 241 "\n'
        '    "(about a quarter hard cases each); a later batch of 500 reviews, mostly hard "\n'
        '    "cases, went to training only, which lifted it to 40%. Validation and test were "\n'
        '    "drawn the same way and never changed, so their scores are comparable, though "\n'
        '    "validation reads a little high: it guided the choices. A training score is not: "\n'
        '    "the model saw those reviews, and their mix of hard cases is different."\n'
        ")\n"
        "nb00.q6.check(answer)"
    ),
)
