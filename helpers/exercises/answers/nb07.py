"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 07's exercises."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

from helpers.exercises import Case, Credit, Key, as_float
from helpers.exercises.nb07 import _Q5_SEQUENCE_LENGTH, CANDIDATES

SECONDS_PER_DAY = 24 * 60 * 60


def _close(result: Any, expected: float, tolerance: float = 1e-6) -> bool:
    """Return True when `result` is a number within `tolerance` (relative) of `expected`."""
    value = as_float(result)
    return value is not None and math.isclose(value, expected, rel_tol=tolerance, abs_tol=1e-12)


def _close_pair(result: Any, expected: tuple[float, float]) -> bool:
    parameters, tokens = result
    return _close(parameters, expected[0]) and _close(tokens, expected[1])


# --- q1: how long training takes --------------------------------------------------------


def _days(parameters: float, tokens: float, flops_per_second: float, utilisation: float) -> float:
    return 6 * parameters * tokens / (flops_per_second * utilisation) / SECONDS_PER_DAY


def _days_case(name: str, *args: float) -> Case:
    return Case(name, args, _days(*args))


_DAYS_CASES = (
    _days_case("a small model, half the peak", 1e6, 1e9, 1e12, 0.5),
    _days_case("no training tokens", 1e8, 0.0, 1e14, 0.4),
    _days_case("the whole peak achieved", 2e7, 3e9, 1e13, 1.0),
    _days_case("GPT-3's N and D on a fast cluster", 175e9, 300e9, 1e18, 0.3),
    _days_case("one parameter, one token", 1.0, 1.0, 6.0, 1.0),
)


def _diagnose_days(answer: Callable[..., Any]) -> str | None:
    args = (1e6, 1e9, 1e12, 0.5)
    result, expected = as_float(answer(*args)), _days(*args)
    if result is None:
        return None
    if _close(result, expected * SECONDS_PER_DAY):
        return "that is the time in seconds; divide by the 86,400 seconds of a day."
    if _close(result, expected * args[3]):
        return "you used the peak rate: only the share `utilisation` of it is achieved."
    if _close(result, expected / 3):
        return "2 N D counts the forward pass only; the backward pass costs about twice that."
    return None


q1 = Key(
    cases=_DAYS_CASES,
    compare=_close,
    diagnose=_diagnose_days,
    solution_text=(
        "def answer(parameters, tokens, flops_per_second, utilisation):\n"
        "    operations = 6 * parameters * tokens          # C = 6 N D\n"
        "    seconds = operations / (flops_per_second * utilisation)\n"
        "    return seconds / 86_400                       # 24 * 60 * 60 seconds a day"
    ),
    solution_cell=(
        "def my_training_days(\n"
        "    parameters: float, tokens: float, flops_per_second: float, utilisation: float\n"
        ") -> float:\n"
        "    needed = 6 * parameters * tokens\n"
        "    achieved_per_second = flops_per_second * utilisation\n"
        "    return needed / achieved_per_second / (24 * 60 * 60)\n\n\n"
        "nb07.q1.check(my_training_days)"
    ),
)

# --- q2: the compute-optimal split of a budget ------------------------------------------


def _optimal(compute: float, tokens_per_parameter: float = 20) -> tuple[float, float]:
    parameters = math.sqrt(compute / (6 * tokens_per_parameter))
    return parameters, tokens_per_parameter * parameters


def _optimal_case(name: str, *args: float) -> Case:
    return Case(name, args, _optimal(*args))


_OPTIMAL_CASES = (
    _optimal_case("the worked example, C = 120", 120.0),
    _optimal_case("Chinchilla's budget", 6 * 70e9 * 1.4e12),
    _optimal_case("a budget of 1e21 FLOPs", 1e21),
    _optimal_case("one token per parameter", 6.0, 1),
    _optimal_case("GPT-3's ratio of tokens to parameters", 6 * 175e9 * 300e9, 300 / 175),
)


def _diagnose_optimal(answer: Callable[..., Any]) -> str | None:
    parameters, tokens = answer(120.0)
    if _close_pair((tokens, parameters), _optimal(120.0)):
        return "the two numbers are swapped: return (parameters, tokens)."
    if _close_pair((parameters, tokens), (math.sqrt(20), 20 * math.sqrt(20))):
        return "C = 6 N D = 6 r N^2: divide by 6 r, not by 6 alone, before the square root."
    if _close_pair((parameters, tokens), (math.sqrt(6), 20 * math.sqrt(6))):
        return "you left out the 6: C = 6 r N^2."
    return None


