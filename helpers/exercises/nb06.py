"""Exercises for notebook 06, evaluation: precision, recall, F1, calibration and baselines.

Used by notebooks/06_evaluation_and_applications.ipynb. The keys are in answers/nb06.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.exercises import Exercise, as_float, number_form

# --- q1: precision and recall from a confusion matrix -----------------------------------

# Rows are true labels, columns predictions; class 0 = negative, class 1 = positive.
CONFUSION = np.array([[40, 10], [5, 45]])


def _pair(answer: Any) -> tuple[float, float]:
    """Return an answer of two numbers as (precision, recall)."""
    precision, recall = answer
    return float(precision), float(recall)


def _diagnose_negative_class(answer: Any) -> str | None:
    try:
        precision, recall = _pair(answer)
    except (TypeError, ValueError):
        return "give two numbers, (precision, recall)."
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
    hints=(
        "TP is CONFUSION[1, 1]. Precision = TP / (everything predicted positive: column 1); "
        "recall = TP / (everything truly positive: row 1).",
    ),
    starter=(
        "print(nb06.CONFUSION)\n"
        "answer = None  # your code here: (precision, recall)\n"
        "nb06.q1.check(answer)"
    ),
    diagnose=_diagnose_negative_class,
)

# --- q2: F1 -----------------------------------------------------------------------------


def _diagnose_accuracy(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number."
    accuracy = (CONFUSION[0, 0] + CONFUSION[1, 1]) / CONFUSION.sum()
    if math.isclose(value, accuracy, abs_tol=5e-4):
        return "that is the accuracy; F1 combines precision and recall of the positive class."
    return None


q2 = Exercise(
    name="nb06.q2",
    question="What is the F1 score of the positive class of nb06.CONFUSION?",
    hints=("F1 is the harmonic mean of precision and recall: 2 * P * R / (P + R).",),
    starter="answer = None  # your code here\nnb06.q2.check(answer)",
    diagnose=_diagnose_accuracy,
)

# --- q3: expected calibration error of six predictions ----------------------------------

CONFIDENCES = np.array([0.95, 0.90, 0.85, 0.80, 0.60, 0.55])  # probability of the predicted class
CORRECT = np.array([1, 1, 1, 0, 1, 1])  # 1 where the prediction was right


def _diagnose_one_bin(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number."
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
    hints=(
        "For each bin: its accuracy (mean of CORRECT), its mean confidence, and the gap between "
        "them. ECE = sum over bins of (examples in bin / all examples) * gap.",
    ),
    starter=(
        'print("confidences:", nb06.CONFIDENCES, "\\ncorrect:    ", nb06.CORRECT)\n'
        "answer = None  # your code here\n"
        "nb06.q3.check(answer)"
    ),
    diagnose=_diagnose_one_bin,
)

# --- q4: the accuracy any model must beat -----------------------------------------------


def _diagnose_majority(answer: Any) -> str | None:
    value = as_float(answer)
    if value == 120:
        return "that is the number of correct answers; divide by the 241 reviews."
    if value == 50:
        return "that is a percentage; give a fraction between 0 and 1."
    if value == 1:
        return "it is right on every positive review and wrong on every negative one."
    return number_form(answer)


q4 = Exercise(
    name="nb06.q4",
    question=(
        "The course's test split has 120 positive and 121 negative reviews. What accuracy does a "
        "'model' get that answers 'positive' to every review, without reading it?"
    ),
    hints=(
        "It is right exactly on the positive reviews. On a balanced split that is the floor any "
        "real model must clear; on an unbalanced one it can look deceptively high.",
    ),
    starter="answer = None  # your code here\nnb06.q4.check(answer)",
    diagnose=_diagnose_majority,
)
