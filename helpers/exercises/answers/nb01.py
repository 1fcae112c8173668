"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 01's exercises."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from helpers.exercises import Case, Key, as_float, is_close, tensors_close
from helpers.exercises.nb01 import _CHAIN_RULE_STEPS, _SMOOTHING_COUNTS

# --- q1: the chain rule -----------------------------------------------------------------

_CHAIN_RULE_PROBABILITY = math.prod(_CHAIN_RULE_STEPS.values())  # 0.04


def _diagnose_log_probability(answer: Any) -> str | None:
    value = as_float(answer)
    if value is not None and math.isclose(value, math.log(_CHAIN_RULE_PROBABILITY), rel_tol=1e-3):
        return "That is the log-probability. Take exp() of it, or just multiply the three numbers."
    return None


q1 = Key(
    is_correct=is_close(_CHAIN_RULE_PROBABILITY),
    diagnose=_diagnose_log_probability,
    solution_text=(
        "answer = 0.2 * 0.5 * 0.4  # = 0.04\n"
        "Each factor is the probability of the next symbol given the previous one."
    ),
    solution_cell="answer = 0.2 * 0.5 * 0.4\nnb01.q1.check(answer)",
)

# --- q2: perplexity of a uniform model --------------------------------------------------

q2 = Key(
    is_correct=is_close(30_522),
    solution_text=(
        "answer = 30_522\n"
        "-log(1/V) = log V, and exp(log V) = V: a uniform model is as unsure as a fair die "
        "with V faces, and any useful model must score far below V per token. This number is "
        "per WordPiece token, section 6's per character, so the two cannot be compared as "
        "they stand. Converted to the same unit, bits per character (total nats / number of "
        "characters / ln 2), section 6 prints both: on the course's reviews even this uniform "
        "token model needs a little fewer bits per character than the character bigram, "
        "because its vocabulary already spells English words (and because BERT's tokens drop "
        "spacing, so that figure is not a true code length for the text)."
    ),
    solution_cell="answer = math.exp(-math.log(1 / 30_522))\nnb01.q2.check(answer)",
)

# --- q3: temperature towards zero -------------------------------------------------------

_COLD_DISTRIBUTION = torch.tensor([0.0, 0.0, 0.0, 1.0])

q3 = Key(
    is_correct=tensors_close(_COLD_DISTRIBUTION, atol=1e-3),
    solution_text=(
        "answer = [0.0, 0.0, 0.0, 1.0]\n"
        "All the probability goes to the largest logit (2.5): sampling becomes greedy "
        "argmax decoding, and the same text comes out every time."
    ),
    solution_cell=(
        "logits = torch.tensor([2.0, 1.0, 0.5, 2.5])\n"
        "answer = torch.softmax(logits / 0.001, dim=0)\n"
        "nb01.q3.check(answer)"
    ),
)

# --- q4: add-k smoothing ----------------------------------------------------------------

_SMOOTHING_K = 1.0
_SMOOTHED = (_SMOOTHING_COUNTS + _SMOOTHING_K) / (_SMOOTHING_COUNTS.sum() + _SMOOTHING_K * 4)


def _is_smoothed(answer: Any) -> bool:
    """Accept the four probabilities in any shape: a list, a (4,) or a (1, 4) tensor."""
    values = torch.as_tensor(answer, dtype=_SMOOTHED.dtype).flatten()
    return tensors_close(_SMOOTHED, atol=1e-3)(values)


q4 = Key(
    is_correct=_is_smoothed,
    solution_text=(
        "answer = [9 / 14, 3 / 14, 1 / 14, 1 / 14]\n"
        "Each count gets k = 1 added (9, 3, 1, 1) and the total becomes 10 + 1 * 4 = 14. "
        "The unseen symbols now have a small, non-zero probability."
    ),
    solution_cell=(
        "counts = torch.tensor([8.0, 2.0, 0.0, 0.0])\n"
        "answer = (counts + 1) / (counts.sum() + 1 * 4)\n"
        "nb01.q4.check(answer)"
    ),
)

# --- q5: perplexity as a function ---------------------------------------------------------


def _perplexity(probabilities: list[float]) -> float:
    """Return exp(-mean log p), inf when some probability is 0."""
    if min(probabilities) == 0:
        return math.inf
    return math.exp(-sum(math.log(p) for p in probabilities) / len(probabilities))


def _close_or_both_infinite(result: Any, expected: float) -> bool:
    value = float(result)
    if math.isinf(expected):
        return math.isinf(value) and value > 0
    return math.isclose(value, expected, rel_tol=1e-6)


def _perplexity_case(name: str, probabilities: list[float]) -> Case:
    return Case(name, (probabilities,), _perplexity(probabilities))


