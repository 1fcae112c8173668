"""Rows of the exercise table for notebook 06."""

import numpy as np
import torch
from scipy.optimize import minimize
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


def bootstrap_with_fractions(correct: np.ndarray) -> tuple[float, float]:
    """Passes fractions to np.percentile: the 0.025th and 0.975th percentiles."""
    picks = np.random.default_rng(1).integers(0, len(correct), size=(2_000, len(correct)))
    accuracies = np.asarray(correct, dtype=float)[picks].mean(axis=1)
    return tuple(np.percentile(accuracies, [0.025, 0.975]))


def fit_temperature_by_minimize(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """scipy's minimize on log T: returns result.x, an array of shape (1,)."""
    logits, labels = torch.as_tensor(logits, dtype=torch.float64), torch.as_tensor(labels)

    def loss(log_temperature: np.ndarray) -> float:
        scaled = logits / float(np.exp(log_temperature[0]))
        return torch.nn.functional.cross_entropy(scaled, labels).item()

    return np.exp(minimize(loss, x0=np.zeros(1), method="Nelder-Mead").x)


def fit_temperature_unconverged(logits: np.ndarray, labels: np.ndarray) -> float:
    """Three small gradient steps on T from 1: better than T = 1, far from the minimum."""
    logits, labels = torch.as_tensor(logits, dtype=torch.float64), torch.as_tensor(labels)
    temperature = torch.ones(1, dtype=torch.float64, requires_grad=True)
    for _ in range(3):
        loss = torch.nn.functional.cross_entropy(logits / temperature, labels)
        (gradient,) = torch.autograd.grad(loss, temperature)
        temperature = (temperature - 0.5 * gradient).detach().requires_grad_()
    return temperature.item()


def accuracy_interval(evaluation) -> tuple[float, float, float]:
    """(accuracy, low, high) of an Evaluation, reusing exercise 6's bootstrap."""
    correct = evaluation.predictions == evaluation.labels
    return (float(correct.mean()), *bootstrap_interval(correct))


def accuracy_from_evaluation_property(evaluation) -> tuple[float, float, float]:
    """Uses Evaluation.accuracy for the first number."""
    correct = evaluation.predictions == evaluation.labels
    return (evaluation.accuracy, *bootstrap_interval(correct))


def share_predicted_positive(evaluation) -> tuple[float, float, float]:
    """Takes the share of positive predictions for the accuracy."""
    predicted_positive = evaluation.predictions == 1
    return (float(predicted_positive.mean()), *bootstrap_interval(predicted_positive))


def interval_of_one_standard_error(evaluation) -> tuple[float, float, float]:
    """Accuracy plus or minus one standard error."""
    correct = evaluation.predictions == evaluation.labels
    return (float(correct.mean()), *one_standard_error(correct))


def interval_in_percent(evaluation) -> tuple[float, float, float]:
    """The right numbers, in percent."""
    return tuple(100 * value for value in accuracy_interval(evaluation))


PRECISION, RECALL = 30 / 35, 30 / 50  # of nb06.CONFUSION's positive class

ROWS = [
    (
        nb06.q1,
        [Computed(sklearn_precision_recall), [PRECISION, RECALL], (0.857, 0.6), (0.86, 0.6)],
        [
            ((RECALL, PRECISION), "swapped"),
            ((45 / 65, 45 / 50), "negative class"),
            ((PRECISION, 30 / 45), "the precision is right"),
            ((30 / 45, RECALL), "the recall is right"),
        ],
    ),
    (
        nb06.q2,
        [Computed(sklearn_f1), 0.706, 0.71],
        [((PRECISION + RECALL) / 2, "arithmetic mean"), (0.75, "that is the accuracy")],
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
        [fit_temperature_by_lbfgs, fit_temperature_by_grid, fit_temperature_by_minimize],
        [
            (unfinished, "returns None"),
            (inverse_temperature, "you return 1 / T"),
            (temperature_one, "not on the accuracy"),
            (fit_temperature_unconverged, "not at the minimum"),
        ],
    ),
    (
        nb06.q6,
        [bootstrap_interval],
        [
            (unfinished, "returns None"),
            (one_standard_error, "one standard error each side"),
            (as_percentages, "are these percentages"),
            (bootstrap_with_fractions, "np.percentile takes percentages"),
        ],
    ),
    (
        nb06.q7,
        [accuracy_interval, accuracy_from_evaluation_property],
        [
            (unfinished, "returns None"),
            (share_predicted_positive, "share of reviews predicted positive"),
            (interval_of_one_standard_error, "one standard error each side"),
            (interval_in_percent, "not percentages"),
        ],
    ),
]
