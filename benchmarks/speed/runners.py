"""How each implementation trains: the plain PyTorch recipe, Hugging Face Trainer, the helpers.

Every runner takes a `Job` and reads its hyperparameters from `job.config.training`, the one
`TrainConfig` of the benchmark; it returns its precision, the seconds spent inside the
training epochs and the validation accuracy after the last epoch.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import LABELS, sst2_files, warmup_steps
from .measurements import epoch_clock, synchronize

if TYPE_CHECKING:  # imported lazily, in the workers only
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    from transformers import (
        EvalPrediction,
        PreTrainedModel,
        PreTrainedTokenizerBase,
        TrainingArguments,
    )

    from helpers.data import DatasetSplits, TextSplit
    from helpers.settings import TrainConfig

    from .config import BenchConfig


@dataclass
class Job:
    """What every runner gets: the settings, the data, the model and its device."""

    config: BenchConfig
    splits: DatasetSplits
    tokenizer: PreTrainedTokenizerBase
    model: PreTrainedModel
    device: torch.device


def load_splits(config: BenchConfig) -> DatasetSplits:
    """Return the SST-2 splits: a fixed sample of training rows, the first validation rows."""
    from helpers.data import load_dataset_splits

    files = sst2_files()
    if files is None:
        raise SystemExit("../shared/data/sst2 is absent: the benchmark needs train.tsv and dev.tsv")
    splits = load_dataset_splits(
        train=files[0],
        validation=files[1],
        max_train_examples=config.train_rows,
        seed=config.training.seed,
    )
    if config.validation_rows is not None:
        splits.validation = splits.validation.subset(range(config.validation_rows))
    return splits


def load_model(config: BenchConfig) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Return (tokenizer, model): the embedded MiniLM with a head initialised from the seed."""
    from transformers import set_seed

    from helpers.modeling import load_classifier

    set_seed(config.training.seed)
    return load_classifier(None, LABELS)


# ----------------------------------------------------------------------------- plain recipe


def padded_tensors(
    split: TextSplit, tokenizer: PreTrainedTokenizerBase, max_length: int
) -> TensorDataset:
    """Return a TensorDataset of the texts padded to the longest example of the whole set."""
    import torch
    from torch.utils.data import TensorDataset

    encoded = tokenizer(
        list(split.texts),
        padding="longest",
        truncation=True,
        max_length=max_length,
        return_tensors="pt",
    )
    labels = torch.tensor(split.labels)
    return TensorDataset(encoded["input_ids"], encoded["attention_mask"], labels)


def plain_accuracy(
    model: PreTrainedModel, dataset: TensorDataset, batch_size: int, device: torch.device
) -> float:
    """Return the accuracy of `model` on a padded TensorDataset."""
    import torch
    from torch.utils.data import DataLoader

    model.eval()
    correct = 0
    with torch.no_grad():
        for input_ids, mask, labels in DataLoader(dataset, batch_size=batch_size):
            logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).logits
            correct += int((logits.argmax(dim=-1).cpu() == labels).sum())
    return correct / len(dataset)


def plain_epoch(
    model: PreTrainedModel,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    training: TrainConfig,
    device: torch.device,
) -> float:
    """Train one epoch with the hand-written loop; return the seconds it took."""
    import torch

    model.train()
    started = time.perf_counter()
    for input_ids, mask, labels in loader:
        loss = model(
            input_ids=input_ids.to(device),
            attention_mask=mask.to(device),
            labels=labels.to(device),
        ).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), training.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
    synchronize(device)
    return time.perf_counter() - started


def run_plain(job: Job) -> dict[str, object]:
    """Train with the tutorial recipe: fixed-shape padded batches, fp32, a hand-written loop."""
    import torch
    from torch.utils.data import DataLoader
    from transformers import get_linear_schedule_with_warmup

    training, model, device = job.config.training, job.model, job.device
    train = padded_tensors(job.splits.train, job.tokenizer, job.config.max_length)
    validation = padded_tensors(job.splits.validation, job.tokenizer, job.config.max_length)
    generator = torch.Generator().manual_seed(training.seed)
    loader = DataLoader(train, batch_size=training.batch_size, shuffle=True, generator=generator)
    model.to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=training.learning_rate, weight_decay=training.weight_decay
    )
    total = len(loader) * training.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup_steps(training, total), total)
    seconds, accuracy = 0.0, 0.0
    for _epoch in range(training.epochs):
        seconds += plain_epoch(model, loader, optimizer, scheduler, training, device)
        accuracy = plain_accuracy(model, validation, training.eval_batch_size, device)
    return {"precision": "fp32", "train_seconds": seconds, "accuracy": accuracy}


