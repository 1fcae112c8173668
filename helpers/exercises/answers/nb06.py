"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 06's exercises."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.exercises import Key
from helpers.exercises.nb06 import CONFIDENCES, CONFUSION, CORRECT, _pair

# --- q1: precision and recall from a confusion matrix -----------------------------------

_TRUE_POSITIVES = int(CONFUSION[1, 1])
_Q1_PRECISION = _TRUE_POSITIVES / int(CONFUSION[:, 1].sum())  # 45 / 55
_Q1_RECALL = _TRUE_POSITIVES / int(CONFUSION[1, :].sum())  # 45 / 50


def _is_precision_recall(answer: Any) -> bool:
    precision, recall = _pair(answer)
    return math.isclose(precision, _Q1_PRECISION, abs_tol=1e-3) and math.isclose(
        recall, _Q1_RECALL, abs_tol=1e-3
    )


def _diagnose_precision_recall(answer: Any) -> str | None:
    precision, recall = _pair(answer)
    if math.isclose(precision, _Q1_RECALL, abs_tol=1e-3) and math.isclose(
        recall, _Q1_PRECISION, abs_tol=1e-3
    ):
        return "you swapped them: give (precision, recall) in that order."
    if math.isclose(precision, _Q1_PRECISION, abs_tol=1e-3):
        return "the precision is right; recall divides by all truly positive reviews (row 1)."
    if math.isclose(recall, _Q1_RECALL, abs_tol=1e-3):
        return (
            "the recall is right; precision divides by all reviews predicted positive (column 1)."
        )
    return None


q1 = Key(
    is_correct=_is_precision_recall,
    diagnose=_diagnose_precision_recall,
    solution_text=(
        "tp = nb06.CONFUSION[1, 1]\n"
        "answer = (tp / nb06.CONFUSION[:, 1].sum(), tp / nb06.CONFUSION[1, :].sum())\n"
        "# (45 / 55, 45 / 50) = (0.818, 0.900)"
    ),
    solution_cell=(
        "print(nb06.CONFUSION)\n"
        "true_positives = nb06.CONFUSION[1, 1]\n"
        "answer = (\n"
        "    true_positives / nb06.CONFUSION[:, 1].sum(),\n"
        "    true_positives / nb06.CONFUSION[1, :].sum(),\n"
        ")\n"
        "nb06.q1.check(answer)"
    ),
)

# --- q2: F1 -----------------------------------------------------------------------------

_Q2_F1 = 2 * _Q1_PRECISION * _Q1_RECALL / (_Q1_PRECISION + _Q1_RECALL)  # 0.857


def _is_f1(answer: Any) -> bool:
    return math.isclose(float(answer), _Q2_F1, abs_tol=5e-4)


def _diagnose_f1(answer: Any) -> str | None:
    if math.isclose(float(answer), (_Q1_PRECISION + _Q1_RECALL) / 2, abs_tol=5e-4):
        return (
            "that is the arithmetic mean; F1 is the harmonic mean 2PR / (P + R), which stays "
            "low when either of the two is low."
        )
    return None


q2 = Key(
    is_correct=_is_f1,
    diagnose=_diagnose_f1,
    solution_text=(
        "precision, recall = 45 / 55, 45 / 50\n"
        "answer = 2 * precision * recall / (precision + recall)  # = 0.857 = 2TP / (2TP + FP + FN)"
    ),
    solution_cell=(
        "precision, recall = 45 / 55, 45 / 50\n"
        "answer = 2 * precision * recall / (precision + recall)\n"
        "nb06.q2.check(answer)"
    ),
)

# --- q3: expected calibration error of six predictions ----------------------------------

_BIN_EDGE = 0.75  # two bins: confidence below 0.75, and 0.75 or above


def _expected_calibration_error(
    confidences: np.ndarray, correct: np.ndarray, edges: list[float]
) -> float:
    """Return ECE: the bins' |accuracy - mean confidence|, weighted by their share of examples."""
    bins = np.digitize(confidences, edges)
    total = 0.0
    for index in np.unique(bins):
        inside = bins == index
        gap = abs(correct[inside].mean() - confidences[inside].mean())
        total += inside.mean() * gap
    return float(total)


_Q3_ECE = _expected_calibration_error(CONFIDENCES, CORRECT, [_BIN_EDGE])  # 0.225


def _is_ece(answer: Any) -> bool:
    return math.isclose(float(answer), _Q3_ECE, abs_tol=1e-3)


def _diagnose_ece(answer: Any) -> str | None:
    value = float(answer)
    high, low = CONFIDENCES >= _BIN_EDGE, CONFIDENCES < _BIN_EDGE
    gaps = [abs(CORRECT[b].mean() - CONFIDENCES[b].mean()) for b in (high, low)]
    if math.isclose(value, sum(gaps) / 2, abs_tol=1e-3):
        return (
            "you averaged the two gaps equally; weight each bin by its share of the examples "
            "(4/6 and 2/6)."
        )
    return None


q3 = Key(
    is_correct=_is_ece,
    diagnose=_diagnose_ece,
    solution_text=(
        "high bin: 4 examples, accuracy 0.75, mean confidence 0.875, gap 0.125\n"
        "low bin: 2 examples, accuracy 1.00, mean confidence 0.575, gap 0.425\n"
        "answer = 4/6 * 0.125 + 2/6 * 0.425  # = 0.225"
    ),
    solution_cell=(
        'print("confidences:", nb06.CONFIDENCES, "\\ncorrect:    ", nb06.CORRECT)\n'
        "answer = 0\n"
        "for inside in (nb06.CONFIDENCES >= 0.75, nb06.CONFIDENCES < 0.75):\n"
        "    gap = abs(nb06.CORRECT[inside].mean() - nb06.CONFIDENCES[inside].mean())\n"
        "    answer += inside.mean() * gap\n"
        "nb06.q3.check(answer)"
    ),
)

# --- q4: the accuracy any model must beat -----------------------------------------------

_Q4_LABELS = np.array([1] * 120 + [0] * 121)  # the course's test split: 120 positive, 121 negative
_Q4_MAJORITY_ACCURACY = float((_Q4_LABELS == 1).mean())  # 0.498


def _is_majority_accuracy(answer: Any) -> bool:
    return math.isclose(float(answer), _Q4_MAJORITY_ACCURACY)


q4 = Key(
    is_correct=_is_majority_accuracy,
    solution_text=(
        "answer = 120 / 241  # = 0.498\n"
        "On SST-2's validation split (444 positive of 872) the same trick gets 0.509; on a split "
        "with 95% positives it would get 0.95, which is why accuracy alone can mislead."
    ),
    solution_cell="answer = 120 / (120 + 121)\nnb06.q4.check(answer)",
)
