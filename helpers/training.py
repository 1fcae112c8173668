"""The course's training loop: accelerate, mixed precision, schedule, checkpoints, early stopping.

Used by notebooks 05 and 06 and by `python -m helpers.finetune`. The settings are
`helpers.settings.TrainConfig`; checkpoints are written by `helpers.checkpoints`; every
score comes from `helpers.evaluation.evaluate`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from torch.utils.data import DataLoader
from transformers import (
    PreTrainedModel,
    PreTrainedTokenizerBase,
    get_linear_schedule_with_warmup,
    set_seed,
)

from helpers.checkpoints import (
    CheckpointError,
    latest_checkpoint,
    load_best,
    load_checkpoint,
    save_best,
    save_checkpoint,
)
from helpers.data import LengthGroupedBatches, SentimentDataset, make_loader
from helpers.environment import pick_device, precision_and_reason
from helpers.evaluation import Evaluation, evaluate
from helpers.history import EpochRecord, History
from helpers.modeling import model_fingerprint
from helpers.progress import progress_bar
from helpers.settings import TrainConfig

ACCELERATE_PRECISION = {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}
# A resume restores the optimizer and the scheduler as saved: a new learning rate or weight
# decay would be ignored, and a new warmup would bend the schedule mid-run. None may change.
SCHEDULE_KEYS = (
    "epochs",
    "batch_size",
    "gradient_accumulation_steps",
    "group_by_length",
    "seed",
    "learning_rate",
    "weight_decay",
    "warmup_fraction",
)

__all__ = ["TrainConfig", "TrainResult", "train_classifier"]


@dataclass
class Progress:
    """Where a run stands; saved in every checkpoint and restored on resume."""

    epoch: int = 0
    batches_done: int = 0  # batches of the current epoch already trained on, all processes
    global_step: int = 0
    train_seconds: float = 0.0
    tokens: int = 0  # non-padding training tokens
    epoch_loss_sum: float = 0.0
    epoch_loss_count: int = 0
    stopped_early: bool = False


@dataclass
class BestWeights:
    """The best validation accuracy so far, the weights that reached it, and patience used."""

    accuracy: float = -1.0
    epochs_without_improvement: int = 0
    weights: dict[str, torch.Tensor] | None = field(default=None, repr=False)
    evaluation: Evaluation | None = field(default=None, repr=False)

    def offer(self, evaluation: Evaluation, model: torch.nn.Module) -> bool:
        """Keep `model`'s weights if `evaluation` beats the best so far; True if it did."""
        if evaluation.accuracy <= self.accuracy:
            self.epochs_without_improvement += 1
            return False
        self.accuracy, self.epochs_without_improvement = evaluation.accuracy, 0
        self.weights = {
            name: tensor.detach().to("cpu", copy=True)
            for name, tensor in model.state_dict().items()
        }
        self.evaluation = evaluation
        return True

    def counters(self) -> dict[str, float]:
        """Return what a checkpoint saves besides the weights."""
        return {
            "accuracy": self.accuracy,
            "epochs_without_improvement": self.epochs_without_improvement,
        }


@dataclass
class TrainResult:
    """What a run produced: its history, the final validation scores and the training cost."""

    history: History
    precision: str
    precision_reason: str
    train_seconds: float
    train_tokens: int
    optimizer_steps: int
    stopped_early: bool
    validation: Evaluation | None  # of the weights the model ends with; None if no epoch ran

    @property
    def tokens_per_second(self) -> float:
        """Non-padding training tokens per second of training time."""
        return self.train_tokens / self.train_seconds if self.train_seconds else 0.0


@dataclass
class Run:
    """The parts of one training run that the steps below read and change."""

    config: TrainConfig
    accelerator: Accelerator
    precision: str
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    batches: LengthGroupedBatches
    checkpoint_root: Path | None
    on_step: Callable[[int], None] | None = None
    progress: Progress = field(default_factory=Progress)
    best: BestWeights = field(default_factory=BestWeights)
    history: History = field(default_factory=History)
    last_evaluation: Evaluation | None = None

    @property
    def unwrapped(self) -> torch.nn.Module:
        """The model without accelerate's wrappers (what checkpoints store)."""
        return self.accelerator.unwrap_model(self.model)


# ------------------------------------------------------------------------------- set-up


def forget_previous_precision() -> None:
    """Let a notebook train again with another precision in the same kernel."""
    # accelerate keeps one process-wide state and refuses a second precision in it; it has no
    # public way to start afresh, so we reset it as accelerate's own tests do (one process only).
    state = AcceleratorState._shared_state
    if state and state.get("_mixed_precision") is not None and state.get("num_processes", 1) == 1:
        AcceleratorState._reset_state(reset_partial_state=True)


