"""Rows of the exercise table for notebook 05."""

import math

import torch
from transformers import get_linear_schedule_with_warmup

from helpers.exercises import nb05

from .common import Computed, unfinished


def transformers_learning_rate() -> float:
    """Return transformers' linear-with-warmup rate at step 775 (peak 2e-5, 100 of 1000)."""
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=2e-5)
    scheduler = get_linear_schedule_with_warmup(optimizer, 100, 1000)
    for _ in range(775):
        optimizer.step()
        scheduler.step()
    return scheduler.get_last_lr()[0]


def precision_for(capability: tuple[int, int]) -> str:
    """Return 'bf16' from compute capability 8.0 on, else 'fp16'."""
    major, _minor = capability
    return "bf16" if major >= 8 else "fp16"


def trusts_is_bf16_supported(capability: tuple[int, int]) -> str:
    """Answer 'bf16' everywhere, as torch.cuda.is_bf16_supported() suggests on a T4."""
    return "bf16"


ROWS = [
    (
        nb05.q1,
        [1 - sum(nb05.Q1_LENGTHS) / (len(nb05.Q1_LENGTHS) * max(nb05.Q1_LENGTHS)), 20 / 48],
        [(28 / 48, "share of real tokens"), (20, "number of padding tokens")],
    ),
    (
        nb05.q2,
        [math.ceil(67_349 / 32) * 3],  # 6315
        [((67_349 // 32) * 3, "round up"), (2105, "that is one epoch")],
    ),
    (
        nb05.q3,
        [precision_for],
        [(trusts_is_bf16_supported, "emulated"), (unfinished, "returns None")],
    ),
    (
        nb05.q4,
        [Computed(transformers_learning_rate), 5e-6],
        [(2e-5 * (1 - 775 / 1000), "starts after the warmup")],
    ),
]
