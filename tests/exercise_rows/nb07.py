"""Rows of the exercise table for notebook 07."""

import math

from helpers.exercises import nb07
from helpers.modeling import load_encoder

from .common import Computed, parameter_count, unfinished

SECONDS_PER_DAY = 86_400


def training_days(parameters, tokens, flops_per_second, utilisation):
    """Days to train: C = 6 N D operations at the achieved share of the peak rate."""
    return 6 * parameters * tokens / (flops_per_second * utilisation) / SECONDS_PER_DAY


def training_seconds(parameters, tokens, flops_per_second, utilisation):
    """The right operations and rate, but the time left in seconds."""
    return 6 * parameters * tokens / (flops_per_second * utilisation)


def training_days_at_peak(parameters, tokens, flops_per_second, utilisation):
    """Forgets the utilisation: as if the hardware ran at its peak."""
    return 6 * parameters * tokens / flops_per_second / SECONDS_PER_DAY


def compute_optimal(compute, tokens_per_parameter=20):
    """Split C = 6 N D with D = r N: N = sqrt(C / (6 r))."""
    parameters = math.sqrt(compute / (6 * tokens_per_parameter))
    return parameters, tokens_per_parameter * parameters


def compute_optimal_tokens_from_compute(compute, tokens_per_parameter=20):
    """Right, written another way: N = sqrt(C / (6 r)), then D = C / (6 N)."""
    parameters = math.sqrt(compute / (6 * tokens_per_parameter))
    return parameters, compute / (6 * parameters)


def compute_optimal_without_six(compute, tokens_per_parameter=20):
    """Leaves the 6 out: N = sqrt(C / r)."""
    parameters = math.sqrt(compute / tokens_per_parameter)
    return parameters, tokens_per_parameter * parameters


def compute_optimal_swapped(compute, tokens_per_parameter=20):
    """The right numbers in the wrong order: (tokens, parameters)."""
    parameters, tokens = compute_optimal(compute, tokens_per_parameter)
    return tokens, parameters


def compute_optimal_without_ratio(compute, tokens_per_parameter=20):
    """Divides by 6 only before the square root."""
    parameters = math.sqrt(compute / 6)
    return parameters, tokens_per_parameter * parameters


def choose_models(candidates, language, text_tokens, needs_cased, licences):
    """Keep the rows that cover the language, length, casing and licence, in table order."""
    return [
        row["name"]
        for row in candidates
        if language in row["languages"]
        and row["max_tokens"] >= text_tokens
        and (row["cased"] or not needs_cased)
        and row["licence"] in licences
    ]


def choose_models_strictly_longer(candidates, language, text_tokens, needs_cased, licences):
    """Uses > for the length: a text exactly as long as the maximum is refused."""
    return choose_models(candidates, language, text_tokens + 1, needs_cased, licences)


def choose_models_exact_casing(candidates, language, text_tokens, needs_cased, licences):
    """Reads needs_cased=False as 'uncased only'."""
    return [
        name
        for name in choose_models(candidates, language, text_tokens, False, licences)
        if next(row for row in candidates if row["name"] == name)["cased"] == needs_cased
    ]


def choose_models_alphabetical(candidates, language, text_tokens, needs_cased, licences):
    """The right names, sorted alphabetically instead of in the order of the table."""
    return sorted(choose_models(candidates, language, text_tokens, needs_cased, licences))


def choose_models_ignoring_length(candidates, language, text_tokens, needs_cased, licences):
    """Ignores max_tokens: every length fits."""
    return choose_models(candidates, language, 0, needs_cased, licences)


def choose_models_rows(candidates, language, text_tokens, needs_cased, licences):
    """Returns the whole rows instead of their names."""
    names = choose_models(candidates, language, text_tokens, needs_cased, licences)
    return [row for row in candidates if row["name"] in names]


def embedded_parameters() -> int:
    """Return the parameter count of the embedded model, counted here."""
    return parameter_count(load_encoder()[1])


ROWS = [
    (
        nb07.q1,
        [training_days],
        [
            (unfinished, "returns None"),
            (training_seconds, "time in seconds"),
            (training_days_at_peak, "you used the peak rate"),
        ],
    ),
    (
        nb07.q2,
        [compute_optimal, compute_optimal_tokens_from_compute],
        [
            (unfinished, "returns None"),
            (compute_optimal_swapped, "swapped"),
            (compute_optimal_without_ratio, "divide by 6 r"),
            (compute_optimal_without_six, "you left out the 6"),
        ],
    ),
    (
        nb07.q3,
        [choose_models],
        [
            (unfinished, "returns None"),
            (choose_models_strictly_longer, "use >=, not >"),
            (choose_models_exact_casing, "either kind will do"),
            (choose_models_rows, "not the whole rows"),
            (choose_models_alphabetical, "wrong order"),
            (choose_models_ignoring_length, None),
        ],
    ),
    (
        nb07.q4,
        [Computed(lambda: 120 * embedded_parameters() ** 2)],
        [
            (Computed(lambda: 20 * embedded_parameters()), "that is D"),
            (Computed(lambda: 6 * embedded_parameters() ** 2), "D = 20 N tokens"),
        ],
    ),
    (
        nb07.q5,
        [(21, 36), [21, 36]],
        [
            ((36, 21), "swapped"),
            ((15, 36), "the diagonal counts too"),
            ((36, 36), "blocks every key after"),
            ((20, 30), None),
            ((21.9, 36.4), "two whole numbers"),
            (("21", "36"), "not text"),
        ],
    ),
]
