"""Rows of the exercise table for notebook 00."""

from helpers.data import load_sample
from helpers.exercises import nb00

from .common import Computed


def training_reviews() -> int:
    """Return the number of reviews in the course's training split."""
    return len(load_sample().train)


def hard_case_share() -> float:
    """Return the share of all the course's reviews with a hard-case tag."""
    splits = load_sample()
    tags = [
        tag
        for split in (splits.train, splits.validation, splits.test)
        for tag in split.extra["hard_case"]
    ]
    return sum(tag != "none" for tag in tags) / len(tags)


ROWS = [
    (
        nb00.q1,
        [Computed(training_reviews), 1218],
        [(1700, "all the reviews"), (241, "validation or test split")],
    ),
    (
        nb00.q2,
        ["fp16", "float16"],
        [("bf16", "7.5"), ("fp32", "wastes the T4's tensor cores")],
    ),
    (
        nb00.q3,
        [Computed(hard_case_share), 601 / 1700],
        [(100 * 601 / 1700, "percentage"), (487 / 1218, "training split only")],
    ),
    (nb00.q4, ["validation", "Dev"], [("test", "once")]),
]
