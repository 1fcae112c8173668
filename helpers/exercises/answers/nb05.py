"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 05's exercises."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from helpers.exercises import Case, Key
from helpers.exercises.nb05 import (
    _Q2_BATCH_SIZE,
    _Q2_EPOCHS,
    _Q2_EXAMPLES,
    _Q4_PEAK,
    _Q4_STEP,
    _Q4_TOTAL_STEPS,
    _Q4_WARMUP_STEPS,
    Q1_LENGTHS,
)

# --- q1: the padding share of one batch -------------------------------------------------

_Q1_PAD_TO = max(Q1_LENGTHS)  # dynamic padding: to the longest example of the batch
_Q1_PAD_SHARE = 1 - sum(Q1_LENGTHS) / (len(Q1_LENGTHS) * _Q1_PAD_TO)  # 20 / 48


def _is_pad_share(answer: Any) -> bool:
    return abs(float(answer) - _Q1_PAD_SHARE) < 1e-3


def _diagnose_pad_share(answer: Any) -> str | None:
    value = float(answer)
    total = len(Q1_LENGTHS) * _Q1_PAD_TO
    if value == total - sum(Q1_LENGTHS):
        return "that is the number of padding tokens; divide it by all the tokens in the batch."
    if abs(value - sum(Q1_LENGTHS) / total) < 1e-3:
        return "that is the share of real tokens; the padding share is the rest."
    if abs(value - 100 * _Q1_PAD_SHARE) < 0.1:
        return "that is a percentage; give a fraction between 0 and 1."
    if abs(value - (1 - sum(Q1_LENGTHS) / (len(Q1_LENGTHS) * 64))) < 1e-3:
        return "that pads to 64 tokens; dynamic padding pads only to the longest example here."
    return None


q1 = Key(
    is_correct=_is_pad_share,
    diagnose=_diagnose_pad_share,
    solution_text=(
        "lengths = nb05.Q1_LENGTHS\n"
        "answer = 1 - sum(lengths) / (len(lengths) * max(lengths))  # 1 - 28/48 = 0.417"
    ),
    solution_cell=(
        "lengths = nb05.Q1_LENGTHS\n"
        "answer = 1 - sum(lengths) / (len(lengths) * max(lengths))\n"
        "nb05.q1.check(answer)"
    ),
)

# --- q2: optimizer steps ----------------------------------------------------------------

_Q2_STEPS = math.ceil(_Q2_EXAMPLES / _Q2_BATCH_SIZE) * _Q2_EPOCHS  # 2105 * 3 = 6315


def _is_steps(answer: Any) -> bool:
    return float(answer) == _Q2_STEPS


def _diagnose_steps(answer: Any) -> str | None:
    value = float(answer)
    per_epoch = math.ceil(_Q2_EXAMPLES / _Q2_BATCH_SIZE)
    if value == per_epoch:
        return "that is one epoch; the run has three."
    if value == (_Q2_EXAMPLES // _Q2_BATCH_SIZE) * _Q2_EPOCHS:
        return "the last, smaller batch of each epoch is still a batch: round up, not down."
    return None


q2 = Key(
    is_correct=_is_steps,
    diagnose=_diagnose_steps,
    solution_text=(
        "answer = math.ceil(67_349 / 32) * 3  # 2105 batches per epoch, 6315 steps\n"
        "The learning-rate schedule needs this number: it decays to zero at the last step."
    ),
    solution_cell="answer = -(-67_349 // 32) * 3\nnb05.q2.check(answer)",
)

# --- q3: choose the precision from the compute capability -------------------------------

_Q3_CASES = {(6, 1): "fp16", (7, 0): "fp16", (7, 5): "fp16", (8, 0): "bf16", (8, 6): "bf16"}
_Q3_CASES |= {(8, 9): "bf16", (9, 0): "bf16", (10, 0): "bf16"}
_Q3_NAMES = {(6, 1): "Pascal", (7, 0): "Volta", (7, 5): "Turing (T4)", (8, 0): "Ampere (A100)"}
_Q3_NAMES |= {(8, 6): "Ampere (RTX 30)", (8, 9): "Ada", (9, 0): "Hopper", (10, 0): "Blackwell"}


def _diagnose_precision_rule(answer: Callable[[tuple[int, int]], str]) -> str | None:
    result = answer((7, 5))
    if result not in ("bf16", "fp16"):
        return None  # the public form check says it
    if result == "bf16":
        return (
            "a T4 (7, 5) gets 'bf16' from your rule. torch.cuda.is_bf16_supported() says True "
            "there, but bf16 is emulated below compute capability 8.0: use 'fp16'."
        )
    wrong = [cap for cap, expected in _Q3_CASES.items() if answer(cap) != expected]
    return f"your rule gives the wrong answer for compute capabilities {wrong}." if wrong else None


q3 = Key(
    cases=tuple(
        Case(f"{_Q3_NAMES[capability]} {capability}", (capability,), expected)
        for capability, expected in _Q3_CASES.items()
    ),
    diagnose=_diagnose_precision_rule,
    solution_text=(
        "def answer(capability):\n"
        "    major, minor = capability\n"
        "    return 'bf16' if major >= 8 else 'fp16'"
    ),
    solution_cell=(
        "def precision_for(capability: tuple[int, int]) -> str:\n"
        "    major, _minor = capability\n"
        '    return "bf16" if major >= 8 else "fp16"\n\n\n'
        "nb05.q3.check(precision_for)"
    ),
)

# --- q4: the learning rate under warmup and linear decay --------------------------------


def _linear_schedule(step: int, peak: float, warmup: int, total: int) -> float:
    """Return the learning rate at `step`: up linearly for `warmup` steps, then down to zero."""
    if step < warmup:
        return peak * step / warmup
    return peak * max(0.0, (total - step) / (total - warmup))


_Q4_RATE = _linear_schedule(_Q4_STEP, _Q4_PEAK, _Q4_WARMUP_STEPS, _Q4_TOTAL_STEPS)  # 5e-6


def _is_rate(answer: Any) -> bool:
    return math.isclose(float(answer), _Q4_RATE)


def _diagnose_rate(answer: Any) -> str | None:
    value = float(answer)
    if math.isclose(value, _Q4_PEAK * (1 - _Q4_STEP / _Q4_TOTAL_STEPS), rel_tol=1e-3):
        return (
            "the decay starts after the warmup, at step 100, not at step 0: it covers the "
            "remaining 900 steps."
        )
    if math.isclose(value, _Q4_PEAK - _Q4_RATE, rel_tol=1e-3):
        return "that is how much the rate has dropped; give the rate itself."
    return None


q4 = Key(
    is_correct=_is_rate,
    diagnose=_diagnose_rate,
    solution_text=(
        "answer = 2e-5 * (1000 - 775) / (1000 - 100)  # = 5e-6\n"
        "transformers' get_linear_schedule_with_warmup computes exactly this; the course's loop "
        "uses it with a warmup of 10% of the steps."
    ),
    solution_cell="answer = 2e-5 * (1000 - 775) / (1000 - 100)\nnb05.q4.check(answer)",
)
