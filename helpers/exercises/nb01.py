"""Exercises for notebook 01, language models: the chain rule, perplexity, sampling, smoothing.

Used by notebooks/01_language_models.ipynb. The keys are in answers/nb01.py.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from helpers.exercises import Exercise, as_float

# --- q1: the chain rule -----------------------------------------------------------------

_CHAIN_RULE_STEPS = {"P(h | ¶)": 0.2, "P(i | h)": 0.5, "P(¶ | i)": 0.4}  # ¶ = start or end


def _diagnose_chain_rule(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number, e.g. 0.123."
    if math.isclose(value, sum(_CHAIN_RULE_STEPS.values()), rel_tol=1e-3):
        return "You added the conditional probabilities; the chain rule multiplies them."
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
    hints=(
        "By the chain rule, P(¶ h i ¶) is the product of one conditional probability per "
        "predicted symbol, the closing ¶ (end of text) included.",
    ),
    starter="answer = None  # your code here\nnb01.q1.check(answer)",
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
    hints=(
        "Every token gets probability 1/V, so the average negative log-likelihood is "
        "-log(1/V). Perplexity is exp of that.",
    ),
    starter="answer = None  # your code here\nnb01.q2.check(answer)",
    diagnose=_diagnose_uniform,
)

# --- q3: temperature towards zero -------------------------------------------------------

_TEMPERATURE_LOGITS = torch.tensor([2.0, 1.0, 0.5, 2.5])


def _diagnose_temperature(answer: Any) -> str | None:
    values = torch.as_tensor(answer, dtype=torch.float32)
    if values.shape != _TEMPERATURE_LOGITS.shape:
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
    hints=(
        "Try torch.softmax(logits / T, dim=0) for T = 1, 0.1, 0.01. Dividing by a tiny T "
        "stretches the gaps between logits, and softmax turns big gaps into near-certainty.",
    ),
    starter=(
        "logits = torch.tensor([2.0, 1.0, 0.5, 2.5])\n"
        "answer = None  # your code here: four probabilities\n"
        "nb01.q3.check(answer)"
    ),
    diagnose=_diagnose_temperature,
)

# --- q4: add-k smoothing ----------------------------------------------------------------

_SMOOTHING_COUNTS = torch.tensor([8.0, 2.0, 0.0, 0.0])


def _diagnose_smoothing(answer: Any) -> str | None:
    values = torch.as_tensor(answer, dtype=torch.float32)
    if values.shape != _SMOOTHING_COUNTS.shape:
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
    hints=("P(next | q) = (count + k) / (total count + k * V).",),
    starter="answer = None  # your code here: four probabilities\nnb01.q4.check(answer)",
    diagnose=_diagnose_smoothing,
)
