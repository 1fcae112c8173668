"""Exercises for notebook 04, inside BERT: tokens, segments, parameters and masking.

Used by notebooks/04_inside_bert.ipynb. The keys are in answers/nb04.py.
"""

from __future__ import annotations

from typing import Any

from helpers.exercises import Exercise, as_float, number_form

# --- q1: count the tokens of a sentence -------------------------------------------------

Q1_SENTENCE = "Tokenizers split unbelievably rare words into pieces."


def _diagnose_token_count(answer: Any) -> str | None:
    value = as_float(answer)
    if value in (7, 8, 9, 10):
        return (
            "that counts words (and punctuation); WordPiece splits rare words into several pieces."
        )
    return number_form(answer, whole=True)


q1 = Exercise(
    name="nb04.q1",
    question=(
        f"How many tokens does BERT's tokenizer produce for nb04.Q1_SENTENCE = {Q1_SENTENCE!r}, "
        "special tokens included? Guess first, then count with the tokenizer."
    ),
    hints=(
        "len(tokenizer(nb04.Q1_SENTENCE)['input_ids']) counts them; "
        "tokenizer.convert_ids_to_tokens(...) shows you which pieces they are.",
    ),
    starter="print(nb04.Q1_SENTENCE)\nanswer = None  # your number here\nnb04.q1.check(answer)",
    diagnose=_diagnose_token_count,
)

# --- q2: segment ids of a sentence pair -------------------------------------------------

Q2_TOKENS = ["[CLS]", "where", "is", "it", "?", "[SEP]", "under", "the", "bed", ".", "[SEP]"]


def _as_int_list(answer: Any) -> list[int]:
    """Return `answer` (a list, tuple or tensor of ids) as a list of ints."""
    if hasattr(answer, "tolist"):
        answer = answer.tolist()
    return [int(value) for value in answer]


def _segments_form(answer: Any) -> str | None:
    values = _as_int_list(answer)
    if len(values) != len(Q2_TOKENS):
        return f"give one id per token: {len(Q2_TOKENS)} numbers."
    return None


q2 = Exercise(
    name="nb04.q2",
    question=(
        "For the sentence pair tokenised as nb04.Q2_TOKENS "
        "([CLS] where is it ? [SEP] under the bed . [SEP]), write the token_type_ids as a list."
    ),
    hints=(
        "Segment 0 runs from [CLS] to the first [SEP] included; segment 1 covers the second "
        "sentence and its closing [SEP].",
    ),
    starter=(
        "print(nb04.Q2_TOKENS)\n"
        "answer = None  # your list here, e.g. [0, 0, ...]\n"
        "nb04.q2.check(answer)"
    ),
    diagnose=_segments_form,
)

# --- q3: parameters of one encoder layer of bert-base -----------------------------------

q3 = Exercise(
    name="nb04.q3",
    question=(
        "How many parameters does one encoder layer of bert-base hold (hidden size 768, "
        "feed-forward size 3072)? Count attention, feed-forward and both LayerNorms."
    ),
    hints=(
        "Attention: four Linear(768, 768). Feed-forward: Linear(768, 3072) and "
        "Linear(3072, 768). A Linear(n, m) has n*m + m parameters; a LayerNorm(768) has 2*768.",
    ),
    starter="answer = None  # your number here\nnb04.q3.check(answer)",
    diagnose=lambda answer: number_form(answer, whole=True),
)

# --- q4: masked language modelling ------------------------------------------------------

_Q4_NUM_TOKENS = 2000

q4 = Exercise(
    name="nb04.q4",
    question=(
        f"In BERT's masked language modelling, a text of {_Q4_NUM_TOKENS} tokens goes through the "
        "masking recipe. On average, how many of its tokens are replaced by [MASK]?"
    ),
    hints=(
        "Two stages: 15% of the tokens are chosen as targets; of those, 80% become [MASK], 10% "
        "a random token and 10% stay as they were.",
    ),
    starter="answer = None  # your number here\nnb04.q4.check(answer)",
    diagnose=number_form,
)
