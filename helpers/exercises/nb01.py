"""Exercises for notebook 01, language models: the chain rule, perplexity, sampling, smoothing.

Used by notebooks/01_language_models.ipynb.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from helpers.exercises import Exercise, as_float, is_close, tensors_close

# --- q1: the chain rule -----------------------------------------------------------------

_CHAIN_RULE_STEPS = {"P(h | ¶)": 0.2, "P(i | h)": 0.5, "P(¶ | i)": 0.4}  # ¶ = start or end
_CHAIN_RULE_PROBABILITY = math.prod(_CHAIN_RULE_STEPS.values())  # 0.04


def _diagnose_chain_rule(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number, e.g. 0.123."
    if math.isclose(value, sum(_CHAIN_RULE_STEPS.values()), rel_tol=1e-3):
        return "You added the conditional probabilities; the chain rule multiplies them."
    if math.isclose(value, math.log(_CHAIN_RULE_PROBABILITY), rel_tol=1e-3):
        return "That is the log-probability. Take exp() of it, or just multiply the three numbers."
    if math.isclose(value, 0.2 * 0.5, rel_tol=1e-3):
        return (
            "Do not forget the last factor: the model must also predict the end of the text "
            "(the closing ¶)."
        )
    return None


q1 = Exercise(
    name="nb01.q1",
    question=(
        "A character bigram model, with ¶ marking the start and the end of a text, gives "
        "P(h | ¶) = 0.2, P(i | h) = 0.5 and P(¶ | i) = 0.4. What probability does it give "
        "to the whole text 'hi'?"
    ),
    is_correct=is_close(_CHAIN_RULE_PROBABILITY),
    hint_text=(
        "By the chain rule, P(¶ h i ¶) is the product of one conditional probability per "
        "predicted symbol, the closing ¶ (end of text) included."
    ),
    solution_text=(
        "answer = 0.2 * 0.5 * 0.4  # = 0.04\n"
        "Each factor is the probability of the next symbol given the previous one."
    ),
    diagnose=_diagnose_chain_rule,
)

# --- q2: perplexity of a uniform model --------------------------------------------------

_WORDPIECE_VOCABULARY_SIZE = 30_522


def _diagnose_uniform(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number."
    if math.isclose(value, math.log(_WORDPIECE_VOCABULARY_SIZE), rel_tol=1e-3):
        return "That is the cross-entropy in nats. Perplexity is exp(cross-entropy)."
    if math.isclose(value, 1 / _WORDPIECE_VOCABULARY_SIZE, rel_tol=1e-3):
        return "That is the probability of one token. Perplexity is exp(-mean log-probability)."
    return None


q2 = Exercise(
    name="nb01.q2",
    question=(
        "A model that knows nothing gives each of the 30,522 WordPiece tokens the same "
        "probability at every step. What is its perplexity?"
    ),
    is_correct=is_close(_WORDPIECE_VOCABULARY_SIZE),
    hint_text=(
        "Every token gets probability 1/V, so the average negative log-likelihood is "
        "-log(1/V). Perplexity is exp of that."
    ),
    solution_text=(
        "answer = 30_522\n"
        "-log(1/V) = log V, and exp(log V) = V: a uniform model is as unsure as a fair die "
        "with V faces. Any useful model must have a perplexity far below V."
    ),
    diagnose=_diagnose_uniform,
)

# --- q3: temperature towards zero -------------------------------------------------------

_TEMPERATURE_LOGITS = torch.tensor([2.0, 1.0, 0.5, 2.5])
_COLD_DISTRIBUTION = torch.tensor([0.0, 0.0, 0.0, 1.0])


def _diagnose_temperature(answer: Any) -> str | None:
    values = torch.as_tensor(answer, dtype=torch.float32)
    if values.shape != _COLD_DISTRIBUTION.shape:
        return "Give four probabilities, one per logit, e.g. [0.1, 0.2, 0.3, 0.4]."
    if torch.allclose(values, torch.full((4,), 0.25), atol=1e-3):
        return "A uniform distribution is what you get as the temperature goes to infinity."
    if torch.allclose(values, torch.softmax(_TEMPERATURE_LOGITS, dim=0), atol=1e-3):
        return "That is the distribution at temperature 1. Divide the logits by a tiny T first."
    return None


q3 = Exercise(
    name="nb01.q3",
    question=(
        "Sampling uses softmax(logits / T). For logits [2.0, 1.0, 0.5, 2.5], which "
        "distribution does it approach as the temperature T goes to 0? Answer with four "
        "probabilities."
    ),
    is_correct=tensors_close(_COLD_DISTRIBUTION, atol=1e-3),
    hint_text=(
        "Try torch.softmax(logits / T, dim=0) for T = 1, 0.1, 0.01. Dividing by a tiny T "
        "stretches the gaps between logits, and softmax turns big gaps into near-certainty."
    ),
    solution_text=(
        "answer = [0.0, 0.0, 0.0, 1.0]\n"
        "All the probability goes to the largest logit (2.5): sampling becomes greedy "
        "argmax decoding, and the same text comes out every time."
    ),
    diagnose=_diagnose_temperature,
)

# --- q4: add-k smoothing ----------------------------------------------------------------

_SMOOTHING_COUNTS = torch.tensor([8.0, 2.0, 0.0, 0.0])
_SMOOTHING_K = 1.0
_SMOOTHED = (_SMOOTHING_COUNTS + _SMOOTHING_K) / (_SMOOTHING_COUNTS.sum() + _SMOOTHING_K * 4)


def _diagnose_smoothing(answer: Any) -> str | None:
    values = torch.as_tensor(answer, dtype=torch.float32)
    if values.shape != _SMOOTHED.shape:
        return "Give four probabilities, one per next symbol."
    if not torch.isclose(values.sum(), torch.tensor(1.0), atol=1e-3):
        return (
            "Your numbers do not sum to 1. Adding k to each of the V counts adds k * V to "
            "the total, so the denominator grows too."
        )
    if torch.allclose(values, _SMOOTHING_COUNTS / _SMOOTHING_COUNTS.sum(), atol=1e-3):
        return "That is the unsmoothed estimate: the unseen symbols still get probability 0."
    return None


q4 = Exercise(
    name="nb01.q4",
    question=(
        "After the character 'q', a training set shows the next symbols u, a, x, ¶ with "
        "counts [8, 2, 0, 0]. With add-k smoothing and k = 1 over these V = 4 symbols, what "
        "are the four smoothed probabilities?"
    ),
    is_correct=tensors_close(_SMOOTHED, atol=1e-3),
    hint_text="P(next | q) = (count + k) / (total count + k * V).",
    solution_text=(
        "answer = [9 / 14, 3 / 14, 1 / 14, 1 / 14]\n"
        "Each count gets k = 1 added (9, 3, 1, 1) and the total becomes 10 + 1 * 4 = 14. "
        "The unseen symbols now have a small, non-zero probability."
    ),
    diagnose=_diagnose_smoothing,
)
