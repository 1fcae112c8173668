"""Every setting of a fine-tuning run, in one place: the dataclass, its presets, its flags.

`TrainConfig` is the single source. The command line (`python -m helpers.finetune`) builds
its flags from the fields below, with their help strings; notebook 05 and the benchmark
start from the same presets and change what they need with `dataclasses.replace`.
Used by notebooks 05 and 06, `helpers.training`, `helpers.finetune` and the benchmark.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def setting(default: Any, help: str, flag: str | None = None, **extra: Any) -> Any:
    """Return a dataclass field with its help text (and an optional short flag) for the CLI."""
    return field(default=default, metadata={"help": help, "flag": flag, **extra})


@dataclass
class TrainConfig:
    """How to train: the defaults suit BERT-base on sentiment (3 epochs, lr 5e-5, batch 32)."""

    epochs: int = setting(3, "passes over the training set")
    batch_size: int = setting(32, "examples per batch")
    learning_rate: float = setting(5e-5, "peak learning rate (after warmup)", flag="--lr")
    weight_decay: float = setting(0.01, "AdamW weight decay on weight matrices")
    warmup_fraction: float = setting(0.1, "share of the optimizer steps spent warming up")
    gradient_accumulation_steps: int = setting(1, "batches per optimizer step")
    max_grad_norm: float = setting(1.0, "clip gradients to this norm; 0 turns clipping off")
    precision: str = setting(
        "auto", "auto picks fp16, bf16 or fp32 for the device", choices=PRECISIONS
    )
    group_by_length: bool = setting(True, "batch texts of similar length (less padding)")
    early_stopping_patience: int = setting(
        2, "stop after this many epochs without a better validation accuracy; 0: never"
    )
    restore_best: bool = setting(True, "end with the best epoch's weights, not the last")
    eval_batch_size: int = setting(64, "examples per batch when evaluating")
    seed: int = setting(0, "seed for weights of the new head, dropout and batch order")
    output_dir: str | None = setting(
        None, "folder for checkpoints (and the command's metrics, model, plot)", flag="--output"
    )
    checkpoint_every_steps: int | None = setting(
        None, "also checkpoint every N optimizer steps (always at the end of an epoch)"
    )
    resume: bool = setting(False, "continue from the newest complete checkpoint in the output")
    progress: bool = setting(True, "show progress (bars in a terminal or notebook, lines in logs)")
    log_every_steps: int = setting(10, "read and show the loss every N optimizer steps")


# The course's main job: the embedded all-MiniLM-L6-v2 on the course's reviews. Chosen on the
# validation split (data/reviews/README.md): a small model wants a larger learning rate.
MAIN_JOB = TrainConfig(epochs=4, batch_size=16, learning_rate=1e-4, output_dir="runs/finetune")


def flag_name(item: dataclasses.Field) -> str:
    """Return the long flag of a field: `--batch-size` for `batch_size`."""
    return "--" + item.name.replace("_", "-")


def field_type(item: dataclasses.Field, owner: type) -> type:
    """Return the plain type of a field: `int` for `int | None`."""
    hint = typing.get_type_hints(owner)[item.name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return next(arg for arg in typing.get_args(hint) if arg is not type(None))
    return hint


def add_flags(parser: argparse.ArgumentParser, owner: type, defaults: Any) -> None:
    """Add one flag per field of the dataclass `owner`, defaulting to the values of `defaults`."""
    group = parser.add_argument_group(owner.__name__, owner.__doc__)
    for item in dataclasses.fields(owner):
        default = getattr(defaults, item.name)
        names = [flag_name(item)] + ([item.metadata["flag"]] if item.metadata.get("flag") else [])
        kind = field_type(item, owner)
        help_text = item.metadata.get("help", "")
        if kind is bool:
            group.add_argument(
                *names, dest=item.name, default=default, action=argparse.BooleanOptionalAction,
                help=help_text,
            )  # fmt: skip
            continue
        group.add_argument(
            *names, dest=item.name, type=kind, default=default,
            choices=item.metadata.get("choices"), help=f"{help_text} (default: {default})",
        )  # fmt: skip


def from_flags(owner: type, args: argparse.Namespace) -> Any:
    """Return the dataclass `owner` filled from parsed flags added by `add_flags`."""
    return owner(**{item.name: getattr(args, item.name) for item in dataclasses.fields(owner)})
