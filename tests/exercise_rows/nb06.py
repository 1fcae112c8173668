"""Rows of the exercise table for notebook 06."""

import numpy as np
import torch
from sklearn.metrics import f1_score, precision_score, recall_score

from helpers.data import load_dataset_splits
from helpers.exercises import nb06

from .common import Computed, unfinished


def labels_from_confusion(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (true, predicted) label arrays with the given confusion matrix."""
    true, predicted = [], []
    for row in range(2):
        for column in range(2):
            true += [row] * int(confusion[row, column])
            predicted += [column] * int(confusion[row, column])
    return np.array(true), np.array(predicted)


def sklearn_precision_recall() -> tuple[float, float]:
    """Return sklearn's (precision, recall) of the positive class of nb06.CONFUSION."""
    true, predicted = labels_from_confusion(nb06.CONFUSION)
    return precision_score(true, predicted), recall_score(true, predicted)


def sklearn_f1() -> float:
    """Return sklearn's F1 of the positive class of nb06.CONFUSION."""
    return f1_score(*labels_from_confusion(nb06.CONFUSION))


def majority_accuracy() -> float:
    """Return the share of positive reviews in the course's test split."""
    return float(np.mean(np.array(load_dataset_splits("sample").test.labels) == 1))


def fit_temperature_by_lbfgs(logits: np.ndarray, labels: np.ndarray) -> float:
    """Fit log T with torch's L-BFGS on the cross-entropy of logits / T."""
    logits, labels = torch.as_tensor(logits, dtype=torch.float64), torch.as_tensor(labels)
    log_temperature = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_temperature], max_iter=100)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_temperature.exp(), labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    return log_temperature.exp().item()


def fit_temperature_by_grid(logits: np.ndarray, labels: np.ndarray) -> float:
    """Try 100 temperatures between 0.1 and 10 and keep the one of least NLL."""
    logits = torch.as_tensor(logits, dtype=torch.float64)
    labels = torch.as_tensor(labels)
    grid = np.linspace(0.1, 10, 100)
    losses = [torch.nn.functional.cross_entropy(logits / t, labels).item() for t in grid]
    return float(grid[int(np.argmin(losses))])


def inverse_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Returns 1 / T: multiplies the logits instead of dividing them."""
    return 1 / fit_temperature_by_lbfgs(logits, labels)


def temperature_one(logits: np.ndarray, labels: np.ndarray) -> float:
    """Picks T by accuracy, which T never changes: T = 1."""
    return 1.0


def bootstrap_interval(correct: np.ndarray, resamples: int = 2_000) -> tuple[float, float]:
    """Return the 95% percentile bootstrap interval of the accuracy."""
    picks = np.random.default_rng(1).integers(0, len(correct), size=(resamples, len(correct)))
    accuracies = np.asarray(correct, dtype=float)[picks].mean(axis=1)
    return tuple(np.percentile(accuracies, [2.5, 97.5]))


def one_standard_error(correct: np.ndarray) -> tuple[float, float]:
    """Accuracy plus or minus one standard error: about a 68% interval."""
    accuracy = float(np.mean(correct))
    error = (accuracy * (1 - accuracy) / len(correct)) ** 0.5
    return accuracy - error, accuracy + error


def as_percentages(correct: np.ndarray) -> tuple[float, float]:
    """The right interval, in percent."""
    low, high = bootstrap_interval(correct)
    return 100 * low, 100 * high


def measured_interval() -> tuple[float, float, float]:
    """(accuracy, low, high) for a model right on 210 of the 241 test reviews."""
    correct = np.array([1] * 210 + [0] * 31)
    return (correct.mean(), *bootstrap_interval(correct))


ROWS = [
    (
        nb06.q1,
        [Computed(sklearn_precision_recall), [45 / 55, 45 / 50]],
        [((45 / 50, 45 / 55), "swapped"), ((40 / 45, 40 / 50), "negative class")],
    ),
    (
        nb06.q2,
        [Computed(sklearn_f1)],
        [((45 / 55 + 45 / 50) / 2, "arithmetic mean"), (0.85, "that is the accuracy")],
    ),
    (
        nb06.q3,
        [4 / 6 * 0.125 + 2 / 6 * 0.425, 0.225],
        [((0.125 + 0.425) / 2, "share of the examples"), (abs(5 / 6 - 0.775), "one bin")],
    ),
    (
        nb06.q4,
        [Computed(majority_accuracy), 120 / 241],
        [(0.5, None), (120, "number of correct answers"), (121 / 241, "negative reviews")],
    ),
    (
        nb06.q5,
        [fit_temperature_by_lbfgs, fit_temperature_by_grid],
        [
            (unfinished, "returns None"),
            (inverse_temperature, "you return 1 / T"),
            (temperature_one, "not on the accuracy"),
        ],
    ),
    (
        nb06.q6,
        [bootstrap_interval],
        [
            (unfinished, "returns None"),
            (one_standard_error, "one standard error each side"),
            (as_percentages, "are these percentages"),
        ],
    ),
    (
        nb06.q7,
        [Computed(measured_interval), (0.871, 0.826, 0.913)],
        [
            ((0.87, 0.83, 0.91), "whole number of right answers"),
            ((210 / 241, 0.85, 0.893), "one standard error each side"),
            ((87.1, 82.6, 91.3), "not percentages"),
        ],
    ),
]