def make_accelerator(config: TrainConfig) -> tuple[Accelerator, str, str]:
    """Return an Accelerator with this run's precision, the precision's name, and why."""
    forget_previous_precision()
    precision, reason = precision_and_reason(pick_device(), config.precision)
    if precision == "fp16" and not torch.cuda.is_available():
        raise ValueError(
            "fp16 training needs a CUDA GPU; use --precision bf16 or fp32 on this machine."
        )
    accelerator = Accelerator(
        mixed_precision=ACCELERATE_PRECISION[precision],
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        rng_types=[],  # our batches have their own generator; keep global RNG untouched
    )
    return accelerator, precision, reason


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """Return AdamW with weight decay on weight matrices only (not biases or LayerNorm)."""
    decay, no_decay = [], []
    for parameter in model.parameters():
        if parameter.requires_grad:
            (no_decay if parameter.ndim < 2 else decay).append(parameter)
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    device = next(model.parameters()).device
    fused = device.type in ("cuda", "cpu")  # one kernel per step instead of one per tensor
    return torch.optim.AdamW(groups, lr=config.learning_rate, fused=fused)


def count_optimizer_steps(train_loader: DataLoader, config: TrainConfig) -> int:
    """Return the optimizer steps of the whole run."""
    return math.ceil(len(train_loader) / config.gradient_accumulation_steps) * config.epochs


def prepare_run(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_dataset: SentimentDataset,
    validation_dataset: SentimentDataset,
    config: TrainConfig,
) -> tuple[Run, DataLoader, DataLoader, str]:
    """Return the run's parts, its training and validation loaders, and the precision's reason."""
    set_seed(config.seed)
    accelerator, precision, reason = make_accelerator(config)
    train_loader = make_loader(
        train_dataset, tokenizer, config.batch_size, True, config.group_by_length, config.seed
    )
    eval_loader = make_loader(validation_dataset, tokenizer, config.eval_batch_size)
    batches = train_loader.batch_sampler
    total_steps = count_optimizer_steps(train_loader, config)
    model.to(accelerator.device)
    optimizer = make_optimizer(model, config)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, round(config.warmup_fraction * total_steps), total_steps
    )
    model, optimizer, train_loader, eval_loader, scheduler = accelerator.prepare(
        model, optimizer, train_loader, eval_loader, scheduler
    )
    root = Path(config.output_dir) / "checkpoints" if config.output_dir else None
    run = Run(config, accelerator, precision, model, optimizer, scheduler, batches, root)
    return run, train_loader, eval_loader, reason


# --------------------------------------------------------------------------- checkpoints


def schedule_settings(run: Run) -> dict[str, object]:
    """Return the settings a resumed run must share with the run it continues."""
    settings = {key: getattr(run.config, key) for key in SCHEDULE_KEYS}
    settings["examples"] = len(run.batches.lengths)
    return settings


def checkpoint_state(run: Run) -> dict[str, object]:
    """Return the JSON-ready state a checkpoint needs besides the tensors."""
    scaler = run.accelerator.scaler
    return {
        "progress": asdict(run.progress),
        "best": run.best.counters(),
        "scheduler": run.scheduler.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
        "history": asdict(run.history),
        "fingerprint": model_fingerprint(run.unwrapped),
        "schedule": schedule_settings(run),
        "config": asdict(run.config),
    }


def save(run: Run) -> None:
    """Write a checkpoint and the best weights (main process only), if the run has a folder."""
    if run.checkpoint_root is None:
        return
    run.accelerator.wait_for_everyone()
    if run.accelerator.is_main_process:
        if run.best.weights is not None:  # first: the checkpoint's counters refer to these
            save_best(run.checkpoint_root, run.best.weights)
        save_checkpoint(
            run.checkpoint_root,
            run.progress.global_step,
            run.unwrapped,
            run.optimizer,
            checkpoint_state(run),
        )
    run.accelerator.wait_for_everyone()


def refuse_changed_settings(folder: Path, saved: dict, settings: dict[str, object]) -> None:
    """Raise CheckpointError when a resume would continue with another schedule or data."""
    changed = {  # only what the checkpoint recorded: an older one lacks the newer keys
        key: (saved[key], value)
        for key, value in settings.items()
        if key in saved and saved[key] != value
    }
    if changed:
        details = ", ".join(f"{key} was {old}, now {new}" for key, (old, new) in changed.items())
        raise CheckpointError(
            f"{folder}: cannot resume with different settings ({details}). Resume with the "
            "original settings, or choose a new --output folder to start afresh."
        )


