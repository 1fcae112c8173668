"""Exercises for notebook 07: training time, the compute-optimal split, choosing models, masks.

Used by notebooks/07_history_applications_trends.ipynb. The keys are in answers/nb07.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise, as_float, number_form

# --- q1: how long training takes --------------------------------------------------------


def _days_form(answer: Callable[..., Any]) -> str | None:
    result = answer(1e6, 1e9, 1e12, 0.5)
    if result is None:
        return "your function returns None: write its body (and return the number of days)."
    if as_float(result) is None:
        return "your function should return a single number: the training time in days."
    return None


q1 = Exercise(
    name="nb07.q1",
    kind="function",
    points=1,
    question=(
        "Write training_days(parameters, tokens, flops_per_second, utilisation) that returns "
        "how many days training a dense Transformer of `parameters` parameters on `tokens` "
        "tokens takes on hardware whose peak is `flops_per_second` floating-point operations "
        "per second, of which only the share `utilisation` (between 0 and 1) is achieved. Use "
        "the C = 6 N D estimate of section 6.1. Pass the function itself."
    ),
    hints=(
        "Three steps: the operations training needs, the operations per second really achieved, "
        "and the conversion from seconds to days.",
        "The achieved rate is the peak times the utilisation; a day has 24 * 60 * 60 seconds.",
    ),
    starter=(
        "def my_training_days(\n"
        "    parameters: float, tokens: float, flops_per_second: float, utilisation: float\n"
        ") -> float:\n"
        "    return None  # your code here\n\n\n"
        "nb07.q1.check(my_training_days)"
    ),
    diagnose=_days_form,
)

# --- q2: the compute-optimal split of a budget ------------------------------------------


def _pair_form(answer: Callable[..., Any]) -> str | None:
    result = answer(1e20)
    if result is None:
        return "your function returns None: write its body (and return (parameters, tokens))."
    try:
        parameters, tokens = result
    except (TypeError, ValueError):
        return "return two numbers, (parameters, tokens), as a tuple."
    if as_float(parameters) is None or as_float(tokens) is None:
        return "return two numbers, (parameters, tokens), as a tuple."
    return None


q2 = Exercise(
    name="nb07.q2",
    kind="function",
    points=2,
    question=(
        "Write compute_optimal(compute, tokens_per_parameter=20) that splits a training budget "
        "of `compute` FLOPs into a model size N and a number of training tokens D such that "
        "C = 6 N D and D = tokens_per_parameter * N. Return (N, D) as a tuple of two floats. "
        "Pass the function itself."
    ),
    hints=(
        "Put D = r N into C = 6 N D: you get an equation with N as the only unknown.",
        "C = 6 r N squared, so N is a square root; D then follows from N.",
    ),
    starter=(
        "def my_compute_optimal(compute: float, tokens_per_parameter: float = 20) -> tuple:\n"
        "    return None  # your code here: (parameters, tokens)\n\n\n"
        "nb07.q2.check(my_compute_optimal)"
    ),
    diagnose=_pair_form,
)

# --- q3: choosing models that fit a job -------------------------------------------------

# Made-up candidates: no fact about a real model is implied.
CANDIDATES = (
    {"name": "encoder-en-uncased", "languages": ("en",), "max_tokens": 512, "cased": False,
     "licence": "apache-2.0"},
    {"name": "encoder-en-cased", "languages": ("en",), "max_tokens": 512, "cased": True,
     "licence": "apache-2.0"},
    {"name": "encoder-multilingual", "languages": ("en", "fr", "de", "es"), "max_tokens": 512,
     "cased": True, "licence": "mit"},
    {"name": "encoder-fr", "languages": ("fr",), "max_tokens": 512, "cased": True,
     "licence": "mit"},
    {"name": "long-encoder-en", "languages": ("en",), "max_tokens": 4096, "cased": True,
     "licence": "apache-2.0"},
    {"name": "decoder-en-research", "languages": ("en",), "max_tokens": 2048, "cased": True,
     "licence": "research-only"},
)  # fmt: skip


def _names_form(answer: Callable[..., Any]) -> str | None:
    result = answer(CANDIDATES, "en", 100, False, {"apache-2.0", "mit"})
    if result is None:
        return "your function returns None: write its body (and return a list of names)."
    if not isinstance(result, list | tuple):
        return "return a list of names, like ['encoder-en-cased']."
    if any(not isinstance(name, str) for name in result):
        return "return the models' names (the 'name' field, a string), not the whole rows."
    return None


q3 = Exercise(
    name="nb07.q3",
    kind="function",
    points=2,
    question=(
        "Write choose_models(candidates, language, text_tokens, needs_cased, licences) that "
        "returns the names of the candidates (rows like those of nb07.CANDIDATES) that fit a "
        "job, in the order of the table. A model fits when it covers `language` (in its "
        "'languages'), takes at least `text_tokens` tokens ('max_tokens'), is cased when "
        "`needs_cased` is True (either kind will do when it is False), and its 'licence' is "
        "one of the set `licences`. Pass the function itself."
    ),
    hints=(
        "Go through the rows one by one and keep a row only when all four conditions hold; "
        "collect the 'name' of each row you keep.",
        "Look again at the edges: a text exactly as long as a model's maximum still fits, and "
        "needs_cased=False allows cased models too.",
    ),
    starter=(
        "print(pd.DataFrame(nb07.CANDIDATES))\n\n\n"
        "def my_choose_models(\n"
        "    candidates, language: str, text_tokens: int, needs_cased: bool, licences: set\n"
        ") -> list[str]:\n"
        "    return None  # your code here\n\n\n"
        "nb07.q3.check(my_choose_models)"
    ),
    diagnose=_names_form,
)

# --- q4: the embedded model, trained compute-optimally -----------------------------------

q4 = Exercise(
    name="nb07.q4",
    question=(
        "How many training FLOPs would a compute-optimal training (the Chinchilla rule, "
        "D = 20 N) of a model the size of the embedded model take? Use the parameter count "
        "`embedded_parameters` measured in section 6.1 (all parameters) and C = 6 N D."
    ),
    hints=(
        "First the number of tokens the rule gives for this N, then the compute for that N "
        "and that D.",
        "D is 20 tokens for each parameter; put N and D into C = 6ND.",
    ),
    starter="answer = None  # your code here\nnb07.q4.check(answer)",
    diagnose=number_form,
    needs_earlier_results=True,
)

# --- q5: counting what a mask allows ----------------------------------------------------

_Q5_SEQUENCE_LENGTH = 6


def _two_counts_form(answer: Any) -> str | None:
    try:
        decoder, encoder = answer
    except (TypeError, ValueError):
        return "give two whole numbers: (decoder_pairs, encoder_pairs)."
    if isinstance(decoder, str) or isinstance(encoder, str):
        return "give two numbers, not text: (21, 36), not ('21', '36')."
    if number_form(decoder, whole=True) or number_form(encoder, whole=True):
        return "give two whole numbers: (decoder_pairs, encoder_pairs)."
    return None


q5 = Exercise(
    name="nb07.q5",
    question=(
        f"In one attention head, over a sequence of {_Q5_SEQUENCE_LENGTH} tokens, how many "
        "(query, key) pairs may attend in a decoder's causal self-attention, and how many in an "
        "encoder's bidirectional self-attention? Give (decoder_pairs, encoder_pairs), as the "
        "masks of section 2 would count them."
    ),
    hints=(
        "Draw the two masks: one is full, the other keeps a triangle. Does a token see itself?",
        "With positions counted from 1, how many keys does query i see? Add these up.",
    ),
    starter="answer = None  # your code here: (decoder_pairs, encoder_pairs)\nnb07.q5.check(answer)",
    diagnose=_two_counts_form,
)
