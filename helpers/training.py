"""The course's training loop: accelerate, mixed precision, schedule, checkpoints, early stopping."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from sklearn.metrics import accuracy_score, f1_score
from torch.utils.data import DataLoader
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase, get_linear_schedule_with_warmup

from helpers.checkpoints import (
    CheckpointError,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from helpers.data import BatchSampler, SentimentDataset, make_collate
from helpers.environment import choose_precision, pick_device, seed_everything
from helpers.history import EpochRecord, History
from helpers.modeling import model_fingerprint

ACCELERATE_PRECISION = {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}
LOG_EVERY_STEPS = 10  # reading the loss makes the GPU wait: do it every few steps only


class TrainingInterrupted(RuntimeError):
    """Training stopped before the end (see `stop_after_steps`); resume from the last checkpoint."""


@dataclass
class TrainConfig:
    """Settings of one fine-tuning run; the defaults suit BERT-style sentiment classifiers."""

    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    gradient_accumulation_steps: int = 1
    max_grad_norm: float = 1.0
    precision: str = "auto"  # auto, fp32, bf16 or fp16
    group_by_length: bool = True
    early_stopping_patience: int | None = 2  # epochs without a better validation accuracy
    restore_best: bool = True  # end with the weights of the best epoch, not the last
    eval_batch_size: int = 64
    seed: int = 0
    output_dir: str | None = None  # where checkpoints go; None keeps nothing on disk
    checkpoint_every_steps: int | None = None  # besides the end of every epoch
    resume: bool = False
    progress: bool = True
    stop_after_steps: int | None = None  # simulate a crash after this step (tests); None: never


@dataclass
class TrainResult:
    """What a run produced: its history and the measured training cost."""

    history: History
    precision: str
    train_seconds: float
    train_tokens: int
    optimizer_steps: int
    stopped_early: bool

    @property
    def tokens_per_second(self) -> float:
        """Non-padding training tokens per second of training time."""
        return self.train_tokens / self.train_seconds if self.train_seconds else 0.0


def make_accelerator(config: TrainConfig) -> tuple[Accelerator, str]:
    """Return an Accelerator with this run's precision, and the precision's name."""
    state = AcceleratorState._shared_state
    if state and state.get("_mixed_precision") is not None and state.get("num_processes", 1) == 1:
        # A notebook may train twice with different precisions: start from a clean state.
        AcceleratorState._reset_state(reset_partial_state=True)
    precision = choose_precision(pick_device(), config.precision)
    if precision == "fp16" and not torch.cuda.is_available():
        raise ValueError(
            "fp16 training needs a CUDA GPU; use --precision bf16 or fp32 on this machine."
        )
    accelerator = Accelerator(
        mixed_precision=ACCELERATE_PRECISION[precision],
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        rng_types=[],  # our batch sampler has its own generator; keep global RNG untouched
    )
    return accelerator, precision


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


def make_train_loader(
    dataset: SentimentDataset, tokenizer: PreTrainedTokenizerBase, config: TrainConfig
) -> tuple[DataLoader, BatchSampler]:
    """Return the training loader and its batch sampler (reproducible order per epoch)."""
    sampler = BatchSampler(
        dataset.lengths,
        config.batch_size,
        config.seed,
        shuffle=True,
        group_by_length=config.group_by_length,
    )
    loader = DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=make_collate(tokenizer),
        generator=torch.Generator().manual_seed(config.seed),
    )
    return loader, sampler


def make_eval_loader(
    dataset: SentimentDataset, tokenizer: PreTrainedTokenizerBase, batch_size: int
) -> DataLoader:
    """Return an evaluation loader: fixed order, batches of similar length."""
    sampler = BatchSampler(dataset.lengths, batch_size, shuffle=False, group_by_length=True)
    return DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=make_collate(tokenizer),
        generator=torch.Generator(),
    )


def classification_metrics(labels: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """Return accuracy and F1 (binary for two classes, macro-averaged for more)."""
    average = "binary" if max(labels.max(initial=0), predictions.max(initial=0)) <= 1 else "macro"
    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "f1": float(f1_score(labels, predictions, average=average, zero_division=0)),
    }


@torch.inference_mode()
def evaluate_model(
    model: torch.nn.Module, loader: DataLoader, accelerator: Accelerator
) -> dict[str, float]:
    """Return the loss, accuracy and F1 of `model` on every example of `loader`."""
    model.eval()
    all_logits, all_labels = [], []
    for batch in loader:
        with accelerator.autocast():
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits
        logits, labels = accelerator.gather_for_metrics((logits.float(), batch["labels"]))
        all_logits.append(logits.cpu())
        all_labels.append(labels.cpu())
    logits, labels = torch.cat(all_logits), torch.cat(all_labels)
    loss = torch.nn.functional.cross_entropy(logits, labels).item()
    metrics = classification_metrics(labels.numpy(), logits.argmax(dim=-1).numpy())
    return {"loss": loss, **metrics}


def copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Return a CPU copy of a model's weights (the best model so far)."""
    return {
        name: tensor.detach().to("cpu", copy=True) for name, tensor in model.state_dict().items()
    }


