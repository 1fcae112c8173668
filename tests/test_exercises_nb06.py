"""Each notebook-06 exercise accepts a right answer and refuses a wrong one."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score

from helpers.exercises import nb06


def labels_from_confusion(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (true, predicted) label arrays with the given confusion matrix."""
    true, predicted = [], []
    for row in range(2):
        for column in range(2):
            true += [row] * int(confusion[row, column])
            predicted += [column] * int(confusion[row, column])
    return np.array(true), np.array(predicted)


def test_q1_precision_and_recall_match_sklearn():
    true, predicted = labels_from_confusion(nb06.CONFUSION)
    answer = (precision_score(true, predicted), recall_score(true, predicted))
    assert nb06.q1.check(answer)
    assert nb06.q1.check([45 / 55, 45 / 50])
    wrong = nb06.q1.check((45 / 50, 45 / 55))
    assert not wrong and "swapped" in wrong.message
    wrong = nb06.q1.check((40 / 45, 40 / 50))
    assert not wrong and "negative class" in wrong.message


def test_q2_f1_matches_sklearn():
    true, predicted = labels_from_confusion(nb06.CONFUSION)
    assert nb06.q2.check(f1_score(true, predicted))
    wrong = nb06.q2.check((45 / 55 + 45 / 50) / 2)
    assert not wrong and "harmonic" in wrong.message
    assert not nb06.q2.check(0.85)


def test_q3_expected_calibration_error():
    assert nb06.q3.check(4 / 6 * 0.125 + 2 / 6 * 0.425)
    assert abs(nb06.Q3_ECE - 0.225) < 1e-9
    wrong = nb06.q3.check((0.125 + 0.425) / 2)
    assert not wrong and "share of the examples" in wrong.message
    wrong = nb06.q3.check(abs(5 / 6 - 0.775))
    assert not wrong and "one bin" in wrong.message


def test_q4_majority_baseline():
    assert nb06.q4.check(120 / 241)
    assert not nb06.q4.check(0.5)
    wrong = nb06.q4.check(120)
    assert not wrong and "241" in wrong.message
