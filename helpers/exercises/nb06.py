"""Exercises for notebook 06, evaluation: precision, recall, F1, calibration, baselines, intervals.

Used by notebooks/06_evaluation_and_applications.ipynb. The keys are in answers/nb06.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.exercises import Exercise, as_float, fraction_form

# --- q1: precision and recall from a confusion matrix -----------------------------------

# Rows are true labels, columns predictions; class 0 = negative, class 1 = positive.
CONFUSION = np.array([[45, 5], [20, 30]])
TOLERANCE = 0.005  # answers to three decimals, or rounded to two, are accepted


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
    if math.isclose(precision, negative_precision, abs_tol=TOLERANCE) or math.isclose(
        recall, negative_recall, abs_tol=TOLERANCE
    ):
        return "those are the figures of the negative class; the question asks about 'positive'."
    return None


q1 = Exercise(
    name="nb06.q1",
    question=(
        "nb06.CONFUSION is a confusion matrix (rows: true label, columns: predicted label; "
        "0 = negative, 1 = positive). Give (precision, recall) of the positive class as a tuple, "
        "to three decimals."
    ),
    hints=(
        "Find the true positives first: the reviews that are positive and were called positive. "
        "Which row and which column of CONFUSION hold them?",
        "Precision divides the true positives by every review the model called positive (a "
        "column of CONFUSION); recall divides them by every review that is positive (a row).",
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
    if math.isclose(value, accuracy, abs_tol=TOLERANCE):
        return "that is the accuracy; F1 combines precision and recall of the positive class."
    return None


q2 = Exercise(
    name="nb06.q2",
    question="What is the F1 score of the positive class of nb06.CONFUSION, to three decimals?",
    hints=(
        "Start from the precision and recall of exercise 1. F1 is not their plain average: it "
        "is the mean that stays low when either of them is low.",
        "Section 3 of the notebook gives F1 in two forms: one from precision and recall, one "
        "from TP, FP and FN. Both give the same number; compute one and check with the other.",
    ),
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
        "Sort the six predictions into the two bins first. For each bin, compare how often it "
        "was right with how sure it claimed to be.",
        "Per bin: accuracy (mean of CORRECT there), mean confidence, and the absolute gap "
        "between them. The ECE weights each bin's gap by the share of the examples it holds.",
    ),
    starter=(
        'print("confidences:", nb06.CONFIDENCES, "\\ncorrect:    ", nb06.CORRECT)\n'
        "answer = None  # your code here\n"
        "nb06.q3.check(answer)"
    ),
    diagnose=_diagnose_one_bin,
)

# --- q4: the accuracy any model must beat -----------------------------------------------

q4 = Exercise(
    name="nb06.q4",
    question=(
        "The exercise cell prints how many of the course's test reviews carry each label. What "
        "accuracy does a 'model' get that answers 'positive' to every review, without reading "
        "it? Give a fraction between 0 and 1."
    ),
    hints=(
        "On which reviews is such a 'model' right, and on which is it wrong?",
        "It is right on every review of one label and wrong on every review of the other, so "
        "its accuracy is that label's share of the reviews. (The floor a real model must clear "
        "is the larger of the two shares, always answering the majority label; on an "
        "unbalanced split that floor can look deceptively high.)",
    ),
    starter=(
        "print({name: int((test_labels == label).sum()) for label, name in enumerate(splits.label_names)})\n"
        "answer = None  # your code here\n"
        "nb06.q4.check(answer)"
    ),
    diagnose=fraction_form,
)

# --- q5: temperature scaling, as a function ----------------------------------------------


def _sample_logits() -> tuple[np.ndarray, np.ndarray]:
    """Return fixed (logits (8, 2), labels (8,)) to try a temperature-fitting function on."""
    generator = np.random.default_rng(6)
    return generator.normal(0, 3, size=(8, 2)), np.array([0, 1, 1, 0, 1, 0, 0, 1])


def as_temperature(result: Any) -> float | None:
    """Return a temperature answer as a float: a number, or an array of one (scipy's `.x`)."""
    try:
        values = np.asarray(result, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None
    return float(values[0]) if values.size == 1 else None


def _temperature_form(answer: Any) -> str | None:
    result = answer(*_sample_logits())
    if result is None:
        return "your function returns None: write its body (and return T)."
    value = as_temperature(result)
    if value is None:
        return "return one number, the temperature T."
    if not math.isfinite(value) or value <= 0:
        return "T must be a positive, finite number: softmax(logits / T) needs T > 0."
    return None


q5 = Exercise(
    name="nb06.q5",
    kind="function",
    points=2,
    question=(
        "Temperature scaling: write fit_temperature(logits, labels) that takes a classifier's "
        "logits on a validation set (a NumPy array of shape (examples, classes)) and the true "
        "labels (integers), and returns the temperature T > 0 that minimises the mean negative "
        "log-likelihood of the labels under softmax(logits / T). The check runs it on hidden "
        "sets (over- and under-confident, two and three classes, a small one) and accepts a T "
        "whose log-likelihood is within 0.002 of the best; every best T there lies between "
        "0.1 and 10. Pass the function itself."
    ),
    hints=(
        "Write the loss first: for a given T, the mean over examples of minus the log of the "
        "probability that softmax(logits / T) gives the true label. Then find the T where it "
        "is smallest.",
        "The loss has one minimum in T, so a search works: try many T between 0.05 and 20 "
        "(evenly spaced on a log scale) and keep the best; or let an optimiser work on log T, "
        "which keeps T positive. Compute log-softmax stably: subtract each row's maximum "
        "before exponentiating.",
    ),
    starter=(
        "def fit_temperature(logits, labels):\n"
        "    return None  # your code here: the temperature T\n\n\n"
        "nb06.q5.check(fit_temperature)"
    ),
    diagnose=_temperature_form,
)

# --- q6: a bootstrap confidence interval, as a function ----------------------------------


def _interval_form(answer: Any) -> str | None:
    result = answer(np.array([1, 0, 1, 1, 0, 1, 1, 1]))
    if result is None:
        return "your function returns None: write its body (and return (low, high))."
    try:
        low, high = (float(value) for value in result)
    except (TypeError, ValueError):
        return "return two numbers, (low, high)."
    if high > 1 or low < 0:
        return (
            "an accuracy lies between 0 and 1, and so does every percentile of resampled "
            "accuracies: are these percentages, or a formula that overshoots?"
        )
    if low > high:
        return "give the lower bound first: (low, high)."
    return None


q6 = Exercise(
    name="nb06.q6",
    kind="function",
    points=2,
    question=(
        "Write bootstrap_interval(correct) that takes a 0/1 (or boolean) NumPy array, one "
        "entry per test example (1 = the model was right), and returns (low, high), the 95% "
        "percentile bootstrap interval of the accuracy: draw at least 1,000 resamples of the "
        "same size with replacement, compute each one's accuracy, and take the 2.5th and "
        "97.5th percentiles. The hidden cases include small sets and sets that are all right "
        "or all wrong. Pass the function itself."
    ),
    hints=(
        "One resample: pick len(correct) entries of correct at random, with replacement (some "
        "twice, some never), and take their mean. Repeat it many times: the spread of those "
        "means is how much the accuracy would move on another test set of the same size.",
        "A NumPy random generator can draw a whole (resamples, examples) table of indices at "
        "once; index correct with it, average along the examples, then ask NumPy for the two "
        "percentiles of the resulting means.",
    ),
    starter=(
        "def bootstrap_interval(correct):\n"
        "    return None  # your code here: (low, high)\n\n\n"
        "nb06.q6.check(bootstrap_interval)"
    ),
    diagnose=_interval_form,
)

# --- q7: the accuracy and its interval, from an evaluation ---------------------------------


@dataclass(frozen=True)
class _Predictions:
    """What accuracy_interval may read of an Evaluation: its labels, predictions and accuracy."""

    labels: np.ndarray
    predictions: np.ndarray

    @property
    def accuracy(self) -> float:
        """Share of correct predictions, as Evaluation.accuracy."""
        return float(np.mean(self.predictions == self.labels))


def _sample_evaluation() -> _Predictions:
    """Return 8 reviews' labels and predictions (6 right) to try accuracy_interval on."""
    return _Predictions(np.array([0, 1, 1, 0, 1, 0, 1, 1]), np.array([0, 1, 0, 0, 1, 1, 1, 1]))


def _measured_form(answer: Any) -> str | None:
    result = answer(_sample_evaluation())
    if result is None:
        return "your function returns None: write its body (and return (accuracy, low, high))."
    try:
        accuracy, low, high = (float(value) for value in result)
    except (TypeError, ValueError):
        return "return three numbers: (accuracy, low, high)."
    if not all(0 <= value <= 1 for value in (accuracy, low, high)):
        return "give fractions between 0 and 1, not percentages."
    if not low <= accuracy <= high:
        return "the interval (low, high) should contain the accuracy it is built around."
    return None


q7 = Exercise(
    name="nb06.q7",
    kind="function",
    question=(
        "Write accuracy_interval(evaluation) for an Evaluation like the notebook's `evaluation` "
        "(section 1), whose arrays `labels` and `predictions` hold one entry per test review. "
        "Return (accuracy, low, high): the share of reviews predicted right and its 95% "
        "percentile bootstrap interval (at least 1,000 resamples). The check runs it on hidden "
        "sets of predictions (large and small, all right, all wrong, three classes) that have "
        "an Evaluation's `labels`, `predictions` and `accuracy`; the cell after it runs it on "
        "this notebook's. Pass the function itself."
    ),
    hints=(
        "Which reviews did the model get right? Turn the evaluation into one True or False per "
        "review first; the accuracy and the interval both come from that array.",
        "A review is right where its prediction equals its label. The accuracy is the mean of "
        "those, and exercise 6's resampling gives the interval: resample the reviews' "
        "correctness, not their texts, so no model needs to run again.",
    ),
    starter=(
        "def accuracy_interval(evaluation):\n"
        "    return None  # your code here: (accuracy, low, high)\n\n\n"
        "nb06.q7.check(accuracy_interval)"
    ),
    diagnose=_measured_form,
)
