"""Where the time of one helpers training step goes: torch.profiler over a few real steps.

Runs `helpers.training.train_classifier` on the benchmark's data (all-MiniLM-L6-v2, SST-2
rows, batch 32) and stops it after a few steps; labelled ranges split each step into
collate, forward, backward, gradient clipping, optimizer, scheduler and the rest (Python,
accelerate and logging overhead). Prints the breakdown; `--trace FILE` also writes a
Chrome trace. Usage: `python benchmarks/profile_helpers.py [--steps 8] [--rows 2000]`.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("COURSE_OFFLINE", "1")

import torch  # noqa: E402
from accelerate import Accelerator  # noqa: E402
from accelerate.scheduler import AcceleratedScheduler  # noqa: E402
from torch.profiler import ProfilerActivity, profile, record_function, schedule  # noqa: E402
from transformers import set_seed  # noqa: E402

import helpers.data as data  # noqa: E402
from helpers.assets import shared_sst2_dir  # noqa: E402
from helpers.data import SentimentDataset, load_dataset_splits  # noqa: E402
from helpers.modeling import load_classifier  # noqa: E402
from helpers.settings import TrainConfig  # noqa: E402
from helpers.training import train_classifier  # noqa: E402

PARTS = ("collate", "forward", "backward", "clip", "optimizer", "scheduler", "zero_grad")
MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::_scaled_dot_product")


def labelled(name: str, function):
    """Return `function` wrapped in a profiler range named '## name'."""

    @functools.wraps(function)  # accelerate inspects zero_grad's signature
    def wrapper(*args, **kwargs):
        with record_function(f"## {name}"):
            return function(*args, **kwargs)

    return wrapper


def label_library_calls() -> None:
    """Wrap the calls the helpers' training step makes in labelled profiler ranges."""
    Accelerator.backward = labelled("backward", Accelerator.backward)
    Accelerator.clip_grad_norm_ = labelled("clip", Accelerator.clip_grad_norm_)
    AcceleratedScheduler.step = labelled("scheduler", AcceleratedScheduler.step)
    make_collate = data.make_collate  # helpers.data.make_loader builds the collate with it
    data.make_collate = lambda tokenizer: labelled("collate", make_collate(tokenizer))


class EnoughSteps(Exception):
    """Raised from the step hook to stop the run once the profiled steps are done."""


def stop_after(steps: int) -> Callable[[int], None]:
    """Return an `on_step` callback that stops training after `steps` optimizer steps."""

    def on_step(global_step: int) -> None:
        if global_step >= steps:
            raise EnoughSteps(f"stopped after {global_step} steps, as asked")

    return on_step


class StepMarker:
    """Forward hooks: label the forward pass and tell the profiler when a new step starts."""

    def __init__(self, profiler) -> None:
        self.profiler = profiler
        self.range = None
        self.started = None
        self.step_seconds: list[float] = []

    def before(self, module, args, kwargs) -> None:
        if not module.training:
            return
        now = time.perf_counter()
        if self.started is not None:
            self.step_seconds.append(now - self.started)
        self.started = now
        self.profiler.step()
        self.range = record_function("## forward")
        self.range.__enter__()

    def after(self, module, args, kwargs, output) -> None:
        if module.training and self.range is not None:
            self.range.__exit__(None, None, None)
            self.range = None


def wrap_optimizer_parts(optimizer_class) -> None:
    """Label AdamW's step and zero_grad (accelerate's optimizer wrapper calls them)."""
    optimizer_class.step = labelled("optimizer", optimizer_class.step)
    optimizer_class.zero_grad = labelled("zero_grad", optimizer_class.zero_grad)


def breakdown(profiler, steps: int) -> dict[str, float]:
    """Return milliseconds per step of each labelled part, the matmuls and the rest."""
    events = profiler.key_averages()
    totals = {name: 0.0 for name in PARTS}
    step_total, matmul = 0.0, 0.0
    for event in events:
        if event.key.startswith("## ") and event.key[3:] in totals:
            totals[event.key[3:]] += event.cpu_time_total / 1000
        elif event.key.startswith("ProfilerStep"):
            step_total += event.cpu_time_total / 1000
        if event.key.startswith(MATMUL_OPS):
            matmul += event.self_cpu_time_total / 1000
    per_step = {name: value / steps for name, value in totals.items()}
    per_step["other (Python, accelerate, logging)"] = (step_total - sum(totals.values())) / steps
    per_step["step (profiler's total)"] = step_total / steps
    per_step["of which matmuls (mm, addmm, bmm, sdpa)"] = matmul / steps
    return per_step


def parse_args() -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8, help="profiled steps (after 3 warm-up)")
    parser.add_argument("--rows", type=int, default=2000, help="SST-2 training rows")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--trace", type=Path, help="also write a Chrome trace here")
    return parser.parse_args()


def main() -> int:
    """Profile a few helpers training steps and print where the time goes."""
    args = parse_args()
    sst2 = shared_sst2_dir()
    if sst2 is None or not (sst2 / "dev.tsv").is_file():
        print("../shared/data/sst2 beside the checkout is absent; nothing done.")
        return 0
    label_library_calls()
    wrap_optimizer_parts(torch.optim.AdamW)
    splits = load_dataset_splits(
        train=sst2 / "train.tsv",
        validation=sst2 / "dev.tsv",
        max_train_examples=args.rows,
        seed=0,
    )
    set_seed(0)
    tokenizer, model = load_classifier(None, ["negative", "positive"])
    train = SentimentDataset.from_split(splits.train, tokenizer, args.max_length)
    validation = SentimentDataset.from_split(splits.validation.subset(range(64)), tokenizer)
    warmup = 3
    config = replace(TrainConfig(), epochs=1, progress=False, output_dir=None)
    plan = schedule(wait=warmup - 1, warmup=1, active=args.steps, repeat=1)
    with profile(activities=[ProfilerActivity.CPU], schedule=plan) as profiler:
        marker = StepMarker(profiler)
        model.register_forward_pre_hook(marker.before, with_kwargs=True)
        model.register_forward_hook(marker.after, with_kwargs=True)
        try:
            on_step = stop_after(warmup + args.steps + 1)
            train_classifier(model, tokenizer, train, validation, config, on_step=on_step)
        except EnoughSteps:
            pass
    print(f"torch threads {torch.get_num_threads()}, load average {os.getloadavg()}")
    wall = marker.step_seconds[warmup:]
    print(f"wall seconds per step (profiled steps): {sum(wall) / max(1, len(wall)):.3f}")
    parts = breakdown(profiler, args.steps)
    step = parts["step (profiler's total)"] or 1.0
    for name, value in parts.items():
        print(f"{name:<42} {value:9.1f} ms  {value / step:6.1%}")
    print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
    if args.trace:
        profiler.export_chrome_trace(str(args.trace))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
