"""Exercises for notebook 06, evaluation: precision, recall, F1, calibration and baselines.

Used by notebooks/06_evaluation_and_applications.ipynb.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.exercises import Exercise

# --- q1: precision and recall from a confusion matrix -----------------------------------

# Rows are true labels, columns predictions; class 0 = negative, class 1 = positive.
CONFUSION = np.array([[40, 10], [5, 45]])
_TRUE_POSITIVES = int(CONFUSION[1, 1])
_Q1_PRECISION = _TRUE_POSITIVES / int(CONFUSION[:, 1].sum())  # 45 / 55
_Q1_RECALL = _TRUE_POSITIVES / int(CONFUSION[1, :].sum())  # 45 / 50


def _pair(answer: Any) -> tuple[float, float]:
    """Return an answer of two numbers as (precision, recall)."""
    precision, recall = answer
    return float(precision), float(recall)


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
    negative_precision = CONFUSION[0, 0] / CONFUSION[:, 0].sum()
    negative_recall = CONFUSION[0, 0] / CONFUSION[0, :].sum()
    if math.isclose(precision, negative_precision, abs_tol=1e-3) or math.isclose(
        recall, negative_recall, abs_tol=1e-3
    ):
        return "those are the figures of the negative class; the question asks about 'positive'."
    return None


q1 = Exercise(
    name="nb06.q1",
    question=(
        "nb06.CONFUSION is a confusion matrix (rows: true label, columns: predicted label; "
        "0 = negative, 1 = positive). Give (precision, recall) of the positive class as a tuple."
    ),
    is_correct=_is_precision_recall,
    hint_text=(
        "TP is CONFUSION[1, 1]. Precision = TP / (everything predicted positive: column 1); "
        "recall = TP / (everything truly positive: row 1)."
    ),
    solution_text=(
        "tp = nb06.CONFUSION[1, 1]\n"
        "answer = (tp / nb06.CONFUSION[:, 1].sum(), tp / nb06.CONFUSION[1, :].sum())\n"
        "# (45 / 55, 45 / 50) = (0.818, 0.900)"
    ),
    diagnose=_diagnose_precision_recall,
)

# --- q2: F1 -----------------------------------------------------------------------------

_Q2_F1 = 2 * _Q1_PRECISION * _Q1_RECALL / (_Q1_PRECISION + _Q1_RECALL)  # 0.857


def _is_f1(answer: Any) -> bool:
    return math.isclose(float(answer), _Q2_F1, abs_tol=5e-4)


def _diagnose_f1(answer: Any) -> str | None:
    value = float(answer)
    if math.isclose(value, (_Q1_PRECISION + _Q1_RECALL) / 2, abs_tol=5e-4):
        return (
            "that is the arithmetic mean; F1 is the harmonic mean 2PR / (P + R), which stays "
            "low when either of the two is low."
        )
    if math.isclose(value, (CONFUSION[0, 0] + CONFUSION[1, 1]) / CONFUSION.sum(), abs_tol=5e-4):
        return "that is the accuracy; F1 combines precision and recall of the positive class."
    return None


q2 = Exercise(
    name="nb06.q2",
    question="What is the F1 score of the positive class of nb06.CONFUSION?",
    is_correct=_is_f1,
    hint_text="F1 is the harmonic mean of precision and recall: 2 * P * R / (P + R).",
    solution_text=(
        "precision, recall = 45 / 55, 45 / 50\n"
        "answer = 2 * precision * recall / (precision + recall)  # = 0.857 = 2TP / (2TP + FP + FN)"
    ),
    diagnose=_diagnose_f1,
)

# --- q3: expected calibration error of six predictions ----------------------------------

CONFIDENCES = np.array([0.95, 0.90, 0.85, 0.80, 0.60, 0.55])  # probability of the predicted class
CORRECT = np.array([1, 1, 1, 0, 1, 1])  # 1 where the prediction was right
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
    if math.isclose(value, abs(CORRECT.mean() - CONFIDENCES.mean()), abs_tol=1e-3):
        return (
            "that is one bin for everything: over- and under-confidence cancel out. Use the two "
            "bins, each with its own gap."
        )
    return None


q3 = Exercise(
    name="nb06.q3",
    question=(
        "Six predictions have confidences nb06.CONFIDENCES and correctness nb06.CORRECT. With "
        "two bins (confidence below 0.75, and 0.75 or above), what is the expected calibration "
        "error?"
    ),
    is_correct=_is_ece,
    hint_text=(
        "For each bin: its accuracy (mean of CORRECT), its mean confidence, and the gap between "
        "them. ECE = sum over bins of (examples in bin / all examples) * gap."
    ),
    solution_text=(
        "high bin: 4 examples, accuracy 0.75, mean confidence 0.875, gap 0.125\n"
        "low bin: 2 examples, accuracy 1.00, mean confidence 0.575, gap 0.425\n"
        "answer = 4/6 * 0.125 + 2/6 * 0.425  # = 0.225"
    ),
    diagnose=_diagnose_ece,
)

# --- q4: the accuracy any model must beat -----------------------------------------------

_Q4_LABELS = np.array([1] * 120 + [0] * 121)  # the course's test split: 120 positive, 121 negative
_Q4_MAJORITY_ACCURACY = float((_Q4_LABELS == 1).mean())  # 0.498


def _is_majority_accuracy(answer: Any) -> bool:
    return math.isclose(float(answer), _Q4_MAJORITY_ACCURACY)


def _diagnose_majority(answer: Any) -> str | None:
    value = float(answer)
    if value == 120:
        return "that is the number of correct answers; divide by the 241 reviews."
    if value == 50:
        return "that is a percentage; give a fraction between 0 and 1."
    if value == 1:
        return "it is right on every positive review and wrong on every negative one."
    return None


q4 = Exercise(
    name="nb06.q4",
    question=(
        "The course's test split has 120 positive and 121 negative reviews. What accuracy does a "
        "'model' get that answers 'positive' to every review, without reading it?"
    ),
    is_correct=_is_majority_accuracy,
    hint_text=(
        "It is right exactly on the positive reviews. On a balanced split that is the floor any "
        "real model must clear; on an unbalanced one it can look deceptively high."
    ),
    solution_text=(
        "answer = 120 / 241  # = 0.498\n"
        "On SST-2's validation split (444 positive of 872) the same trick gets 0.509; on a split "
        "with 95% positives it would get 0.95, which is why accuracy alone can mislead."
    ),
    diagnose=_diagnose_majority,
)
