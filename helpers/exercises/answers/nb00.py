"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 00's exercises."""

from __future__ import annotations

from functools import cache
from typing import Any

from helpers.exercises import Key
from helpers.exercises.nb00 import _normalise_precision, _normalise_split


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
    return int(answer) == _review_counts()["train"]


def _diagnose_train_size(answer: Any) -> str | None:
    counts = _review_counts()
    value = int(answer)
    if value == counts["train"] + counts["validation"] + counts["test"]:
        return "that is all the reviews; count only the training split: len(splits.train)."
    if value in (counts["validation"], counts["test"]):
        return "that is the size of the validation or test split; ask for splits.train."
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

# --- q2: which precision would a T4 use -------------------------------------------------


def _is_t4_precision(answer: Any) -> bool:
    return _normalise_precision(answer) == "fp16"


def _diagnose_t4_precision(answer: Any) -> str | None:
    value = _normalise_precision(answer)
    if value == "bf16":
        return (
            "a T4 has compute capability 7.5; bf16 runs natively only from 8.0 (Ampere) on. "
            "torch.cuda.is_bf16_supported() says True on a T4, but it is emulated and slow."
        )
    if value == "fp32":
        return (
            "fp32 works but wastes the T4's tensor cores, which are built for 16-bit numbers. "
            "Which 16-bit format does a 7.5 card support natively?"
        )
    return None


q2 = Key(
    is_correct=_is_t4_precision,
    diagnose=_diagnose_t4_precision,
    solution_text=(
        "answer = 'fp16'\n"
        "A T4 (Turing, 7.5) has tensor cores for fp16 but no native bf16. fp16 has a small "
        "range, so training multiplies the loss by a gradient scaler to keep small gradients "
        "from rounding to zero."
    ),
    solution_cell='answer = "fp16"\nnb00.q2.check(answer)',
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
    return None


q3 = Key(
    is_correct=_is_hard_fraction,
    diagnose=_diagnose_hard_fraction,
    solution_text=(
        "tags = [tag for split in (splits.train, splits.validation, splits.test)\n"
        "        for tag in split.extra['hard_case']]\n"
        "answer = sum(tag != 'none' for tag in tags) / len(tags)  # 601 / 1700 = 0.354"
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
