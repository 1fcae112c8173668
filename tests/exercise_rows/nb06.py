"""Rows of the exercise table for notebook 06."""

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score

from helpers.exercises import nb06

from .common import Computed


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
    (nb06.q4, [120 / 241], [(0.5, None), (120, "241")]),
]