# ----------------------------------------------------------------------------- Trainer


def hub_dataset(split: TextSplit, tokenizer: PreTrainedTokenizerBase, max_length: int) -> object:
    """Return a `datasets.Dataset` of unpadded token ids and labels."""
    import datasets

    table = datasets.Dataset.from_dict({"text": list(split.texts), "label": list(split.labels)})
    return table.map(
        lambda rows: tokenizer(rows["text"], truncation=True, max_length=max_length),
        batched=True,
        remove_columns=["text"],
    )


def accuracy_metric(prediction: EvalPrediction) -> dict[str, float]:
    """Return the accuracy of a Trainer EvalPrediction."""
    logits, labels = prediction.predictions, prediction.label_ids
    return {"accuracy": float((logits.argmax(axis=-1) == labels).mean())}


def trainer_arguments(
    training: TrainConfig, precision: str, folder: str, device: torch.device
) -> TrainingArguments:
    """Return Trainer's arguments for the benchmark's TrainConfig at `precision`."""
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=folder,
        num_train_epochs=training.epochs,
        per_device_train_batch_size=training.batch_size,
        per_device_eval_batch_size=training.eval_batch_size,
        learning_rate=training.learning_rate,
        weight_decay=training.weight_decay,
        warmup_steps=training.warmup_fraction,  # a float below 1 is a fraction in v5
        lr_scheduler_type="linear",
        max_grad_norm=training.max_grad_norm,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        train_sampling_strategy="group_by_length" if training.group_by_length else "random",
        eval_strategy="epoch",
        save_strategy="no",
        report_to=[],
        use_cpu=device.type == "cpu",
        dataloader_num_workers=0,
        seed=training.seed,
        disable_tqdm=True,
    )


def run_trainer(job: Job) -> dict[str, object]:
    """Train with Hugging Face Trainer at its best settings for this machine."""
    from transformers import DataCollatorWithPadding, Trainer

    from helpers.environment import choose_precision

    training, tokenizer, max_length = job.config.training, job.tokenizer, job.config.max_length
    precision = choose_precision(job.device, training.precision)
    clock = epoch_clock()
    with tempfile.TemporaryDirectory() as folder:
        trainer = Trainer(
            model=job.model,
            args=trainer_arguments(training, precision, folder, job.device),
            train_dataset=hub_dataset(job.splits.train, tokenizer, max_length),
            eval_dataset=hub_dataset(job.splits.validation, tokenizer, max_length),
            processing_class=tokenizer,
            data_collator=DataCollatorWithPadding(tokenizer),
            compute_metrics=accuracy_metric,
            callbacks=[clock],
        )
        trainer.train()
    evaluations = [entry for entry in trainer.state.log_history if "eval_accuracy" in entry]
    return {
        "precision": precision,
        "train_seconds": clock.seconds,
        "accuracy": evaluations[-1]["eval_accuracy"],
    }


# ----------------------------------------------------------------------------- helpers


def run_helpers(job: Job) -> dict[str, object]:
    """Train with helpers.training.train_classifier and the benchmark's TrainConfig as it is."""
    from helpers.data import SentimentDataset
    from helpers.training import train_classifier

    tokenizer, max_length = job.tokenizer, job.config.max_length
    train = SentimentDataset.from_split(job.splits.train, tokenizer, max_length)
    validation = SentimentDataset.from_split(job.splits.validation, tokenizer, max_length)
    result = train_classifier(job.model, tokenizer, train, validation, job.config.training)
    return {
        "precision": result.precision,
        "train_seconds": result.train_seconds,
        "accuracy": result.history.epochs[-1].validation_accuracy,
        "helpers_train_tokens": result.train_tokens,
    }


RUNNERS = {"plain": run_plain, "trainer": run_trainer, "helpers": run_helpers}