_PERPLEXITY_CASES = (
    _perplexity_case("a fair coin", [0.5, 0.5, 0.5]),
    _perplexity_case("one symbol", [0.25]),
    _perplexity_case("a certain model", [1.0, 1.0, 1.0, 1.0]),
    _perplexity_case("mixed probabilities", [0.9, 0.1, 0.5, 0.3, 0.05]),
    _perplexity_case("an impossible symbol", [0.5, 0.0, 0.5]),
    _perplexity_case("1,000 symbols of 1e-5 (the product underflows)", [1e-5] * 1000),
    _perplexity_case("a 300-character text", [0.05] * 300),
)


def _diagnose_perplexity(answer: Callable[[list[float]], Any]) -> str | None:
    fair = as_float(answer([0.5, 0.5, 0.5]))
    if fair is None:
        return None  # the public form check says it
    if fair is not None and math.isclose(fair, math.log(2), rel_tol=1e-6):
        return "that is the average negative log-likelihood; perplexity is exp of it."
    if fair is not None and math.isclose(fair, 0.5, rel_tol=1e-6):
        return "perplexity is not the average probability: use the log-probabilities."
    try:
        impossible = as_float(answer([0.5, 0.0, 0.5]))
    except (ValueError, ZeroDivisionError, OverflowError):
        impossible = None
    if impossible is not None and math.isnan(impossible):
        return (
            "a text with an impossible symbol (probability 0) must give inf, not nan: "
            "-log 0 is +inf, so the average negative log-likelihood and its exp are +inf."
        )
    try:
        long_text = as_float(answer([1e-5] * 1000))
    except (ValueError, ZeroDivisionError, OverflowError):
        long_text = None
    if long_text is None or not math.isclose(long_text, 1e5, rel_tol=1e-6):
        return (
            "on 1,000 probabilities of 1e-5 the answer must be 1e5: a product of so many small "
            "numbers underflows to 0.0 (section 1). Add log-probabilities instead."
        )
    return None


q5 = Key(
    cases=_PERPLEXITY_CASES,
    compare=_close_or_both_infinite,
    diagnose=_diagnose_perplexity,
    solution_text=(
        "def perplexity(probabilities):\n"
        "    if min(probabilities) == 0:\n"
        "        return math.inf  # log 0 = -inf: the text was impossible for the model\n"
        "    mean_log = sum(math.log(p) for p in probabilities) / len(probabilities)\n"
        "    return math.exp(-mean_log)\n\n"
        "Working with logs keeps a long text's probability from underflowing: the product of "
        "1,000 probabilities of 1e-5 is 0.0 in float64, but the mean log is just log(1e-5)."
    ),
    solution_cell=(
        "def perplexity(probabilities: list[float]) -> float:\n"
        "    if min(probabilities) == 0:\n"
        "        return math.inf\n"
        "    mean_log = sum(math.log(p) for p in probabilities) / len(probabilities)\n"
        "    return math.exp(-mean_log)\n\n\n"
        "nb01.q5.check(perplexity)"
    ),
)

# --- q6: a bigram interpolated with a unigram ---------------------------------------------


def _interpolate(counts: torch.Tensor, weight: float) -> torch.Tensor:
    """Return weight * bigram + (1 - weight) * unigram; an unseen row is the unigram."""
    unigram = counts.sum(dim=0) / counts.sum()  # (V,)
    row_totals = counts.sum(dim=1, keepdim=True)  # (V, 1)
    bigram = counts / row_totals.clamp_min(1e-12)  # (V, V); unseen rows are all zero
    mixed = weight * bigram + (1 - weight) * unigram  # (V, V)
    return torch.where(row_totals > 0, mixed, unigram.expand_as(counts))


def _tables_close(result: Any, expected: torch.Tensor) -> bool:
    return (
        isinstance(result, torch.Tensor)
        and result.shape == expected.shape
        and torch.allclose(result.to(expected.dtype), expected, atol=1e-6)
    )


_SMALL_COUNTS = torch.tensor([[0.0, 3.0, 1.0], [2.0, 0.0, 2.0], [5.0, 1.0, 0.0]])
_UNSEEN_ROW_COUNTS = torch.tensor([[0.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 2.0]])


def _interpolation_case(name: str, counts: torch.Tensor, weight: float) -> Case:
    return Case(name, (counts, weight), _interpolate(counts, weight))


_INTERPOLATION_CASES = (
    _interpolation_case("3 symbols, weight 0.7", _SMALL_COUNTS, 0.7),
    _interpolation_case("weight 1: the bigram alone", _SMALL_COUNTS, 1.0),
    _interpolation_case("weight 0: the unigram alone", _SMALL_COUNTS, 0.0),
    _interpolation_case("a row never seen", _UNSEEN_ROW_COUNTS, 0.8),
    _interpolation_case("a row never seen, weight 1", _UNSEEN_ROW_COUNTS, 1.0),
    _interpolation_case(
        "8 symbols, random counts",
        torch.randint(0, 6, (8, 8), generator=torch.Generator().manual_seed(1)).float(),
        0.9,
    ),
    _interpolation_case("one symbol", torch.tensor([[3.0]]), 0.5),
)


