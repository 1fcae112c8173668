"""Exercises for notebook 05, fine-tuning BERT: collating, padding, steps, precision, schedule.

Used by notebooks/05_finetuning_bert.ipynb. The keys are in answers/nb05.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from helpers.exercises import Exercise, as_float, fraction_form

# --- q1: a collate function with dynamic padding ---------------------------------------


def _sample_examples() -> list[dict[str, Any]]:
    """Return three tokenised examples of different lengths, as a Dataset hands them out."""
    rows = [([101, 2307, 3185, 102], 1), ([101, 102], 0), ([101, 2200, 2919, 2143, 1012, 102], 0)]
    return [{"input_ids": ids, "attention_mask": [1] * len(ids), "labels": y} for ids, y in rows]


def _collate_form(answer: Callable[[list[dict[str, Any]], int], dict[str, Any]]) -> str | None:
    batch = answer(_sample_examples(), 0)
    if batch is None:
        return "your function returns None: write its body (and return a dict of tensors)."
    if not isinstance(batch, dict) or set(batch) != {"input_ids", "attention_mask", "labels"}:
        return "return a dict with exactly the keys 'input_ids', 'attention_mask' and 'labels'."
    if not all(isinstance(value, torch.Tensor) for value in batch.values()):
        return "every value of the dict is a tensor (torch.tensor(...))."
    if batch["input_ids"].shape != (3, 6) or batch["attention_mask"].shape != (3, 6):
        return "here the batch is 3 examples padded to the longest one, 6 tokens: shape (3, 6)."
    return None


q1 = Exercise(
    name="nb05.q1",
    kind="function",
    points=2,
    question=(
        "Write pad_batch(examples, pad_token_id), the collate function of dynamic padding: "
        "`examples` is a list of dicts as SentimentDataset hands them out, {'input_ids': list "
        "of ints, 'attention_mask': a 1 per token, 'labels': int}; return a dict "
        "of tensors: 'input_ids' of shape (batch, longest) padded on the right with "
        "pad_token_id, 'attention_mask' of the same shape (1 = real token, 0 = padding) and "
        "'labels' of shape (batch,). Pass the function itself."
    ),
    hints=(
        "First find how long the batch must be: the longest example of *this* batch. Then build "
        "each row as its ids followed by enough padding, and its mask the same way.",
        "How many padding positions does each example need, and what goes in them: in "
        "input_ids, and in attention_mask? Build the rows as Python lists first; torch.tensor "
        "of a list of equal-length lists gives a (batch, longest) tensor.",
    ),
    starter=(
        "def pad_batch(examples: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:\n"
        "    return None  # your code here\n\n\n"
        "nb05.q1.check(pad_batch)"
    ),
    diagnose=_collate_form,
)

# --- q2: the padding share you measured -------------------------------------------------

q2 = Exercise(
    name="nb05.q2",
    question=(
        "Part A measured the padding share of three loaders of the course's 1,218 training "
        "reviews at batch size 32. What share of the positions is padding with dynamic padding "
        "and length-grouped batches? Give the fraction your run printed (0.25 for 25%)."
    ),
    hints=(
        "The number is in the printout of the cell that built the three loaders: the last of "
        "its three lines.",
        "Give it as a fraction between 0 and 1, with three decimals or more (the check accepts "
        "the rounding of the printout).",
    ),
    starter="answer = None  # the fraction your run printed\nnb05.q2.check(answer)",
    diagnose=fraction_form,
)

# --- q3: optimizer steps ----------------------------------------------------------------

_Q3_EXAMPLES = 25_000  # IMDB training reviews
_Q3_BATCH_SIZE = 24
_Q3_EPOCHS = 3


def _diagnose_steps(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a whole number."
    if not value.is_integer():
        return "steps are whole numbers: each epoch has ceil(examples / batch size) batches."
    if value == _Q3_EXAMPLES * _Q3_EPOCHS:
        return "one step updates the weights after a whole batch, not after every example."
    return None


q3 = Exercise(
    name="nb05.q3",
    question=(
        f"How many optimizer steps does training take on {_Q3_EXAMPLES:,} examples with batch "
        f"size {_Q3_BATCH_SIZE} for {_Q3_EPOCHS} epochs (no gradient accumulation; the last batch "
        "of an epoch may be smaller)?"
    ),
    hints=(
        "How often are the weights updated: after each example, or after each batch?",
        "Count the batches of one epoch (the last one may be partly empty, but it is still a "
        "batch), then think about how many epochs there are.",
    ),
    starter="answer = None  # your code here\nnb05.q3.check(answer)",
    diagnose=_diagnose_steps,
)

# --- q4: choose the precision from the compute capability -------------------------------


def _precision_rule_form(answer: Callable[[tuple[int, int]], str]) -> str | None:
    result = answer((7, 5))
    if result is None:
        return "your function returns None: return the string 'bf16' or 'fp16'."
    if result == "fp32":
        return "the question asks for a 16-bit format: 'fp16' on cards below 8.0."
    if result not in ("bf16", "fp16"):
        return "return the string 'bf16' or 'fp16'."
    return None


q4 = Exercise(
    name="nb05.q4",
    kind="function",
    points=2,
    question=(
        "Write precision_for(capability) that takes a CUDA compute capability (major, minor), "
        "as torch.cuda.get_device_capability() returns it, and answers 'bf16' where bf16 is "
        "native (8.0 and newer) and 'fp16' otherwise. Pass the function itself."
    ),
    hints=(
        "Part B's notes on mixed precision say from which generation of GPUs bf16 is native. "
        "A capability is a pair (major, minor): which of the two decides it?",
        "Which of the two numbers changes between a T4 (7, 5) and an A100 (8, 0)? Do not trust "
        "torch.cuda.is_bf16_supported(): it says True on a T4, where bf16 is emulated.",
    ),
    starter=(
        "def precision_for(capability: tuple[int, int]) -> str:\n"
        "    return None  # your code here\n\n\n"
        "nb05.q4.check(precision_for)"
    ),
    diagnose=_precision_rule_form,
)

# --- q5: the learning rate under warmup and linear decay --------------------------------

_Q5_PEAK = 2e-5
_Q5_TOTAL_STEPS = 1000
_Q5_WARMUP_STEPS = 100
_Q5_STEP = 775


def _diagnose_rate(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number."
    if math.isclose(value, _Q5_PEAK, rel_tol=1e-3):
        return "that is the peak; after the warmup the rate falls linearly towards zero."
    return None


q5 = Exercise(
    name="nb05.q5",
    question=(
        f"A linear schedule with warmup: the rate rises from 0 to {_Q5_PEAK} over the first "
        f"{_Q5_WARMUP_STEPS} steps, then falls linearly to 0 at step {_Q5_TOTAL_STEPS}. What is "
        f"the learning rate at step {_Q5_STEP}?"
    ),
    hints=(
        "The schedule is two straight lines. On which of them is step 775?",
        "The decay line goes from the peak at the end of the warmup down to 0 at the last step: "
        "what fraction of that line is still ahead at step 775?",
    ),
    starter="answer = None  # your code here\nnb05.q5.check(answer)",
    diagnose=_diagnose_rate,
)