def restore(run: Run, folder: Path) -> None:
    """Put the state saved in checkpoint `folder` back into the run."""
    state = load_checkpoint(folder, run.unwrapped, run.optimizer, model_fingerprint(run.unwrapped))
    if "progress" not in state:
        raise CheckpointError(
            f"{folder}: written by an older version of the course. Choose a new --output "
            "folder to start afresh."
        )
    refuse_changed_settings(folder, state.get("schedule", {}), schedule_settings(run))
    run.scheduler.load_state_dict(state["scheduler"])
    if state["scaler"] is not None and run.accelerator.scaler is not None:
        run.accelerator.scaler.load_state_dict(state["scaler"])
    run.progress = Progress(**state["progress"])
    run.best = BestWeights(**state["best"], weights=load_best(run.checkpoint_root))
    run.history = History.from_dict(state["history"])


def resume_if_asked(run: Run) -> None:
    """Continue from the newest complete checkpoint when `resume` is set and one exists."""
    if not (run.config.resume and run.checkpoint_root):
        return
    folder = latest_checkpoint(run.checkpoint_root)
    if folder is None:
        run.accelerator.print(f"No checkpoint in {run.checkpoint_root}: starting from scratch.")
        return
    restore(run, folder)
    where = (
        "training had already finished"
        if run.progress.epoch >= run.config.epochs or run.progress.stopped_early
        else f"epoch {run.progress.epoch + 1}, {run.progress.batches_done} batches done"
    )
    run.accelerator.print(f"Resumed from {folder}: {where}.")


# ------------------------------------------------------------------------------ the loop


