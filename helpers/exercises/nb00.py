"""Exercises for notebook 00, welcome and setup: warm-ups on the course's data and hardware.

Used by notebooks/00_welcome.ipynb. The keys are in answers/nb00.py.
"""

from __future__ import annotations

from typing import Any

from helpers.exercises import Exercise, fraction_form, number_form


def _normalise_precision(answer: Any) -> str:
    """Return a precision answer as 'fp16', 'bf16' or 'fp32' when it names one of them."""
    text = str(answer).strip().lower().removeprefix("torch.")
    text = text.replace("float", "fp").replace("-", "")
    return {"half": "fp16", "bfloat16": "bf16", "bfp16": "bf16", "single": "fp32"}.get(text, text)


def _normalise_split(answer: Any) -> str:
    """Return a split answer in lower case, with 'dev', 'valid' and 'val' read as 'validation'."""
    text = str(answer).strip().lower()
    return {"dev": "validation", "valid": "validation", "val": "validation"}.get(text, text)


# --- q1: how many training reviews ------------------------------------------------------

q1 = Exercise(
    name="nb00.q1",
    question="How many reviews are in the training split of the course's own data?",
    hints=(
        "Load the data with helpers.data.load_dataset_splits('sample') and take the length of "
        "its .train split (or read the table this notebook printed).",
    ),
    starter="answer = None  # your code here\nnb00.q1.check(answer)",
    diagnose=lambda answer: number_form(answer, whole=True),
)

# --- q2: which precision would a T4 use -------------------------------------------------


def _precision_form(answer: Any) -> str | None:
    if _normalise_precision(answer) not in ("fp16", "bf16", "fp32"):
        return "answer with one of 'fp32', 'bf16' or 'fp16'."
    return None


q2 = Exercise(
    name="nb00.q2",
    question=(
        "Colab's free T4 GPU has CUDA compute capability 7.5. Which precision should training "
        "use on it: 'fp32', 'bf16' or 'fp16'?"
    ),
    hints=(
        "Read helpers.environment.choose_precision: bf16 needs compute capability 8.0 or more; "
        "below that the fast 16-bit format is the other one.",
    ),
    starter="answer = None  # your answer here, as a string\nnb00.q2.check(answer)",
    diagnose=_precision_form,
)

# --- q3: the share of hard cases --------------------------------------------------------

q3 = Exercise(
    name="nb00.q3",
    question=(
        "What fraction (between 0 and 1) of all 1,700 reviews carries a hard-case tag, that is "
        "a hard_case other than 'none'?"
    ),
    hints=(
        "Count the tags that are not 'none' in splits.train.extra['hard_case'], and the same "
        "for validation and test; divide by the total number of reviews.",
    ),
    starter="answer = None  # your code here\nnb00.q3.check(answer)",
    diagnose=fraction_form,
)

# --- q4: which split chooses the settings -----------------------------------------------


def _split_form(answer: Any) -> str | None:
    if _normalise_split(answer) not in ("train", "validation", "test"):
        return "answer with 'train', 'validation' or 'test'."
    return None


q4 = Exercise(
    name="nb00.q4",
    question=(
        "You try three learning rates and keep the best. On which split do you compare them: "
        "'train', 'validation' or 'test'?"
    ),
    hints=(
        "You need reviews the model did not train on, and you must keep one split untouched "
        "until the end to report an honest final score.",
    ),
    starter="answer = None  # your answer here, as a string\nnb00.q4.check(answer)",
    diagnose=_split_form,
)