q2 = Key(
    cases=_OPTIMAL_CASES,
    compare=_close_pair,
    diagnose=_diagnose_optimal,
    solution_text=(
        "def answer(compute, tokens_per_parameter=20):\n"
        "    parameters = math.sqrt(compute / (6 * tokens_per_parameter))  # C = 6 r N^2\n"
        "    return parameters, tokens_per_parameter * parameters"
    ),
    solution_cell=(
        "def my_compute_optimal(compute: float, tokens_per_parameter: float = 20) -> tuple:\n"
        "    size = (compute / (6 * tokens_per_parameter)) ** 0.5\n"
        "    return size, tokens_per_parameter * size\n\n\n"
        "nb07.q2.check(my_compute_optimal)"
    ),
)

# --- q3: choosing models that fit a job -------------------------------------------------


def _fits(row: dict, language: str, text_tokens: int, needs_cased: bool, licences: set) -> bool:
    return (
        language in row["languages"]
        and row["max_tokens"] >= text_tokens
        and (row["cased"] or not needs_cased)
        and row["licence"] in licences
    )


def _choose(candidates, language, text_tokens, needs_cased, licences) -> list[str]:
    return [
        row["name"]
        for row in candidates
        if _fits(row, language, text_tokens, needs_cased, licences)
    ]


def _choose_case(name: str, *args: Any) -> Case:
    return Case(name, args, _choose(*args))


PERMISSIVE = {"apache-2.0", "mit"}
RESEARCH_TOO = PERMISSIVE | {"research-only"}
_CHOOSE_CASES = (
    _choose_case("English, cased, 1,000 tokens", CANDIDATES, "en", 1000, True, PERMISSIVE),
    _choose_case("English, cased, 512 tokens", CANDIDATES, "en", 512, True, PERMISSIVE),
    _choose_case("English, any casing, 300 tokens", CANDIDATES, "en", 300, False, PERMISSIVE),
    _choose_case("French, cased, MIT only", CANDIDATES, "fr", 200, True, {"mit"}),
    _choose_case("a text exactly 512 tokens long", CANDIDATES, "de", 512, True, PERMISSIVE),
    _choose_case("research use allowed", CANDIDATES, "en", 2048, True, RESEARCH_TOO),
    _choose_case("no licence acceptable", CANDIDATES, "en", 10, False, set()),
    _choose_case("a language no model covers", CANDIDATES, "fi", 10, False, PERMISSIVE),
    _choose_case("an empty table", (), "en", 10, False, PERMISSIVE),
)


def _variant(mistake: str) -> Callable[..., list[str]]:
    """Return a choose_models that makes one known `mistake`, to recognise it in an answer."""

    def casing_ok(row: dict, needs_cased: bool) -> bool:
        if mistake == "ignores casing":
            return True
        if mistake == "uncased only when not needed":
            return row["cased"] == needs_cased
        return row["cased"] or not needs_cased

    def choose(candidates, language, text_tokens, needs_cased, licences) -> list[str]:
        shortest = text_tokens + 1 if mistake == "strict length" else text_tokens
        return [
            row["name"]
            for row in candidates
            if language in row["languages"]
            and row["max_tokens"] >= shortest
            and casing_ok(row, needs_cased)
            and row["licence"] in licences
        ]

    return choose


def _same_on_every_case(answer: Callable[..., Any], reference: Callable[..., Any]) -> bool:
    return all(list(answer(*case.args)) == reference(*case.args) for case in _CHOOSE_CASES)


def _diagnose_choose(answer: Callable[..., Any]) -> str | None:
    if _same_on_every_case(answer, _variant("strict length")):
        return "a text exactly as long as a model's max_tokens still fits: use >=, not >."
    if _same_on_every_case(answer, _variant("ignores casing")):
        return "when needs_cased is True, leave out the uncased models."
    if _same_on_every_case(answer, _variant("uncased only when not needed")):
        return "needs_cased=False means 'either kind will do', not 'uncased only'."
    result = answer(CANDIDATES, "en", 100, False, PERMISSIVE)
    expected = _choose(CANDIDATES, "en", 100, False, PERMISSIVE)
    if sorted(result) == sorted(expected) and list(result) != expected:
        return "right models, wrong order: keep the order of the table."
    return None