def _diagnose_interpolation(answer: Callable[[torch.Tensor, float], Any]) -> str | None:
    result = answer(_UNSEEN_ROW_COUNTS.clone(), 0.8)
    expected = _interpolate(_UNSEEN_ROW_COUNTS, 0.8)
    if not isinstance(result, torch.Tensor) or result.shape != expected.shape:
        return None  # the public form check says it
    if torch.isnan(result).any():
        return (
            "a row of zeros gives 0 / 0 = nan: compute the bigram part only for rows with a "
            "positive total, and give an unseen row the unigram distribution."
        )
    unigram = _UNSEEN_ROW_COUNTS.sum(dim=0) / _UNSEEN_ROW_COUNTS.sum()
    if torch.allclose(result[1], 0.2 * unigram, atol=1e-6):
        return "an unseen row must be U itself, summing to 1, not (1 - weight) * U."
    wrong_unigram = _UNSEEN_ROW_COUNTS.sum(dim=1) / _UNSEEN_ROW_COUNTS.sum()
    if torch.allclose(result[1], wrong_unigram, atol=1e-6):
        return (
            "U(b) counts b as the next symbol: add up each column of counts (over the "
            "previous symbols), not each row."
        )
    if not torch.allclose(result.sum(dim=1), torch.ones(3), atol=1e-5):
        return "every row of the table must sum to 1: check both parts of the mix."
    return None


q6 = Key(
    cases=_INTERPOLATION_CASES,
    compare=_tables_close,
    diagnose=_diagnose_interpolation,
    solution_text=(
        "def interpolate(counts, weight):\n"
        "    unigram = counts.sum(dim=0) / counts.sum()  # (V,): how often each symbol comes next\n"
        "    row_totals = counts.sum(dim=1, keepdim=True)  # (V, 1)\n"
        "    bigram = counts / row_totals.clamp_min(1e-12)  # unseen rows stay 0, not nan\n"
        "    mixed = weight * bigram + (1 - weight) * unigram\n"
        "    return torch.where(row_totals > 0, mixed, unigram.expand_as(counts))\n\n"
        "Unlike add-k, interpolation does not hand the same extra count to every pair: an "
        "unseen pair (a, b) gets (1 - weight) * U(b), more for a frequent b than for a rare one "
        "(Jelinek and Mercer's idea; the weight is chosen on held-out data)."
    ),
    solution_cell=(
        "def interpolate(counts: torch.Tensor, weight: float) -> torch.Tensor:\n"
        "    unigram = counts.sum(dim=0) / counts.sum()  # (V,)\n"
        "    row_totals = counts.sum(dim=1, keepdim=True)  # (V, 1)\n"
        "    bigram = counts / row_totals.clamp_min(1e-12)  # (V, V)\n"
        "    mixed = weight * bigram + (1 - weight) * unigram  # (V, V)\n"
        "    return torch.where(row_totals > 0, mixed, unigram.expand_as(counts))\n\n\n"
        "nb01.q6.check(interpolate)"
    ),
)

# --- q7: choosing k (written) -------------------------------------------------------------

q7 = Key(
    rubric=(
        "Quotes their own run: the k with the lowest validation loss (a small k such as 0.01 "
        "or 0.1 in the course's runs) and the number of validation pairs never seen in "
        "training.",
        "Explains the infinity: with k = 0 an unseen pair has probability 0, log 0 = -inf, so "
        "one such pair makes the average loss infinite.",
        "Explains the selection bias: a k chosen on the validation pairs makes the validation "
        "perplexity optimistic (it no longer measures unseen data), so an honest report needs "
        "a third, untouched test set (or k fixed in advance, as here).",
    ),
    solution_text=(
        "In a smoke run (COURSE_SMOKE=1, 300 texts) the validation loss was lowest at k = 0.01 "
        "(2.397 nats), a little better than k = 1 (2.414); k = 10 was worse on both splits. "
        "At k = 0 the validation loss is inf because 3 validation pairs never occur in training: they get probability 0, and "
        "one log 0 = -inf makes the mean infinite. If the notebook chose k by its validation "
        "loss and then reported the validation perplexity, the number would be optimistic: k "
        "was fitted to those very pairs. With five values of k the bias is tiny, but it grows "
        "with every setting tried. An honest figure needs a test set that chose nothing; the "
        "notebook instead fixed k = 1 before looking."
    ),
    solution_cell=(
        "answer = (\n"
        '    "The lowest validation loss is at a small k (0.01 in my run); at k = 0 the loss "\n'
        '    "is inf because validation pairs never seen in training get probability 0 and "\n'
        '    "log 0 is minus infinity. Choosing k on the validation pairs and then reporting "\n'
        '    "their perplexity would be optimistic, since k was tuned on them; an honest score "\n'
        '    "needs a test set that chose nothing, or k fixed in advance as the notebook does."\n'
        ")\n"
        "nb01.q7.check(answer)"
    ),
)
