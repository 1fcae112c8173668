"""Rows of the exercise table for notebook 01."""

import math

import torch

from helpers.exercises import nb01

from .common import unfinished


def perplexity(probabilities: list[float]) -> float:
    """Return exp(-mean log p); inf when a probability is 0."""
    if min(probabilities) == 0:
        return math.inf
    return math.exp(-sum(math.log(p) for p in probabilities) / len(probabilities))


def perplexity_by_product(probabilities: list[float]) -> float:
    """The product to the power -1/N: right on paper, 0.0 ** negative on a long text."""
    return math.prod(probabilities) ** (-1 / len(probabilities))


def mean_negative_log(probabilities: list[float]) -> float:
    """The average negative log-likelihood, without the exp."""
    return -sum(math.log(p) for p in probabilities) / len(probabilities)


def perplexity_nan_when_impossible(probabilities: list[float]) -> float:
    """Return nan, not inf, for a text with an impossible symbol."""
    if min(probabilities) == 0:
        return math.nan
    return math.exp(-sum(math.log(p) for p in probabilities) / len(probabilities))


def interpolate(counts: torch.Tensor, weight: float) -> torch.Tensor:
    """Mix the bigram rows with the unigram distribution; an unseen row is the unigram."""
    unigram = counts.sum(dim=0) / counts.sum()
    row_totals = counts.sum(dim=1, keepdim=True)
    mixed = weight * counts / row_totals.clamp_min(1e-12) + (1 - weight) * unigram
    return torch.where(row_totals > 0, mixed, unigram.expand_as(counts))


def interpolate_with_nan(counts: torch.Tensor, weight: float) -> torch.Tensor:
    """Divide every row by its total: 0 / 0 on an unseen row."""
    unigram = counts.sum(dim=0) / counts.sum()
    return weight * counts / counts.sum(dim=1, keepdim=True) + (1 - weight) * unigram


def interpolate_with_row_unigram(counts: torch.Tensor, weight: float) -> torch.Tensor:
    """Take U from the row sums (how often a symbol comes first), not the column sums."""
    unigram = counts.sum(dim=1) / counts.sum()
    row_totals = counts.sum(dim=1, keepdim=True)
    mixed = weight * counts / row_totals.clamp_min(1e-12) + (1 - weight) * unigram
    return torch.where(row_totals > 0, mixed, unigram.expand_as(counts))


WRITTEN = (
    "The validation loss is lowest at k = 0.01 here. At k = 0 it is inf: three validation pairs "
    "never occur in training, get probability 0, and log 0 is minus infinity. Choosing k on "
    "the validation pairs and then reporting their perplexity would be optimistic, because k "
    "was tuned on them; an honest score needs an untouched test set."
)

ROWS = [
    (
        nb01.q1,
        [0.2 * 0.5 * 0.4],
        [(0.2 + 0.5 + 0.4, "multiplies"), (0.2 * 0.5, "last factor"), (math.log(0.04), "exp()")],
    ),
    (
        nb01.q2,
        [30_522, math.exp(-math.log(1 / 30_522))],
        [
            (math.log(30_522), "cross-entropy in nats"),
            (1 / 30_522, "probability of one token"),
            (math.log2(30_522), "cross-entropy in bits"),
        ],
    ),
    (
        nb01.q3,
        [[0.0, 0.0, 0.0, 1.0]],
        [
            ([0.25] * 4, "infinity"),
            (torch.softmax(torch.tensor([2.0, 1.0, 0.5, 2.5]), 0), "temperature 1"),
        ],
    ),
    (
        nb01.q4,
        [[9 / 14, 3 / 14, 1 / 14, 1 / 14], torch.tensor([[9 / 14, 3 / 14, 1 / 14, 1 / 14]])],
        [
            ([0.8, 0.2, 0.0, 0.0], "unsmoothed"),
            ([9 / 10, 3 / 10, 1 / 10, 1 / 10], "sum to 1"),
            (torch.tensor([[0.8, 0.2, 0.0, 0.0]]), "unsmoothed"),
        ],
    ),
    (
        nb01.q5,
        [perplexity],
        [
            (unfinished, "returns None"),
            (perplexity_by_product, "underflows"),
            (mean_negative_log, "exp of it"),
            (perplexity_nan_when_impossible, "must give inf, not nan"),
        ],
    ),
    (
        nb01.q6,
        [interpolate],
        [
            (unfinished, "returns None"),
            (interpolate_with_nan, "0 / 0 = nan"),
            (interpolate_with_row_unigram, "add up each column"),
        ],
    ),
    (nb01.q7, [WRITTEN], [("k = 0.01 wins.", "write at least"), (0.01, "between quotes")]),
]
