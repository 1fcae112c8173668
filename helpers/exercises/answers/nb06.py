"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 06's exercises."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from scipy.stats import binom

from helpers.data import load_dataset_splits
from helpers.exercises import Case, Credit, Key
from helpers.exercises.nb06 import (
    CONFIDENCES,
    CONFUSION,
    CORRECT,
    TOLERANCE,
    _pair,
    _Predictions,
    as_temperature,
)

# --- q1: precision and recall from a confusion matrix -----------------------------------

_TRUE_POSITIVES = int(CONFUSION[1, 1])
_Q1_PRECISION = _TRUE_POSITIVES / int(CONFUSION[:, 1].sum())  # 30 / 35
_Q1_RECALL = _TRUE_POSITIVES / int(CONFUSION[1, :].sum())  # 30 / 50


def _is_precision_recall(answer: Any) -> bool:
    precision, recall = _pair(answer)
    return math.isclose(precision, _Q1_PRECISION, abs_tol=TOLERANCE) and math.isclose(
        recall, _Q1_RECALL, abs_tol=TOLERANCE
    )


def _diagnose_precision_recall(answer: Any) -> str | None:
    precision, recall = _pair(answer)
    if math.isclose(precision, _Q1_RECALL, abs_tol=TOLERANCE) and math.isclose(
        recall, _Q1_PRECISION, abs_tol=TOLERANCE
    ):
        return "you swapped them: give (precision, recall) in that order."
    if math.isclose(precision, _Q1_PRECISION, abs_tol=TOLERANCE):
        return "the precision is right; recall divides by all truly positive reviews (row 1)."
    if math.isclose(recall, _Q1_RECALL, abs_tol=TOLERANCE):
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
        "# (30 / 35, 30 / 50) = (0.857, 0.600)"
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

_Q2_F1 = 2 * _Q1_PRECISION * _Q1_RECALL / (_Q1_PRECISION + _Q1_RECALL)  # 0.706


def _is_f1(answer: Any) -> bool:
    return math.isclose(float(answer), _Q2_F1, abs_tol=TOLERANCE)


def _diagnose_f1(answer: Any) -> str | None:
    if math.isclose(float(answer), (_Q1_PRECISION + _Q1_RECALL) / 2, abs_tol=TOLERANCE):
        return (
            "that is the arithmetic mean; F1 is the harmonic mean 2PR / (P + R), which stays "
            "low when either of the two is low."
        )
    return None


