"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 05's exercises."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import torch

from helpers.data import LengthGroupedBatches, SentimentDataset, load_sample
from helpers.exercises import Case, Credit, Key
from helpers.exercises.nb05 import (
    _Q3_BATCH_SIZE,
    _Q3_EPOCHS,
    _Q3_EXAMPLES,
    _Q5_PEAK,
    _Q5_STEP,
    _Q5_TOTAL_STEPS,
    _Q5_WARMUP_STEPS,
    _sample_examples,
)
from helpers.modeling import load_tokenizer

# --- q1: a collate function with dynamic padding ---------------------------------------


def _pad_batch(examples: list[dict[str, Any]], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Pad every example on the right to the longest of the batch; stack into tensors."""
    longest = max(len(example["input_ids"]) for example in examples)
    input_ids, attention_mask = [], []
    for example in examples:
        padding = longest - len(example["input_ids"])
        input_ids.append(list(example["input_ids"]) + [pad_token_id] * padding)
        attention_mask.append([1] * len(example["input_ids"]) + [0] * padding)
    return {
        "input_ids": torch.tensor(input_ids),  # (batch, longest)
        "attention_mask": torch.tensor(attention_mask),  # (batch, longest)
        "labels": torch.tensor([example["labels"] for example in examples]),  # (batch,)
    }


def _same_batch(result: Any, expected: dict[str, torch.Tensor]) -> bool:
    return set(result) == set(expected) and all(
        isinstance(result[name], torch.Tensor)
        and result[name].shape == expected[name].shape
        and torch.equal(result[name].long(), expected[name])
        for name in expected
    )


def _example(*input_ids: int, label: int = 0) -> dict[str, Any]:
    return {"input_ids": list(input_ids), "attention_mask": [1] * len(input_ids), "labels": label}


def _collate_case(name: str, examples: list[dict[str, Any]], pad_token_id: int) -> Case:
    return Case(name, (examples, pad_token_id), _pad_batch(examples, pad_token_id))


_COLLATE_CASES = (
    _collate_case("the example", _sample_examples(), 0),
    _collate_case("one example", [_example(101, 7592, 102, label=1)], 0),
    _collate_case("all the same length", [_example(1, 2, 3), _example(4, 5, 6, label=1)], 0),
    _collate_case("the longest comes last", [_example(5), _example(6, 7), _example(8, 9, 10)], 0),
    _collate_case("a padding id that is not 0", [_example(1, 2, 3, 4), _example(9, label=1)], 5),
    _collate_case("three classes", [_example(3, label=2), _example(4, 4, label=1)], 0),
)


def _diagnose_collate(answer: Callable[..., dict[str, Any]]) -> str | Credit | None:
    batch = answer(_sample_examples(), 0)
    expected = _pad_batch(_sample_examples(), 0)
    if torch.equal(batch["input_ids"].long(), expected["input_ids"].flip(-1)) or torch.equal(
        batch["attention_mask"].long(), expected["attention_mask"].flip(-1)
    ):
        return "BERT's tokenizer pads on the right: real tokens first, then the padding."
    if torch.equal(batch["attention_mask"].long(), 1 - expected["attention_mask"]):
        return "the attention mask is 1 at real tokens and 0 at padding, not the other way round."
    if _same_batch(batch, expected) and not _same_batch(
        answer([_example(1, 2), _example(3)], 5), _pad_batch([_example(1, 2), _example(3)], 5)
    ):
        return Credit("pad with pad_token_id, the argument, not a fixed number.", 0.5)
    return None


q1 = Key(
    cases=_COLLATE_CASES,
    compare=_same_batch,
    diagnose=_diagnose_collate,
    solution_text=(
        "def pad_batch(examples, pad_token_id):\n"
        "    longest = max(len(example['input_ids']) for example in examples)\n"
        "    input_ids, attention_mask = [], []\n"
        "    for example in examples:\n"
        "        padding = longest - len(example['input_ids'])\n"
        "        input_ids.append(example['input_ids'] + [pad_token_id] * padding)\n"
        "        attention_mask.append([1] * len(example['input_ids']) + [0] * padding)\n"
        "    labels = [example['labels'] for example in examples]\n"
        "    return {'input_ids': torch.tensor(input_ids),\n"
        "            'attention_mask': torch.tensor(attention_mask),\n"
        "            'labels': torch.tensor(labels)}\n"
        "transformers' DataCollatorWithPadding, which the course's make_collate returns, does the "
        "same through the tokenizer's pad method."
    ),
    solution_cell=(
        "def pad_batch(examples: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:\n"
        '    longest = max(len(example["input_ids"]) for example in examples)\n'
        "    input_ids, attention_mask = [], []\n"
        "    for example in examples:\n"
        '        padding = longest - len(example["input_ids"])\n'
        '        input_ids.append(example["input_ids"] + [pad_token_id] * padding)\n'
        '        attention_mask.append([1] * len(example["input_ids"]) + [0] * padding)\n'
        "    return {\n"
        '        "input_ids": torch.tensor(input_ids),\n'
        '        "attention_mask": torch.tensor(attention_mask),\n'
        '        "labels": torch.tensor([example["labels"] for example in examples]),\n'
        "    }\n\n\n"
        "nb05.q1.check(pad_batch)"
    ),
)

# --- q2: the padding share you measured -------------------------------------------------


def _share_of_padding(lengths: list[int], batches: list[list[int]]) -> float:
    real = sum(lengths[index] for batch in batches for index in batch)
    padded = sum(len(batch) * max(lengths[index] for index in batch) for batch in batches)
    return 1 - real / padded


@cache
def _padding_shares() -> dict[str, float]:
    """Return part A's three padding shares, recomputed as its cell computes them."""
    train = SentimentDataset.from_split(load_sample().train, load_tokenizer(), max_length=512)
    lengths = list(train.lengths)
    return {
        "pad to the longest": 1 - sum(lengths) / (len(lengths) * max(lengths)),
        "random batches": _share_of_padding(
            lengths, list(LengthGroupedBatches(lengths, 32, group_by_length=False))
        ),
        "length-grouped": _share_of_padding(
            lengths, list(LengthGroupedBatches(lengths, 32, group_by_length=True))
        ),
    }


def _is_measured_share(answer: Any) -> bool:
    return abs(float(answer) - _padding_shares()["length-grouped"]) < 0.0015


def _diagnose_measured_share(answer: Any) -> str | None:
    value, shares = float(answer), _padding_shares()
    if abs(value - shares["random batches"]) < 0.0015:
        return (
            "that is the share of dynamic padding with random batches; the question asks for "
            "length-grouped batches."
        )
    if abs(value - shares["pad to the longest"]) < 0.0015:
        return "that is the share of padding every review to the dataset's longest."
    if abs(value / 100 - shares["length-grouped"]) < 0.0015:
        return "that is a percentage; give the fraction (divide by 100)."
    return None


q2 = Key(
    is_correct=_is_measured_share,
    diagnose=_diagnose_measured_share,
    solution_text=(
        "answer = padding_share(loaders['dynamic padding, length-grouped'])\n"
        "The three shares fall from padding to the dataset's longest, through dynamic padding "
        "of random batches, to length-grouped batches, which leave only a few percent."
    ),
    solution_cell=(
        'answer = padding_share(loaders["dynamic padding, length-grouped"])\nnb05.q2.check(answer)'
    ),
)

# --- q3: optimizer steps ----------------------------------------------------------------

_Q3_STEPS = math.ceil(_Q3_EXAMPLES / _Q3_BATCH_SIZE) * _Q3_EPOCHS  # 1042 * 3 = 3126


def _is_steps(answer: Any) -> bool:
    return float(answer) == _Q3_STEPS


def _diagnose_steps(answer: Any) -> str | None:
    value = float(answer)
    per_epoch = math.ceil(_Q3_EXAMPLES / _Q3_BATCH_SIZE)
    if value == per_epoch:
        return "that is one epoch; the run has three."
    if value == (_Q3_EXAMPLES // _Q3_BATCH_SIZE) * _Q3_EPOCHS:
        return "the last, smaller batch of each epoch is still a batch: round up, not down."
    return None


q3 = Key(
    is_correct=_is_steps,
    diagnose=_diagnose_steps,
    solution_text=(
        "answer = math.ceil(25_000 / 24) * 3  # 1042 batches per epoch, 3126 steps\n"
        "The learning-rate schedule needs this number: it decays to zero at the last step."
    ),
    solution_cell="answer = -(-25_000 // 24) * 3\nnb05.q3.check(answer)",
)

# --- q4: choose the precision from the compute capability -------------------------------

_Q4_CASES = {(6, 1): "fp16", (7, 0): "fp16", (7, 5): "fp16", (8, 0): "bf16", (8, 6): "bf16"}
_Q4_CASES |= {(8, 9): "bf16", (9, 0): "bf16", (10, 0): "bf16"}
_Q4_NAMES = {(6, 1): "Pascal", (7, 0): "Volta", (7, 5): "Turing (T4)", (8, 0): "Ampere (A100)"}
_Q4_NAMES |= {(8, 6): "Ampere (RTX 30)", (8, 9): "Ada", (9, 0): "Hopper", (10, 0): "Blackwell"}


def _diagnose_precision_rule(answer: Callable[[tuple[int, int]], str]) -> str | None:
    result = answer((7, 5))
    if result not in ("bf16", "fp16"):
        return None  # the public form check says it
    if result == "bf16":
        return (
            "a T4 (7, 5) gets 'bf16' from your rule. torch.cuda.is_bf16_supported() says True "
            "there, but bf16 is emulated below compute capability 8.0: use 'fp16'."
        )
    wrong = [cap for cap, expected in _Q4_CASES.items() if answer(cap) != expected]
    return f"your rule gives the wrong answer for compute capabilities {wrong}." if wrong else None


q4 = Key(
    cases=tuple(
        Case(f"{_Q4_NAMES[capability]} {capability}", (capability,), expected)
        for capability, expected in _Q4_CASES.items()
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
        "nb05.q4.check(precision_for)"
    ),
)

# --- q5: the learning rate under warmup and linear decay --------------------------------


def _linear_schedule(step: int, peak: float, warmup: int, total: int) -> float:
    """Return the learning rate at `step`: up linearly for `warmup` steps, then down to zero."""
    if step < warmup:
        return peak * step / warmup
    return peak * max(0.0, (total - step) / (total - warmup))


_Q5_RATE = _linear_schedule(_Q5_STEP, _Q5_PEAK, _Q5_WARMUP_STEPS, _Q5_TOTAL_STEPS)  # 5e-6


def _is_rate(answer: Any) -> bool:
    return math.isclose(float(answer), _Q5_RATE)


def _diagnose_rate(answer: Any) -> str | None:
    value = float(answer)
    if math.isclose(value, _Q5_PEAK * (1 - _Q5_STEP / _Q5_TOTAL_STEPS), rel_tol=1e-3):
        return (
            "the decay starts after the warmup, at step 100, not at step 0: it covers the "
            "remaining 900 steps."
        )
    if math.isclose(value, _Q5_PEAK - _Q5_RATE, rel_tol=1e-3):
        return "that is how much the rate has dropped; give the rate itself."
    return None


q5 = Key(
    is_correct=_is_rate,
    diagnose=_diagnose_rate,
    solution_text=(
        "answer = 2e-5 * (1000 - 775) / (1000 - 100)  # = 5e-6\n"
        "transformers' get_linear_schedule_with_warmup computes exactly this; the course's loop "
        "uses it with a warmup of 10% of the steps."
    ),
    solution_cell="answer = 2e-5 * (1000 - 775) / (1000 - 100)\nnb05.q5.check(answer)",
)
