"""Rows of the exercise table for notebook 01."""

import math

from helpers.exercises import nb01

ROWS = [
    (nb01.q1, [0.2 * 0.5 * 0.4], [(0.2 + 0.5 + 0.4, "multiplies")]),
    (nb01.q2, [30_522], [(math.log(30_522), "cross-entropy in nats")]),
    (nb01.q3, [[0.0, 0.0, 0.0, 1.0]], [([0.25] * 4, "infinity")]),
    (
        nb01.q4,
        [[9 / 14, 3 / 14, 1 / 14, 1 / 14]],
        [([0.8, 0.2, 0.0, 0.0], "unsmoothed"), ([9 / 10, 3 / 10, 1 / 10, 1 / 10], "sum to 1")],
    ),
]