q2 = Key(
    is_correct=_is_f1,
    diagnose=_diagnose_f1,
    solution_text=(
        "precision, recall = 30 / 35, 30 / 50\n"
        "answer = 2 * precision * recall / (precision + recall)  # = 0.706 = 2TP / (2TP + FP + FN)\n"
        "Their plain average would be 0.729: the harmonic mean sits nearer the smaller of the two."
    ),
    solution_cell=(
        "true_positives = nb06.CONFUSION[1, 1]\n"
        "precision = true_positives / nb06.CONFUSION[:, 1].sum()\n"
        "recall = true_positives / nb06.CONFUSION[1, :].sum()\n"
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


@cache
def _test_labels() -> np.ndarray:
    """Return the labels of the course's test split (1 = positive), as the notebook loads it."""
    return np.array(load_dataset_splits("sample").test.labels)


def _majority_accuracy() -> float:
    return float((_test_labels() == 1).mean())


def _is_majority_accuracy(answer: Any) -> bool:
    return math.isclose(float(answer), _majority_accuracy(), abs_tol=1e-4)


def _diagnose_majority(answer: Any) -> str | None:
    value, labels = float(answer), _test_labels()
    if value == (labels == 1).sum():
        return f"that is the number of correct answers; divide by the {len(labels)} reviews."
    if math.isclose(value, 100 * _majority_accuracy(), abs_tol=0.05):
        return "that is a percentage; give a fraction between 0 and 1."
    if math.isclose(value, float((labels == 0).mean()), abs_tol=1e-4):
        return "that is the share of negative reviews; the 'model' answers 'positive'."
    if value == 1:
        return "it is right on every positive review and wrong on every negative one."
    return None


q4 = Key(
    is_correct=_is_majority_accuracy,
    diagnose=_diagnose_majority,
    solution_text=(
        "answer = (test_labels == 1).mean()  # 120 positive of 241 reviews = 0.498\n"
        "Always answering 'negative', the majority label here, gets 121 / 241 = 0.502: that is "
        "the floor a real model must clear. On SST-2's validation split (444 positive of 872) the same trick gets 0.509; on a split "
        "with 95% positives it would get 0.95, which is why accuracy alone can mislead."
    ),
    solution_cell=(
        "print({name: int((test_labels == label).sum()) for label, name in enumerate(splits.label_names)})\n"
        "answer = (test_labels == 1).mean()\n"
        "nb06.q4.check(answer)"
    ),
)

# --- q5: temperature scaling, as a function ----------------------------------------------


def _negative_log_likelihood(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Return the mean -log softmax(logits / temperature)[label]."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)  # stable log-softmax
    log_probabilities = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
    return float(-log_probabilities[np.arange(len(labels)), labels].mean())


def _best_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Return the temperature of least NLL: a log-spaced grid, then a finer one around it."""
    grid = np.exp(np.linspace(np.log(0.02), np.log(50), 2001))
    losses = [_negative_log_likelihood(logits, labels, t) for t in grid]
    best = grid[int(np.argmin(losses))]
    fine = np.linspace(best * 0.99, best * 1.01, 201)
    return float(fine[int(np.argmin([_negative_log_likelihood(logits, labels, t) for t in fine]))])


@dataclass(frozen=True)
class _Fit:
    """What a fitted temperature is compared with: the data and the best log-likelihood."""

    logits: np.ndarray
    labels: np.ndarray
    best_temperature: float
    best_loss: float


def _calibration_set(name: str, seed: int, size: int, classes: int, stretch: float) -> Case:
    """Return a case: labels drawn from softmax(z), the function shown stretch * z."""
    generator = np.random.default_rng(seed)
    true_logits = generator.normal(0, 2, size=(size, classes))
    probabilities = np.exp(true_logits) / np.exp(true_logits).sum(axis=1, keepdims=True)
    labels = np.array([generator.choice(classes, p=row) for row in probabilities])
    logits = stretch * true_logits
    best = _best_temperature(logits, labels)
    fit = _Fit(logits, labels, best, _negative_log_likelihood(logits, labels, best))
    return Case(name, (logits, labels), fit)


_TEMPERATURE_CASES = (
    _calibration_set("overconfident: logits 3 times too large", 1, 400, 2, 3.0),
    _calibration_set("underconfident: logits halved", 2, 400, 2, 0.5),
    _calibration_set("already calibrated", 3, 400, 2, 1.0),
    _calibration_set("three classes, overconfident", 4, 300, 3, 2.0),
    _calibration_set("a small set of 30 examples", 5, 30, 2, 1.5),
    _calibration_set("very overconfident: logits 6 times too large", 6, 500, 2, 6.0),
)


def _temperature_fits(result: Any, fit: _Fit) -> bool:
    temperature = as_temperature(result)
    if temperature is None or not math.isfinite(temperature) or temperature <= 0:
        return False
    loss = _negative_log_likelihood(fit.logits, fit.labels, temperature)
    return loss <= fit.best_loss + 0.002


def _diagnose_temperature(answer: Callable[..., Any]) -> str | None:
    fit = _TEMPERATURE_CASES[0].expected
    temperature = as_temperature(answer(fit.logits, fit.labels))
    if temperature is None or temperature <= 0:
        return None  # the public check says it
    if math.isclose(temperature, 1.0) and not _temperature_fits(1.0, fit):
        return (
            "your T is 1 here, where the logits are far too large. Dividing by T never changes "
            "which class wins, so fit T on the log-likelihood, not on the accuracy."
        )
    if _temperature_fits(1 / temperature, fit):
        return "you return 1 / T: the logits are divided by T, softmax(logits / T)."
    loss = _negative_log_likelihood(fit.logits, fit.labels, temperature)
    if loss < _negative_log_likelihood(fit.logits, fit.labels, 1.0) - 0.002:
        return (
            f"your T ({temperature:.3g}) beats T = 1 but is not at the minimum (about "
            f"{fit.best_temperature:.2f} on this hidden set): check that your search or "
            "optimiser has converged, for example against a grid of many T."
        )
    return None


q5 = Key(
    cases=_TEMPERATURE_CASES,
    compare=_temperature_fits,
    diagnose=_diagnose_temperature,
    solution_text=(
        "A log-spaced search over T, with a stable log-softmax:\n"
        "def fit_temperature(logits, labels):\n"
        "    def loss(t):\n"
        "        scaled = logits / t\n"
        "        scaled = scaled - scaled.max(axis=1, keepdims=True)\n"
        "        log_p = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))\n"
        "        return -log_p[np.arange(len(labels)), labels].mean()\n"
        "    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 1000))\n"
        "    return grid[np.argmin([loss(t) for t in grid])]\n"
        "T > 1 softens over-confident probabilities, T < 1 sharpens under-confident ones, and "
        "the predicted class never changes (Guo et al., 2017, ICML)."
    ),
    solution_cell=(
        "def fit_temperature(logits, labels):\n"
        "    def loss(temperature):\n"
        "        scaled = logits / temperature\n"
        "        scaled = scaled - scaled.max(axis=1, keepdims=True)\n"
        "        log_p = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))\n"
        "        return -log_p[np.arange(len(labels)), labels].mean()\n\n"
        "    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 1000))\n"
        "    return grid[np.argmin([loss(temperature) for temperature in grid])]\n\n\n"
        "nb06.q5.check(fit_temperature)"
    ),
)

# --- q6: a bootstrap confidence interval, as a function ----------------------------------


def _bootstrap_bounds(size: int, accuracy: float) -> tuple[float, float]:
    """Return the exact 95% percentile bootstrap bounds: resampled accuracies are binomial."""
    low = binom.ppf(0.025, size, accuracy) / size
    high = binom.ppf(0.975, size, accuracy) / size
    return float(low), float(high)


def _interval_tolerance(size: int) -> float:
    """Return how far a bound may be from the exact one (sampling noise and one grid step)."""
    return 0.6 / size + 0.01


@dataclass(frozen=True)
class _Interval:
    """The exact bootstrap bounds of one case, and the slack a finite resampling needs."""

    low: float
    high: float
    tolerance: float


def _interval_case(name: str, right: int, size: int, dtype: type = int) -> Case:
    correct = np.zeros(size, dtype=dtype)
    correct[np.random.default_rng(size + right).permutation(size)[:right]] = 1
    low, high = _bootstrap_bounds(size, right / size)
    return Case(name, (correct,), _Interval(low, high, _interval_tolerance(size)))


_INTERVAL_CASES = (
    _interval_case("241 reviews, 210 right", 210, 241),
    _interval_case("50 examples, 35 right", 35, 50),
    _interval_case("1,000 examples, half right", 500, 1000),
    _interval_case("10 examples, 9 right", 9, 10),
    _interval_case("every answer right", 60, 60),
    _interval_case("every answer wrong", 0, 40),
    _interval_case("a single example, right", 1, 1),
    _interval_case("booleans instead of 0/1", 150, 200, dtype=bool),
)


def _interval_matches(result: Any, expected: _Interval) -> bool:
    low, high = (float(value) for value in result)
    return (
        abs(low - expected.low) <= expected.tolerance
        and abs(high - expected.high) <= expected.tolerance
    )


def _width_hint(width: float, size: int, accuracy: float) -> str | Credit | None:
    """Return the diagnosis of an interval of the wrong width, when it has a known cause."""
    expected_low, expected_high = _bootstrap_bounds(size, accuracy)
    expected = expected_high - expected_low
    if expected > 0 and math.isclose(width, expected / 1.96, rel_tol=0.2):
        return Credit(
            "your interval is about one standard error each side: that covers about 68%. A "
            "95% interval runs from the 2.5th to the 97.5th percentile of the resampled "
            "accuracies, about 1.96 standard errors each side.",
            0.5,
        )
    if expected > 0 and width > 4 * expected:
        return (
            "your interval is far too wide: it looks like the spread of single answers (0 or "
            "1). Each resample should be the mean of as many answers as the test set has."
        )
    return None


def _diagnose_interval(answer: Callable[..., Any]) -> str | Credit | None:
    case = _INTERVAL_CASES[0]
    low, high = (float(value) for value in answer(*case.args))
    if low < 0 or high > 1:
        return None  # the public check says it
    correct = case.args[0]
    accuracy = float(correct.mean())
    if low < high < accuracy - 0.01:
        return (
            "both bounds lie below the accuracy: np.percentile takes percentages, 2.5 and 97.5; "
            "0.025 and 0.975 ask for the 0.025th and 0.975th percentiles, deep in the lower "
            "tail. (np.quantile is the one that takes fractions.)"
        )
    return _width_hint(high - low, len(correct), accuracy)


q6 = Key(
    cases=_INTERVAL_CASES,
    compare=_interval_matches,
    diagnose=_diagnose_interval,
    solution_text=(
        "Resample whole test sets, 10,000 times at once:\n"
        "def bootstrap_interval(correct):\n"
        "    generator = np.random.default_rng(0)\n"
        "    picks = generator.integers(0, len(correct), size=(10_000, len(correct)))\n"
        "    accuracies = np.asarray(correct, dtype=float)[picks].mean(axis=1)\n"
        "    return tuple(np.percentile(accuracies, [2.5, 97.5]))\n"
        "Each row of picks is one resampled test set of the same size. On 241 reviews with "
        "about 87% right, the interval spans about 9 points: one model's accuracy is known to "
        "within a few points. (Two models scored on the same reviews are compared with a "
        "paired bootstrap of their difference: the notebook's last section.)"
    ),
    solution_cell=(
        "def bootstrap_interval(correct):\n"
        "    generator = np.random.default_rng(0)\n"
        "    picks = generator.integers(0, len(correct), size=(10_000, len(correct)))\n"
        "    accuracies = np.asarray(correct, dtype=float)[picks].mean(axis=1)\n"
        "    return tuple(np.percentile(accuracies, [2.5, 97.5]))\n\n\n"
        "nb06.q6.check(bootstrap_interval)"
    ),
)

# --- q7: the accuracy and its interval, from an evaluation ---------------------------------


@dataclass(frozen=True)
class _Measured:
    """The accuracy of one hidden evaluation and its exact bootstrap bounds."""

    accuracy: float
    interval: _Interval


def _evaluation_case(name: str, seed: int, size: int, right: int, classes: int = 2) -> Case:
    """Return a case: `size` reviews' labels and predictions, `right` of them correct."""
    generator = np.random.default_rng(seed)
    labels = generator.integers(0, classes, size=size)
    predictions = labels.copy()
    wrong = generator.permutation(size)[: size - right]
    predictions[wrong] = (labels[wrong] + generator.integers(1, classes, size=len(wrong))) % classes
    evaluation = _Predictions(labels, predictions)  # what accuracy_interval reads
    low, high = _bootstrap_bounds(size, right / size)
    return Case(
        name,
        (evaluation,),
        _Measured(right / size, _Interval(low, high, _interval_tolerance(size))),
    )


_EVALUATION_CASES = (
    _evaluation_case("241 reviews, 210 right", 7, 241, 210),
    _evaluation_case("241 reviews, 121 right", 8, 241, 121),
    _evaluation_case("50 reviews, 35 right", 9, 50, 35),
    _evaluation_case("every prediction right", 10, 60, 60),
    _evaluation_case("every prediction wrong", 11, 40, 0),
    _evaluation_case("a single review, right", 12, 1, 1),
    _evaluation_case("three classes, 150 of 200 right", 13, 200, 150, classes=3),
)


def _measured_matches(result: Any, expected: _Measured) -> bool:
    accuracy, low, high = (float(value) for value in result)
    return math.isclose(accuracy, expected.accuracy, abs_tol=1e-9) and _interval_matches(
        (low, high), expected.interval
    )


def _diagnose_measured(answer: Callable[..., Any]) -> str | Credit | None:
    evaluation = _EVALUATION_CASES[0].args[0]
    accuracy, low, high = (float(value) for value in answer(evaluation))
    if not all(0 <= value <= 1 for value in (accuracy, low, high)):
        return None  # the public check says it
    correct = evaluation.predictions == evaluation.labels
    if not math.isclose(accuracy, correct.mean(), abs_tol=1e-9):
        if math.isclose(accuracy, (evaluation.predictions == 1).mean(), abs_tol=1e-9):
            return (
                "that is the share of reviews predicted positive: a review is right where its "
                "prediction equals its label."
            )
        return "the first number should be the share of reviews whose prediction equals the label."
    return _width_hint(high - low, len(correct), float(correct.mean()))


q7 = Key(
    cases=_EVALUATION_CASES,
    compare=_measured_matches,
    diagnose=_diagnose_measured,
    solution_text=(
        "def accuracy_interval(evaluation):\n"
        "    correct = (evaluation.predictions == evaluation.labels).astype(float)\n"
        "    picks = np.random.default_rng(0).integers(0, len(correct), size=(10_000, len(correct)))\n"
        "    low, high = np.percentile(correct[picks].mean(axis=1), [2.5, 97.5])\n"
        "    return correct.mean(), low, high\n"
        "(Or reuse exercise 6: return correct.mean(), *bootstrap_interval(correct).) With 241 test "
        "reviews the interval is several points wide: about 9 points at 87% accuracy, 12 points "
        "near 50%."
    ),
    solution_cell=(
        "def accuracy_interval(evaluation):\n"
        "    correct = (evaluation.predictions == evaluation.labels).astype(float)\n"
        "    picks = np.random.default_rng(0).integers(0, len(correct), size=(10_000, len(correct)))\n"
        "    low, high = np.percentile(correct[picks].mean(axis=1), [2.5, 97.5])\n"
        "    return correct.mean(), low, high\n\n\n"
        "nb06.q7.check(accuracy_interval)"
    ),
)
