"""Rows of the exercise table for notebook 05."""

import math

import torch
from transformers import get_linear_schedule_with_warmup

from helpers.data import LengthGroupedBatches, SentimentDataset, load_sample, make_collate
from helpers.exercises import nb05

from .common import Computed, course_tokenizer, unfinished


def pad_batch(examples: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Dynamic padding written with torch: a full tensor of padding, then each row copied in."""
    longest = max(len(example["input_ids"]) for example in examples)
    input_ids = torch.full((len(examples), longest), pad_token_id)
    attention_mask = torch.zeros(len(examples), longest, dtype=torch.long)
    for row, example in enumerate(examples):
        input_ids[row, : len(example["input_ids"])] = torch.tensor(example["input_ids"])
        attention_mask[row, : len(example["input_ids"])] = 1
    labels = torch.tensor([example["labels"] for example in examples])
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def pad_batch_on_the_left(examples: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Padding first, then the real tokens."""
    batch = pad_batch([{**e, "input_ids": e["input_ids"][::-1]} for e in examples], pad_token_id)
    return {**batch, "input_ids": batch["input_ids"].flip(-1), "attention_mask": batch["attention_mask"].flip(-1)}  # fmt: skip


def pad_batch_from_the_masks(examples: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Right answer that pads the attention masks the examples carry, with pad_sequence."""
    pad = torch.nn.utils.rnn.pad_sequence
    return {
        "input_ids": pad([torch.tensor(e["input_ids"]) for e in examples], True, pad_token_id),
        "attention_mask": pad([torch.tensor(e["attention_mask"]) for e in examples], True, 0),
        "labels": torch.tensor([e["labels"] for e in examples]),
    }


def pad_batch_with_zeros(examples: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Pads with 0 whatever pad_token_id says."""
    return pad_batch(examples, 0)


def pad_batch_mask_inverted(examples: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:
    """The attention mask marks the padding instead of the real tokens."""
    batch = pad_batch(examples, pad_token_id)
    return {**batch, "attention_mask": 1 - batch["attention_mask"]}


def measured_share(group_by_length: bool) -> float:
    """Return part A's padding share of batches of 32 training reviews, as its cell measures it."""
    dataset = SentimentDataset.from_split(load_sample().train, course_tokenizer(), max_length=512)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_sampler=LengthGroupedBatches(dataset.lengths, 32, group_by_length=group_by_length),
        collate_fn=make_collate(course_tokenizer()),
    )
    masks = [batch["attention_mask"] for batch in loader]
    return 1 - sum(mask.sum().item() for mask in masks) / sum(mask.numel() for mask in masks)


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
        [pad_batch, pad_batch_from_the_masks],
        [
            (unfinished, "returns None"),
            (pad_batch_on_the_left, "pads on the right"),
            (pad_batch_mask_inverted, "1 at real tokens"),
            (pad_batch_with_zeros, "pad_token_id, the argument"),
        ],
    ),
    (
        nb05.q2,
        [Computed(lambda: measured_share(True)), Computed(lambda: round(measured_share(True), 3))],
        [
            (Computed(lambda: measured_share(False)), "random batches"),
            (Computed(lambda: 100 * measured_share(True)), "percentage"),
        ],
    ),
    (
        nb05.q3,
        [math.ceil(25_000 / 24) * 3],  # 3126
        [((25_000 // 24) * 3, "round up"), (1042, "that is one epoch")],
    ),
    (
        nb05.q4,
        [precision_for],
        [(trusts_is_bf16_supported, "emulated"), (unfinished, "returns None")],
    ),
    (
        nb05.q5,
        [Computed(transformers_learning_rate), 5e-6],
        [(2e-5 * (1 - 775 / 1000), "starts after the warmup"), (2e-5, "that is the peak")],
    ),
]
