"""Exercises for notebook 00, welcome and setup: warm-ups on the course's own reviews.

Used by notebooks/00_welcome.ipynb. The keys are in answers/nb00.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise, fraction_form, number_form

_GOOD_ROW = {
    "id": "r0001",
    "text": "Two stars, both for the dog.",
    "label": "negative",
    "hard_case": "none",
}


def _normalise_split(answer: Any) -> str:
    """Return a split answer in lower case, with 'dev', 'valid' and 'val' read as 'validation'."""
    text = str(answer).strip().lower()
    return {"dev": "validation", "valid": "validation", "val": "validation"}.get(text, text)


# --- q1: how many training reviews ------------------------------------------------------

q1 = Exercise(
    name="nb00.q1",
    question="How many reviews are in the training split of the course's own data?",
    hints=(
        "Section 4 loaded the three splits into `splits`; compute the number from it rather "
        "than typing one you read.",
        "splits.train is the training split, and it behaves like a list of reviews. How do "
        "you count the items of a list in Python?",
    ),
    starter="answer = None  # your code here\nnb00.q1.check(answer)",
    diagnose=lambda answer: number_form(answer, whole=True),
)

# --- q2: check a row of the review files ------------------------------------------------


def _row_checker_form(answer: Callable[[dict, int], Any]) -> str | None:
    try:
        result = answer(dict(_GOOD_ROW), 2)
    except Exception as error:  # a good row must pass: the public example shows it
        return (
            f"your function raised {type(error).__name__} on a good row (the first training "
            "review): a row that breaks no rule must pass."
        )
    if result is not None:
        return "your function should return None (and raise nothing) for a good row."
    return None


q2 = Exercise(
    name="nb00.q2",
    kind="function",
    points=2,
    question=(
        "Write check_review(row, line) for one row of the course's review files, as "
        "csv.DictReader reads it: a dict of strings with the keys 'id', 'text', 'label' and "
        "'hard_case'. It returns None for a good row and raises ValueError, with 'line <line>' "
        "in its message, when a column is missing, when the text is empty or only white space, "
        "when the label is not exactly 'positive' or 'negative', or when hard_case is not one "
        "of 'none', 'negation', 'contrast', 'sarcasm' and 'mixed'. Pass the function itself."
    ),
    hints=(
        "Test the rules one after the other and raise as soon as one fails. What does your "
        "function do with a row that lacks a column, and with a text of three spaces?",
        "One test per rule. Which test tells you that a dict lacks a key, without raising "
        "KeyError? Which string method turns '   ' into ''? How do you test that a value is "
        "one of a few allowed ones? And every message needs the line number.",
    ),
    starter=(
        "def check_review(row: dict, line: int) -> None:\n"
        "    return None  # your code here: raise ValueError on a bad row\n\n\n"
        "nb00.q2.check(check_review)"
    ),
    diagnose=_row_checker_form,
)

# --- q3: the share of hard cases --------------------------------------------------------

q3 = Exercise(
    name="nb00.q3",
    question=(
        "What fraction (between 0 and 1) of all 1,700 reviews carries a hard-case tag, that is "
        "a hard_case other than 'none'? Compute it, or type it to at least four decimals."
    ),
    hints=(
        "You need two counts over all three splits, not one split: the reviews with a tag "
        "other than 'none', and all the reviews.",
        "Each split has its tags in split.extra['hard_case']; the dict `parts` of section 4 "
        "holds the three splits. Count the tags that are not 'none', then divide.",
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
        "Of the two splits the model never trains on, one is for choosing and one for the "
        "final report. Which is which?",
    ),
    starter="answer = None  # your answer here, as a string\nnb00.q4.check(answer)",
    diagnose=_split_form,
)

# --- q5: do two reviews share a phrase --------------------------------------------------


def _phrase_form(answer: Callable[[str, str, int], Any]) -> str | None:
    result = answer("a b c d e f", "x a b c d e f", 6)
    if result is None:
        return "your function returns None: write its body, and return True or False."
    if not isinstance(result, bool):
        return "return True or False (a bool), not a count or a set."
    return None


q5 = Exercise(
    name="nb00.q5",
    kind="function",
    points=2,
    question=(
        "The reviews' README promises that no review of the later training batch shares six "
        "consecutive words with a validation or test review (section 4 showed that the "
        "original 718 training reviews were never held to that). Write shares_words(text_a, text_b, length) that returns True "
        "when the two texts have a run of `length` consecutive words in common, and False "
        'otherwise. Words are what re.findall(r"[a-z0-9\']+", text.lower()) finds, so case '
        "and punctuation do not matter. Pass the function itself."
    ),
    hints=(
        "Think of a text as its list of words, and of a run as `length` neighbours in that "
        "list: two texts share a run when some run of the first is also a run of the second. "
        "What should a text shorter than `length` words give?",
        "Collect each text's runs (tuples of words can go in a set, lists cannot), then ask "
        "whether the two collections meet. Count the possible starts with care: how many runs "
        "does a list of exactly `length` words have?",
    ),
    starter=(
        "import re\n\n\n"
        "def shares_words(text_a: str, text_b: str, length: int) -> bool:\n"
        "    return None  # your code here\n\n\n"
        "nb00.q5.check(shares_words)"
    ),
    diagnose=_phrase_form,
)

# --- q6: why the splits differ (written) ------------------------------------------------

q6 = Exercise(
    name="nb00.q6",
    kind="written",
    points=2,
    min_words=40,
    question=(
        "Section 4 printed the share of hard cases in each split: about 40% in training and "
        "24% in validation and test. Using the data's README and those numbers, explain why "
        "the training split differs from the other two, and which comparison is fair: a "
        "validation score against a test score, or a training score against a validation "
        "score. Say why."
    ),
    hints=(
        "Read data/reviews/README.md: which reviews were split, and which were added later, "
        "to which split, and why?",
        "A score depends on how hard the reviews are. Which two splits were drawn the same way "
        "from the same reviews, and which one was changed on purpose? Has any split already "
        "guided a choice?",
    ),
    starter="answer = None  # your explanation, as text between quotes\nnb00.q6.check(answer)",
)
