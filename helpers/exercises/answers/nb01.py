"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 01's exercises."""

from __future__ import annotations

import math
from typing import Any

import torch

from helpers.exercises import Key, as_float, is_close, tensors_close
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
        "with V faces. Any useful model must have a perplexity far below V."
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

q4 = Key(
    is_correct=tensors_close(_SMOOTHED, atol=1e-3),
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
