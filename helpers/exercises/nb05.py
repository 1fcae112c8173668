"""Exercises for notebook 05, fine-tuning BERT: padding, steps, precision and the schedule.

Used by notebooks/05_finetuning_bert.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise

# --- q1: the padding share of one batch -------------------------------------------------

Q1_LENGTHS = [12, 7, 5, 4]  # tokens per example, [CLS] and [SEP] included
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


q1 = Exercise(
    name="nb05.q1",
    question=(
        f"A batch holds four examples of {Q1_LENGTHS} tokens. With dynamic padding, every row "
        "is padded to the longest one. What fraction of the tokens in the padded batch is "
        "padding?"
    ),
    is_correct=_is_pad_share,
    hint_text=(
        "The padded batch is a 4 x 12 table. Count its cells, count the real tokens "
        "(sum of the lengths), and take the share of cells that are not real tokens."
    ),
    solution_text=(
        "lengths = nb05.Q1_LENGTHS\n"
        "answer = 1 - sum(lengths) / (len(lengths) * max(lengths))  # 1 - 28/48 = 0.417"
    ),
    diagnose=_diagnose_pad_share,
)

# --- q2: optimizer steps ----------------------------------------------------------------

_Q2_EXAMPLES = 67_349  # GLUE SST-2 training sentences
_Q2_BATCH_SIZE = 32
_Q2_EPOCHS = 3
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
    if value != int(value):
        return "steps are whole numbers: each epoch has ceil(examples / batch size) batches."
    if value == _Q2_EXAMPLES * _Q2_EPOCHS:
        return "one step updates the weights after a whole batch, not after every example."
    return None


q2 = Exercise(
    name="nb05.q2",
    question=(
        f"How many optimizer steps does training take on {_Q2_EXAMPLES:,} examples with batch "
        f"size {_Q2_BATCH_SIZE} for {_Q2_EPOCHS} epochs (no gradient accumulation; the last batch "
        "of an epoch may be smaller)?"
    ),
    is_correct=_is_steps,
    hint_text=(
        "One step per batch. An epoch has ceil(examples / batch_size) batches, the last one "
        "partly empty. Multiply by the number of epochs."
    ),
    solution_text=(
        "answer = math.ceil(67_349 / 32) * 3  # 2105 batches per epoch, 6315 steps\n"
        "The learning-rate schedule needs this number: it decays to zero at the last step."
    ),
    diagnose=_diagnose_steps,
)

# --- q3: choose the precision from the compute capability -------------------------------

_Q3_CASES = {(6, 1): "fp16", (7, 0): "fp16", (7, 5): "fp16", (8, 0): "bf16", (8, 6): "bf16"}
_Q3_CASES |= {(8, 9): "bf16", (9, 0): "bf16", (10, 0): "bf16"}


def _is_precision_rule(answer: Callable[[tuple[int, int]], str]) -> bool:
    return all(answer(capability) == expected for capability, expected in _Q3_CASES.items())


def _diagnose_precision_rule(answer: Callable[[tuple[int, int]], str]) -> str | None:
    result = answer((7, 5))
    if result is None:
        return "your function returns None: return the string 'bf16' or 'fp16'."
    if result == "bf16":
        return (
            "a T4 (7, 5) gets 'bf16' from your rule. torch.cuda.is_bf16_supported() says True "
            "there, but bf16 is emulated below compute capability 8.0: use 'fp16'."
        )
    if result == "fp32":
        return "the question asks for a 16-bit format: 'fp16' on cards below 8.0."
    wrong = [cap for cap, expected in _Q3_CASES.items() if answer(cap) != expected]
    return f"your rule gives the wrong answer for compute capabilities {wrong}."


q3 = Exercise(
    name="nb05.q3",
    question=(
        "Write precision_for(capability) that takes a CUDA compute capability (major, minor), "
        "as torch.cuda.get_device_capability() returns it, and answers 'bf16' where bf16 is "
        "native (8.0 and newer) and 'fp16' otherwise. Pass the function itself."
    ),
    is_correct=_is_precision_rule,
    hint_text=(
        "Only the major version matters: Ampere (8.x), Ada (8.9) and Hopper (9.0) have native "
        "bf16; Pascal (6.x), Volta (7.0) and Turing (7.5, the T4) do not."
    ),
    solution_text=(
        "def answer(capability):\n"
        "    major, minor = capability\n"
        "    return 'bf16' if major >= 8 else 'fp16'"
    ),
    diagnose=_diagnose_precision_rule,
)

# --- q4: the learning rate under warmup and linear decay --------------------------------

_Q4_PEAK = 2e-5
_Q4_TOTAL_STEPS = 1000
_Q4_WARMUP_STEPS = 100
_Q4_STEP = 775


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
    if math.isclose(value, _Q4_PEAK, rel_tol=1e-3):
        return "that is the peak; after the warmup the rate falls linearly towards zero."
    if math.isclose(value, _Q4_PEAK - _Q4_RATE, rel_tol=1e-3):
        return "that is how much the rate has dropped; give the rate itself."
    return None


q4 = Exercise(
    name="nb05.q4",
    question=(
        f"A linear schedule with warmup: the rate rises from 0 to {_Q4_PEAK} over the first "
        f"{_Q4_WARMUP_STEPS} steps, then falls linearly to 0 at step {_Q4_TOTAL_STEPS}. What is "
        f"the learning rate at step {_Q4_STEP}?"
    ),
    is_correct=_is_rate,
    hint_text=(
        "After the warmup, the rate is peak * (steps left) / (steps of decay): the decay runs "
        "from step 100 to step 1000."
    ),
    solution_text=(
        "answer = 2e-5 * (1000 - 775) / (1000 - 100)  # = 5e-6\n"
        "transformers' get_linear_schedule_with_warmup computes exactly this; the course's loop "
        "uses it with a warmup of 10% of the steps."
    ),
    diagnose=_diagnose_rate,
)