def train_classifier(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_dataset: SentimentDataset,
    validation_dataset: SentimentDataset,
    config: TrainConfig | None = None,
) -> TrainResult:
    """Fine-tune `model` and return its history; the best epoch's weights are restored at the end."""
    config = config or TrainConfig()
    seed_everything(config.seed)
    accelerator, precision = make_accelerator(config)
    train_loader, sampler = make_train_loader(train_dataset, tokenizer, config)
    eval_loader = make_eval_loader(validation_dataset, tokenizer, config.eval_batch_size)
    total_steps = math.ceil(len(train_loader) / config.gradient_accumulation_steps) * config.epochs
    model.to(accelerator.device)
    optimizer = make_optimizer(model, config)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, round(config.warmup_fraction * total_steps), total_steps
    )
    model, optimizer, train_loader, eval_loader, scheduler = accelerator.prepare(
        model, optimizer, train_loader, eval_loader, scheduler
    )
    run = RunState(config, accelerator, model, optimizer, scheduler, sampler)
    run.resume_if_asked()
    run.announce(precision, len(train_dataset), total_steps)
    for epoch in range(run.epoch, config.epochs):
        run.train_epoch(epoch, train_loader)
        if run.end_epoch(epoch, eval_loader):
            break
    if config.restore_best:
        run.restore_best()
    return TrainResult(
        run.history,
        precision,
        run.train_seconds,
        int(run.tokens),
        run.global_step,
        run.stopped_early,
    )