q3 = Key(
    cases=_CHOOSE_CASES,
    compare=lambda result, expected: list(result) == expected,
    diagnose=_diagnose_choose,
    solution_text=(
        "def answer(candidates, language, text_tokens, needs_cased, licences):\n"
        "    return [\n"
        "        row['name'] for row in candidates\n"
        "        if language in row['languages'] and row['max_tokens'] >= text_tokens\n"
        "        and (row['cased'] or not needs_cased) and row['licence'] in licences\n"
        "    ]"
    ),
    solution_cell=(
        "print(pd.DataFrame(nb07.CANDIDATES))\n\n\n"
        "def my_choose_models(\n"
        "    candidates, language: str, text_tokens: int, needs_cased: bool, licences: set\n"
        ") -> list[str]:\n"
        "    kept = []\n"
        "    for row in candidates:\n"
        "        speaks = language in row['languages']\n"
        "        long_enough = row['max_tokens'] >= text_tokens\n"
        "        casing_ok = row['cased'] or not needs_cased\n"
        "        if speaks and long_enough and casing_ok and row['licence'] in licences:\n"
        "            kept.append(row['name'])\n"
        "    return kept\n\n\n"
        "nb07.q3.check(my_choose_models)"
    ),
)

# --- q4: the embedded model, trained compute-optimally -----------------------------------


@cache
def _embedded_parameters() -> int:
    """Return the number of parameters of the embedded all-MiniLM-L6-v2, counted."""
    import torch
    from transformers import AutoConfig, AutoModel

    from helpers.assets import resolve_model

    config = AutoConfig.from_pretrained(resolve_model("embedded"))
    with torch.device("meta"):  # the shapes, without reading (or printing a bar for) weights
        encoder = AutoModel.from_config(config)
    return sum(parameter.numel() for parameter in encoder.parameters())


def _optimal_compute() -> float:
    parameters = _embedded_parameters()
    return 6 * parameters * (20 * parameters)


def _diagnose_optimal_compute(answer: Any) -> str | None:
    value, parameters = float(answer), _embedded_parameters()
    if _close(value, 20 * parameters, 0.01):
        return "that is D, the number of tokens; the question asks for the FLOPs, C = 6 N D."
    if _close(value, 6 * parameters * parameters, 0.01):
        return "the rule gives D = 20 N tokens, not N tokens."
    if _close(value, 6 * parameters * 20, 0.01):
        return "D is 20 times N (tokens), not the number 20."
    return None


q4 = Key(
    is_correct=lambda answer: _close(answer, _optimal_compute(), 0.01),
    diagnose=_diagnose_optimal_compute,
    solution_text=(
        "tokens = 20 * embedded_parameters  # the Chinchilla rule\n"
        "answer = 6 * embedded_parameters * tokens  # about 6.2e16 FLOPs for 22.7M parameters"
    ),
    solution_cell=(
        "chinchilla_tokens = 20 * embedded_parameters\n"
        "answer = 6 * embedded_parameters * chinchilla_tokens\n"
        "nb07.q4.check(answer)"
    ),
)

# --- q5: counting what a mask allows ----------------------------------------------------

_LENGTH = _Q5_SEQUENCE_LENGTH
_PAIRS = (_LENGTH * (_LENGTH + 1) // 2, _LENGTH * _LENGTH)


def _whole_counts(answer: Any) -> tuple[int, int] | None:
    """Return the answer as two ints when both are whole numbers (not text), else None."""
    decoder, encoder = answer
    if isinstance(decoder, str) or isinstance(encoder, str):
        return None
    values = [as_float(decoder), as_float(encoder)]
    if any(value is None or not value.is_integer() for value in values):
        return None
    return int(values[0]), int(values[1])


def _diagnose_pairs(answer: Any) -> str | Credit | None:
    counts = _whole_counts(answer)
    if counts is None:
        return None  # the public form check says what is wrong
    decoder, encoder = counts
    if (decoder, encoder) == _PAIRS[::-1]:
        return "swapped: the decoder (causal) allows fewer pairs than the encoder."
    if (decoder, encoder) == (_LENGTH * (_LENGTH - 1) // 2, _PAIRS[1]):
        return Credit("a token may attend to itself: the diagonal counts too.", 0.5)
    if decoder == encoder:
        return "the causal mask blocks every key after its query: it allows fewer pairs."
    return None


q5 = Key(
    is_correct=lambda answer: _whole_counts(answer) == _PAIRS,
    diagnose=_diagnose_pairs,
    solution_text=(
        "answer = (6 * 7 // 2, 6 * 6)  # (21, 36)\n"
        "A causal mask is the lower triangle with its diagonal: n (n + 1) / 2 pairs; a "
        "bidirectional one allows all n * n pairs."
    ),
    solution_cell=(
        "length = 6\nanswer = (length * (length + 1) // 2, length**2)\nnb07.q5.check(answer)"
    ),
)
