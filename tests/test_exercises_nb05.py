"""Each notebook-05 exercise accepts a right answer and refuses a wrong one."""

from __future__ import annotations

import math

import torch
from transformers import get_linear_schedule_with_warmup

from helpers.exercises import nb05


def test_q1_padding_share():
    lengths = nb05.Q1_LENGTHS
    assert nb05.q1.check(1 - sum(lengths) / (len(lengths) * max(lengths)))
    assert nb05.q1.check(20 / 48)
    wrong = nb05.q1.check(28 / 48)
    assert not wrong and "real tokens" in wrong.message
    wrong = nb05.q1.check(20)
    assert not wrong and "number of padding tokens" in wrong.message


def test_q2_optimizer_steps():
    assert nb05.q2.check(math.ceil(67_349 / 32) * 3)
    assert nb05.q2.check(6315)
    wrong = nb05.q2.check((67_349 // 32) * 3)
    assert not wrong and "round up" in wrong.message
    assert not nb05.q2.check(2105)


def test_q3_precision_rule():
    def right(capability):
        major, _minor = capability
        return "bf16" if major >= 8 else "fp16"

    def trusts_is_bf16_supported(capability):
        return "bf16"

    def unfinished(capability):
        return None

    assert nb05.q3.check(right)
    wrong = nb05.q3.check(trusts_is_bf16_supported)
    assert not wrong and "emulated" in wrong.message
    assert "returns None" in nb05.q3.check(unfinished).message


def test_q4_learning_rate_matches_transformers_schedule():
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=nb05.Q4_PEAK)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, nb05.Q4_WARMUP_STEPS, nb05.Q4_TOTAL_STEPS
    )
    for _ in range(nb05.Q4_STEP):
        optimizer.step()
        scheduler.step()
    rate = scheduler.get_last_lr()[0]
    assert math.isclose(rate, nb05.Q4_RATE, rel_tol=1e-6)
    assert nb05.q4.check(rate)
    assert nb05.q4.check(5e-6)
    wrong = nb05.q4.check(2e-5 * (1 - 775 / 1000))
    assert not wrong and "after the warmup" in wrong.message