class RunState:
    """The moving parts of one training run, and the steps that change them."""

    def __init__(self, config, accelerator, model, optimizer, scheduler, sampler) -> None:
        self.config = config
        self.accelerator = accelerator
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.sampler = sampler
        self.unwrapped = accelerator.unwrap_model(model)
        self.fingerprint = model_fingerprint(self.unwrapped)
        self.checkpoint_root = (
            Path(config.output_dir) / "checkpoints" if config.output_dir else None
        )
        self.history = History()
        self.epoch = 0
        self.batches_done = 0  # global batches of the current epoch already trained on
        self.global_step = 0
        self.train_seconds = 0.0
        self.tokens = 0
        self.epoch_loss_sum = 0.0
        self.epoch_loss_count = 0
        self.best_accuracy = -1.0
        self.best_state: dict[str, torch.Tensor] | None = None
        self.epochs_without_improvement = 0
        self.stopped_early = False

    def announce(self, precision: str, examples: int, total_steps: int) -> None:
        """Print one line describing the run."""
        self.accelerator.print(
            f"Training on {self.accelerator.device} ({self.accelerator.num_processes} process(es)), "
            f"precision {precision}: {examples} examples, {self.config.epochs} epoch(s), "
            f"{total_steps} optimizer steps."
        )

    def snapshot(self) -> dict[str, object]:
        """Return the JSON-ready state a checkpoint needs besides tensors."""
        scaler = self.accelerator.scaler
        return {
            "epoch": self.epoch,
            "batches_done": self.batches_done,
            "global_step": self.global_step,
            "train_seconds": self.train_seconds,
            "tokens": int(self.tokens),
            "epoch_loss_sum": self.epoch_loss_sum,
            "epoch_loss_count": self.epoch_loss_count,
            "best_accuracy": self.best_accuracy,
            "epochs_without_improvement": self.epochs_without_improvement,
            "scheduler": self.scheduler.scheduler.state_dict(),
            "scaler": scaler.state_dict() if scaler is not None else None,
            "history": self.history.to_dict(),
            "fingerprint": self.fingerprint,
            "schedule": self.schedule_settings(),
            "config": asdict(self.config),
        }

    def schedule_settings(self) -> dict[str, object]:
        """Return the settings a resumed run must share with the run it continues."""
        keys = ("epochs", "batch_size", "gradient_accumulation_steps", "group_by_length", "seed")
        settings = {key: getattr(self.config, key) for key in keys}
        settings["examples"] = len(self.sampler.lengths)
        return settings

    def save(self) -> None:
        """Write a checkpoint (main process only), if this run has an output folder."""
        if self.checkpoint_root is None:
            return
        self.accelerator.wait_for_everyone()
        if self.accelerator.is_main_process:
            save_checkpoint(
                self.checkpoint_root, self.unwrapped, self.optimizer.optimizer, self.snapshot()
            )
            if self.best_state is not None:
                save_best(self.checkpoint_root, self.best_state)
        self.accelerator.wait_for_everyone()

    def resume_if_asked(self) -> None:
        """Load the latest checkpoint when `resume` is set and one exists."""
        if not (self.config.resume and self.checkpoint_root):
            return
        folder = latest_checkpoint(self.checkpoint_root)
        if folder is None:
            self.accelerator.print(
                f"No checkpoint in {self.checkpoint_root}: starting from scratch."
            )
            return
        state = load_checkpoint(folder, self.unwrapped, self.optimizer.optimizer, self.fingerprint)
        refuse_changed_settings(folder, state, self.schedule_settings())
        self.scheduler.scheduler.load_state_dict(state["scheduler"])
        if state["scaler"] is not None and self.accelerator.scaler is not None:
            self.accelerator.scaler.load_state_dict(state["scaler"])
        for name in (
            "epoch", "batches_done", "global_step", "train_seconds", "tokens", "epoch_loss_sum",
            "epoch_loss_count", "best_accuracy", "epochs_without_improvement",
        ):  # fmt: skip
            setattr(self, name, state[name])
        self.history = History.from_dict(state["history"])
        self.best_state = load_best(self.checkpoint_root)
        where = (
            "training had already finished"
            if self.epoch >= self.config.epochs
            else f"epoch {self.epoch + 1}, {self.batches_done} batches done"
        )
        self.accelerator.print(f"Resumed from {folder}: {where}.")

    def train_epoch(self, epoch: int, loader: DataLoader) -> None:
        """Train one epoch, or its remainder after a resume."""
        self.epoch = epoch
        self.model.train()
        self.sampler.start_epoch(epoch, skip_batches=self.batches_done)
        progress = tqdm(
            total=len(loader) + self.batches_done // self.accelerator.num_processes,
            initial=self.batches_done // self.accelerator.num_processes,
            desc=f"epoch {epoch + 1}/{self.config.epochs}",
            disable=not (self.config.progress and self.accelerator.is_local_main_process),
            leave=True,
        )
        running_loss = torch.zeros((), device=self.accelerator.device)
        tokens = torch.zeros((), dtype=torch.long, device=self.accelerator.device)
        batches_since_log = 0
        started = time.perf_counter()
        for batch in loader:
            loss = self.training_step(batch)
            running_loss += loss.detach()  # stays on the device: no sync per step
            tokens += batch["attention_mask"].sum()
            batches_since_log += 1
            self.batches_done += self.accelerator.num_processes
            progress.update(1)
            if not self.accelerator.sync_gradients:
                continue
            self.global_step += 1
            if self.config.stop_after_steps and self.global_step >= self.config.stop_after_steps:
                progress.close()
                raise TrainingInterrupted(f"stopped after {self.global_step} steps, as asked")
            if self.should_log():
                self.train_seconds += self.pause_clock(started)
                self.tokens += int(self.accelerator.reduce(tokens, reduction="sum"))
                self.log_loss(running_loss, batches_since_log, progress)
                running_loss.zero_()
                tokens.zero_()
                batches_since_log = 0
                self.maybe_checkpoint()
                started = time.perf_counter()
        self.train_seconds += self.pause_clock(started)
        self.tokens += int(self.accelerator.reduce(tokens, reduction="sum"))
        progress.close()

    def should_log(self) -> bool:
        """Return True at the steps where the loss is read, shown and possibly checkpointed."""
        every = self.config.checkpoint_every_steps
        return (
            self.global_step % LOG_EVERY_STEPS == 0
            or self.batches_done >= self.sampler.total_batches
            or bool(every and self.global_step % every == 0)
        )

    def training_step(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Forward, backward and (every `gradient_accumulation_steps` batches) an update."""
        with self.accelerator.accumulate(self.model):
            loss = self.model(**batch).loss
            self.accelerator.backward(loss)
            if self.accelerator.sync_gradients and self.config.max_grad_norm:
                self.accelerator.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
            self.optimizer.step()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)
        return loss

    def pause_clock(self, started: float) -> float:
        """Return the seconds since `started`, after the device has finished its work."""
        if self.accelerator.device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started

    def log_loss(self, running_loss: torch.Tensor, batches: int, progress: tqdm) -> None:
        """Record the mean loss of the batches since the last log, and show it."""
        loss = float(self.accelerator.reduce(running_loss, reduction="mean")) / batches
        self.history.log_step(self.global_step, loss)
        self.epoch_loss_sum += loss * batches
        self.epoch_loss_count += batches
        progress.set_postfix(loss=f"{loss:.4f}")

    def maybe_checkpoint(self) -> None:
        """Write a checkpoint every `checkpoint_every_steps` optimizer steps."""
        every = self.config.checkpoint_every_steps
        if every and self.global_step % every == 0:
            self.save()

    def end_epoch(self, epoch: int, eval_loader: DataLoader) -> bool:
        """Evaluate, log, keep the best weights, checkpoint; True when early stopping ends the run."""
        metrics = evaluate_model(self.model, eval_loader, self.accelerator)
        record = EpochRecord(
            epoch=epoch + 1,
            train_loss=self.epoch_loss_sum / max(1, self.epoch_loss_count),
            validation_loss=metrics["loss"],
            validation_accuracy=metrics["accuracy"],
            validation_f1=metrics["f1"],
            train_seconds=self.train_seconds,
        )
        self.history.log_epoch(record)
        self.accelerator.print(
            f"epoch {record.epoch}: train loss {record.train_loss:.4f}, validation loss "
            f"{record.validation_loss:.4f}, accuracy {record.validation_accuracy:.2%}, "
            f"F1 {record.validation_f1:.4f}"
        )
        if record.validation_accuracy > self.best_accuracy:
            self.best_accuracy = record.validation_accuracy
            self.best_state = copy_state(self.unwrapped)
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1
        patience = self.config.early_stopping_patience
        epochs_left = epoch + 1 < self.config.epochs  # stopping after the last epoch is not early
        self.stopped_early = (
            bool(patience) and epochs_left and self.epochs_without_improvement >= patience
        )
        self.epoch, self.batches_done = epoch + 1, 0
        self.epoch_loss_sum, self.epoch_loss_count = 0.0, 0
        self.save()
        if self.stopped_early:
            self.accelerator.print(
                f"Early stopping: no better validation accuracy for {patience} epochs."
            )
        return self.stopped_early

    def restore_best(self) -> None:
        """Put the best epoch's weights back into the model."""
        if self.best_state is not None:
            self.unwrapped.load_state_dict(self.best_state)
            best = self.history.best_epoch()
            if best is not None:
                self.accelerator.print(
                    f"Restored the best model: epoch {best.epoch}, accuracy {best.validation_accuracy:.2%}."
                )


def refuse_changed_settings(folder: Path, state: dict, settings: dict[str, object]) -> None:
    """Raise CheckpointError when a resume would continue with another schedule or data."""
    saved = state.get("schedule", {})
    changed = {
        key: (saved.get(key), value) for key, value in settings.items() if saved.get(key) != value
    }
    if changed:
        details = ", ".join(f"{key} was {old}, now {new}" for key, (old, new) in changed.items())
        raise CheckpointError(
            f"{folder}: cannot resume with different settings ({details}). Resume with the "
            "original settings, or choose a new --output folder to start afresh."
        )


def save_best(root: Path, state: dict[str, torch.Tensor]) -> None:
    """Write the best weights so far next to the checkpoints (atomically)."""
    from safetensors.torch import save_file

    from helpers.checkpoints import write_atomically

    unique = {name: tensor.contiguous() for name, tensor in state.items()}
    write_atomically(
        root / "best", lambda folder: save_file(unique, str(folder / "model.safetensors"))
    )


def load_best(root: Path) -> dict[str, torch.Tensor] | None:
    """Read the best weights written by `save_best`, if any."""
    from safetensors.torch import load_file

    path = root / "best" / "model.safetensors"
    return load_file(str(path)) if path.is_file() else None