def training_step(run: Run, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Forward, backward and (every `gradient_accumulation_steps` batches) an update."""
    with run.accelerator.accumulate(run.model):
        loss = run.model(**batch).loss
        run.accelerator.backward(loss)
        if run.accelerator.sync_gradients and run.config.max_grad_norm:
            run.accelerator.clip_grad_norm_(run.model.parameters(), run.config.max_grad_norm)
        run.optimizer.step()
        run.scheduler.step()
        run.optimizer.zero_grad(set_to_none=True)
    return loss


def elapsed(run: Run, started: float) -> float:
    """Return the seconds since `started`, after the device has finished its work."""
    if run.accelerator.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def is_log_step(run: Run) -> bool:
    """Return True at the steps where the loss is read, shown and possibly checkpointed."""
    step, every = run.progress.global_step, run.config.checkpoint_every_steps
    return (
        step % run.config.log_every_steps == 0
        or run.progress.batches_done >= len(run.batches)
        or bool(every and step % every == 0)
    )


def log_loss(run: Run, running_loss: torch.Tensor, batches: int, bar: object) -> None:
    """Record the mean loss of the batches since the last log, and show it."""
    loss = float(run.accelerator.reduce(running_loss, reduction="mean")) / batches
    run.history.log_step(run.progress.global_step, loss)
    run.progress.epoch_loss_sum += loss * batches
    run.progress.epoch_loss_count += batches
    bar.set_postfix(loss=f"{loss:.4f}")


def epoch_batches(run: Run, epoch: int, train_loader: DataLoader) -> DataLoader:
    """Return this epoch's loader, without the batches a resumed run already trained on."""
    run.batches.start_epoch(epoch)
    done_here = run.progress.batches_done // run.accelerator.num_processes
    return (
        run.accelerator.skip_first_batches(train_loader, done_here) if done_here else train_loader
    )


def train_epoch(run: Run, epoch: int, train_loader: DataLoader) -> None:
    """Train one epoch, or its remainder after a resume."""
    progress, processes = run.progress, run.accelerator.num_processes
    progress.epoch = epoch
    run.model.train()
    loader = epoch_batches(run, epoch, train_loader)
    enabled = run.config.progress and run.accelerator.is_local_main_process
    bar = progress_bar(
        len(train_loader), progress.batches_done // processes,
        f"epoch {epoch + 1}/{run.config.epochs}", enabled,
    )  # fmt: skip
    running_loss = torch.zeros((), device=run.accelerator.device)
    tokens = torch.zeros((), dtype=torch.long, device=run.accelerator.device)
    since_log, started = 0, time.perf_counter()
    for batch in loader:
        running_loss += training_step(run, batch).detach()  # stays on the device: no sync
        tokens += batch["attention_mask"].sum()
        since_log += 1
        progress.batches_done += processes
        bar.update(1)
        if not run.accelerator.sync_gradients:
            continue
        progress.global_step += 1
        if is_log_step(run):
            progress.train_seconds += elapsed(run, started)
            progress.tokens += int(run.accelerator.reduce(tokens, reduction="sum"))
            log_loss(run, running_loss, since_log, bar)
            running_loss.zero_(), tokens.zero_()
            since_log = 0
            maybe_checkpoint(run)
            started = time.perf_counter()
        if run.on_step is not None:
            run.on_step(progress.global_step)
    progress.train_seconds += elapsed(run, started)
    progress.tokens += int(run.accelerator.reduce(tokens, reduction="sum"))
    bar.close()


def maybe_checkpoint(run: Run) -> None:
    """Write a checkpoint every `checkpoint_every_steps` optimizer steps."""
    every = run.config.checkpoint_every_steps
    if every and run.progress.global_step % every == 0:
        save(run)


def record_epoch(run: Run, epoch: int, evaluation: Evaluation) -> EpochRecord:
    """Log and print the epoch's training loss and validation scores."""
    progress = run.progress
    record = EpochRecord(
        epoch=epoch + 1,
        train_loss=progress.epoch_loss_sum / max(1, progress.epoch_loss_count),
        validation_loss=evaluation.loss,
        validation_accuracy=evaluation.accuracy,
        validation_f1=evaluation.f1,
        train_seconds=progress.train_seconds,
    )
    run.history.log_epoch(record)
    run.accelerator.print(
        f"epoch {record.epoch}: train loss {record.train_loss:.4f}, validation loss "
        f"{record.validation_loss:.4f}, accuracy {record.validation_accuracy:.2%}, "
        f"F1 {record.validation_f1:.4f}"
    )
    return record


def should_stop_early(run: Run, epoch: int) -> bool:
    """Return True when patience has run out and epochs remain (stopping at the end is not early)."""
    patience = run.config.early_stopping_patience
    epochs_left = epoch + 1 < run.config.epochs
    return bool(patience) and epochs_left and run.best.epochs_without_improvement >= patience


def end_epoch(run: Run, epoch: int, eval_loader: DataLoader) -> bool:
    """Evaluate, keep the best weights, checkpoint; True when early stopping ends the run."""
    evaluation = evaluate(run.model, eval_loader, run.precision, run.accelerator)
    run.last_evaluation = evaluation
    record_epoch(run, epoch, evaluation)
    run.best.offer(evaluation, run.unwrapped)
    stop = run.progress.stopped_early = should_stop_early(run, epoch)
    run.progress.epoch, run.progress.batches_done = epoch + 1, 0
    run.progress.epoch_loss_sum, run.progress.epoch_loss_count = 0.0, 0
    save(run)
    if stop:
        run.accelerator.print(
            f"Early stopping: no better validation accuracy for "
            f"{run.config.early_stopping_patience} epochs."
        )
    return stop


def restore_best(run: Run) -> None:
    """Put the best epoch's weights back into the model."""
    if run.best.weights is None:
        return
    run.unwrapped.load_state_dict(run.best.weights)
    best = run.history.best_epoch()
    if best is not None:
        run.accelerator.print(
            f"Restored the best model: epoch {best.epoch}, accuracy {best.validation_accuracy:.2%}."
        )


def final_validation(run: Run, eval_loader: DataLoader) -> Evaluation | None:
    """Return the validation scores of the weights the run ends with."""
    if not run.history.epochs:
        return None
    if run.config.restore_best and run.best.weights is not None:
        if run.best.evaluation is None:  # resumed: checkpoints keep the weights, not the scores
            run.best.evaluation = evaluate(run.model, eval_loader, run.precision, run.accelerator)
        return run.best.evaluation
    if run.last_evaluation is None:  # resumed after the last epoch
        run.last_evaluation = evaluate(run.model, eval_loader, run.precision, run.accelerator)
    return run.last_evaluation


def train_classifier(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_dataset: SentimentDataset,
    validation_dataset: SentimentDataset,
    config: TrainConfig | None = None,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    """Fine-tune `model`; the best epoch's weights are restored at the end (if configured).

    `on_step(global_step)` is called after every optimizer step and any step checkpoint (at an
    epoch's last step: before the epoch's evaluation and checkpoint). Tests use it to interrupt
    a run at a chosen point.
    """
    config = config or TrainConfig()
    run, train_loader, eval_loader, reason = prepare_run(
        model, tokenizer, train_dataset, validation_dataset, config
    )
    run.on_step = on_step
    resume_if_asked(run)
    run.accelerator.print(
        f"Training on {run.accelerator.device} ({run.accelerator.num_processes} process(es)), "
        f"precision {run.precision} ({reason}): {len(train_dataset)} examples, "
        f"{config.epochs} epoch(s), {count_optimizer_steps(train_loader, config)} optimizer steps."
    )
    for epoch in range(run.progress.epoch, config.epochs):
        if run.progress.stopped_early:  # resumed after early stopping: nothing left to do
            break
        train_epoch(run, epoch, train_loader)
        if end_epoch(run, epoch, eval_loader):
            break
    if config.restore_best:
        restore_best(run)
    progress = run.progress
    return TrainResult(
        run.history, run.precision, reason, progress.train_seconds, progress.tokens,
        progress.global_step, progress.stopped_early, final_validation(run, eval_loader),
    )  # fmt: skip
