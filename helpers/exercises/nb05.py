"""Exercises for notebook 05, fine-tuning BERT: padding, steps, precision and the schedule.

Used by notebooks/05_finetuning_bert.ipynb. The keys are in answers/nb05.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from helpers.exercises import Exercise, as_float, fraction_form

# --- q1: the padding share of one batch -------------------------------------------------

Q1_LENGTHS = [12, 7, 5, 4]  # tokens per example, [CLS] and [SEP] included

q1 = Exercise(
    name="nb05.q1",
    question=(
        f"A batch holds four examples of {Q1_LENGTHS} tokens. With dynamic padding, every row "
        "is padded to the longest one. What fraction of the tokens in the padded batch is "
        "padding?"
    ),
    hints=(
        "The padded batch is a 4 x 12 table. Count its cells, count the real tokens "
        "(sum of the lengths), and take the share of cells that are not real tokens.",
    ),
    starter="answer = None  # your code here\nnb05.q1.check(answer)",
    diagnose=fraction_form,
)

# --- q2: optimizer steps ----------------------------------------------------------------

_Q2_EXAMPLES = 67_349  # GLUE SST-2 training sentences
_Q2_BATCH_SIZE = 32
_Q2_EPOCHS = 3


def _diagnose_steps(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a whole number."
    if not value.is_integer():
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
    hints=(
        "One step per batch. An epoch has ceil(examples / batch_size) batches, the last one "
        "partly empty. Multiply by the number of epochs.",
    ),
    starter="answer = None  # your code here\nnb05.q2.check(answer)",
    diagnose=_diagnose_steps,
)

# --- q3: choose the precision from the compute capability -------------------------------


def _precision_rule_form(answer: Callable[[tuple[int, int]], str]) -> str | None:
    result = answer((7, 5))
    if result is None:
        return "your function returns None: return the string 'bf16' or 'fp16'."
    if result == "fp32":
        return "the question asks for a 16-bit format: 'fp16' on cards below 8.0."
    if result not in ("bf16", "fp16"):
        return "return the string 'bf16' or 'fp16'."
    return None


q3 = Exercise(
    name="nb05.q3",
    kind="function",
    points=2,
    question=(
        "Write precision_for(capability) that takes a CUDA compute capability (major, minor), "
        "as torch.cuda.get_device_capability() returns it, and answers 'bf16' where bf16 is "
        "native (8.0 and newer) and 'fp16' otherwise. Pass the function itself."
    ),
    hints=(
        "Only the major version matters: Ampere (8.x), Ada (8.9) and Hopper (9.0) have native "
        "bf16; Pascal (6.x), Volta (7.0) and Turing (7.5, the T4) do not.",
    ),
    starter=(
        "def precision_for(capability: tuple[int, int]) -> str:\n"
        "    return None  # your code here\n\n\n"
        "nb05.q3.check(precision_for)"
    ),
    diagnose=_precision_rule_form,
)

# --- q4: the learning rate under warmup and linear decay --------------------------------

_Q4_PEAK = 2e-5
_Q4_TOTAL_STEPS = 1000
_Q4_WARMUP_STEPS = 100
_Q4_STEP = 775


def _diagnose_rate(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number."
    if math.isclose(value, _Q4_PEAK, rel_tol=1e-3):
        return "that is the peak; after the warmup the rate falls linearly towards zero."
    return None


q4 = Exercise(
    name="nb05.q4",
    question=(
        f"A linear schedule with warmup: the rate rises from 0 to {_Q4_PEAK} over the first "
        f"{_Q4_WARMUP_STEPS} steps, then falls linearly to 0 at step {_Q4_TOTAL_STEPS}. What is "
        f"the learning rate at step {_Q4_STEP}?"
    ),
    hints=(
        "After the warmup, the rate is peak * (steps left) / (steps of decay): the decay runs "
        "from step 100 to step 1000.",
    ),
    starter="answer = None  # your code here\nnb05.q4.check(answer)",
    diagnose=_diagnose_rate,
)
