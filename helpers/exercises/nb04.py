"""Exercises for notebook 04, inside BERT: tokens, segments, WordPiece, masking, pretraining.

Used by notebooks/04_inside_bert.ipynb. The keys are in answers/nb04.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

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
        "Guess first: which of these words are rare enough to be cut into pieces, and what does "
        "the tokenizer add around every text? Then let `tokenizer` tell you.",
        "The tokenizer's output holds one id per piece, special tokens included; "
        "tokenizer.convert_ids_to_tokens shows which words were cut and where.",
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
    if set(values) - {0, 1}:
        return "a pair has two segments: every id is 0 or 1."
    return None


q2 = Exercise(
    name="nb04.q2",
    question=(
        "For the sentence pair tokenised as nb04.Q2_TOKENS "
        "([CLS] where is it ? [SEP] under the bed . [SEP]), write the token_type_ids as a list."
    ),
    hints=(
        "One id per token says which of the two texts the token belongs to. Where does the "
        "first text end?",
        "Section 2 printed the ids of another pair under its tokens: look at which segment each "
        "[SEP] got there.",
    ),
    starter=(
        "print(nb04.Q2_TOKENS)\n"
        "answer = None  # your list here, e.g. [0, 0, ...]\n"
        "nb04.q2.check(answer)"
    ),
    diagnose=_segments_form,
)

# --- q3: WordPiece, written by hand -----------------------------------------------------


def _wordpiece_form(answer: Callable[[str, set[str]], list[str]]) -> str | None:
    result = answer("plays", {"play", "##s"})
    if result is None:
        return "your function returns None: write its body (and return the list of pieces)."
    if not isinstance(result, list) or not all(isinstance(piece, str) for piece in result):
        return "return a list of strings, one per piece, e.g. ['play', '##s']."
    return None


q3 = Exercise(
    name="nb04.q3",
    kind="function",
    points=2,
    question=(
        "Write wordpiece(word, vocabulary) that cuts one lower-case word into pieces as BERT's "
        "tokenizer does: the longest start of the word that is in `vocabulary` (a set of "
        "strings), then, again and again, the longest start of what is left, written with a "
        "'##' prefix, that is in `vocabulary`. When no piece matches at some point, the whole "
        "word becomes ['[UNK]']. Pass the function itself."
    ),
    hints=(
        "Keep a position `start` in the word. At each step try the longest candidate "
        "word[start:end] first and shorten it one letter at a time until it is in the vocabulary "
        "(remember the '##' on every piece but the first).",
        "If even a one-letter candidate is missing, stop and return ['[UNK]'] for the whole word, "
        "not only for the missing part. Try your function on 'plays' with the vocabulary "
        "{'play', '##s'}.",
    ),
    starter=(
        "def wordpiece(word: str, vocabulary: set[str]) -> list[str]:\n"
        "    return None  # your code here\n\n\n"
        "nb04.q3.check(wordpiece)"
    ),
    diagnose=_wordpiece_form,
)

# --- q4: the 80/10/10 masking rule ------------------------------------------------------

MASK_TOKEN_ID = 103  # [MASK] in BERT's uncased vocabulary


def _sample_masking_inputs() -> tuple[torch.Tensor, ...]:
    """Return (input_ids, chosen, fate, random_ids) for a sentence of 8 tokens."""
    input_ids = torch.tensor([101, 2023, 3185, 2001, 2307, 1998, 2936, 102])  # (seq,)
    chosen = torch.tensor([False, True, True, True, False, True, False, False])
    fate = torch.tensor([0.5, 0.1, 0.85, 0.95, 0.3, 0.79, 0.9, 0.2], dtype=torch.float64)
    random_ids = torch.tensor([7, 8, 9, 10, 11, 12, 13, 14])
    return input_ids, chosen, fate, random_ids


def _corrupt_form(answer: Callable[..., Any]) -> str | None:
    given = _sample_masking_inputs()
    result = answer(*given, MASK_TOKEN_ID)
    if result is None:
        return "your function returns None: write its body (and return two tensors)."
    if not isinstance(result, tuple | list) or len(result) != 2:
        return "return a pair: (corrupted, labels)."
    if not all(isinstance(part, torch.Tensor) and part.shape == (8,) for part in result):
        return "both corrupted and labels are tensors with the shape of input_ids."
    changed = _changed_argument(given)
    if changed:
        return f"your function changed {changed} in place: work on a copy (.clone())."
    return None


def _changed_argument(given: tuple[torch.Tensor, ...]) -> str | None:
    """Return the name of the first sample input that a call changed in place, else None."""
    names = ("input_ids", "chosen", "fate", "random_ids")
    originals = _sample_masking_inputs()
    changed = [name for name, a, b in zip(names, given, originals, strict=True) if not a.equal(b)]
    return changed[0] if changed else None


q4 = Exercise(
    name="nb04.q4",
    kind="function",
    points=2,
    question=(
        "Write corrupt(input_ids, chosen, fate, random_ids, mask_token_id) that applies BERT's "
        "masking rule and returns (corrupted, labels). All four are tensors of one shape, any "
        "shape (the check uses a sentence and a batch): input_ids and random_ids integers, "
        "chosen booleans marking the targets, fate one float64 number in [0, 1) per position. "
        "At a target: fate below 0.8 gives mask_token_id, from 0.8 to below 0.9 the random id "
        "at that position, 0.9 and above the token is kept. Everywhere else nothing changes. "
        "labels holds the original id at every target and -100 elsewhere. Leave every "
        "argument as it was (return new tensors). Pass the function itself."
    ),
    hints=(
        "Build three boolean tensors of the shape of input_ids: which targets become [MASK], "
        "which get a random id, and (for the labels) which are targets at all. Combine `chosen` "
        "with comparisons on `fate` using & .",
        "Start from a copy of input_ids (.clone()) and assign through the two masks; torch.where "
        "(condition, a, b) builds the labels in one line. Check the boundaries: 0.8 is random, "
        "0.9 is kept.",
    ),
    starter=(
        "def corrupt(input_ids, chosen, fate, random_ids, mask_token_id):\n"
        "    return None  # your code here: (corrupted, labels)\n\n\n"
        "nb04.q4.check(corrupt)"
    ),
    diagnose=_corrupt_form,
)

# --- q5: what the pretraining run learned (written) -------------------------------------

q5 = Exercise(
    name="nb04.q5",
    kind="written",
    points=3,
    min_words=40,
    question=(
        "Section 6 printed, for your run, the blanked held-out loss before and after "
        "pretraining, the loss on texts the model trained on, the word-frequency baseline for "
        "both, and each probe's rank before, after and by frequency alone. Using your own "
        "numbers, explain what the model learned and what it did not, how you can tell "
        "learning word frequencies from reading context, and what it would take for the model "
        "to read context."
    ),
    hints=(
        "Put the losses on one line: ln V, the frequency baseline, the model after training. "
        "Which gap could a model close without looking at the sentence at all?",
        "Compare the model with the baseline twice, on held-out texts and on texts it trained "
        "on. What does a difference between the two comparisons mean?",
    ),
    starter="answer = None  # your explanation, as text between quotes\nnb04.q5.check(answer)",
)
