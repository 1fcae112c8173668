"""Fine-tuning and inference speed: a plain PyTorch recipe, Hugging Face Trainer, the course helpers.

The same work (all-MiniLM-L6-v2, 2,000 SST-2 rows, 2 epochs) runs through each implementation
in its own subprocess, alternating them round after round; the report gives medians. Run
`python benchmarks/finetune_speed.py` (or `--quick`); see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the workers import these lazily: the parent process stays light
    from collections.abc import Sequence

    import torch
    from torch.utils.data import TensorDataset
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from helpers.data import DatasetSplits

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download: the embedded model only
os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SST2_DIR = ROOT.parent / "shared" / "data" / "sst2"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results"
TRAINERS = ("plain", "trainer", "helpers")
WORKERS = (*TRAINERS, "inference", "gpu")
LABELS = ["negative", "positive"]
INFERENCE_METHODS = ("helpers", "pipeline", "pipeline_bs32")
GPU_MATMUL_SIZE = 8192
LIBRARIES = ("torch", "transformers", "accelerate", "datasets", "scikit-learn", "numpy")
FLOPS_FORMULA = (
    "training FLOPs = 6 x N x T + 12 x L x H x sum(s^2): N = parameters of the encoder layers "
    "(no embeddings, pooler or head), T = non-padding tokens, L = layers, H = hidden size, "
    "s = non-padding length of each training example (attention scores and their use on the "
    "real tokens, forward and backward); padding counts as waste, not as work"
)


@dataclass(frozen=True)
class BenchConfig:
    """The work every implementation does, and how often it is repeated."""

    rounds: int = 3
    train_rows: int = 2000
    validation_rows: int | None = None  # None: all 872
    epochs: int = 2
    batch_size: int = 32
    eval_batch_size: int = 64
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1  # 13 of the 126 optimizer steps
    max_grad_norm: float = 1.0
    max_length: int = 128
    seed: int = 0
    inference_rows: int | None = None  # None: all validation rows
    matmul_size: int = 2048
    matmul_seconds: float = 1.0  # time spent per precision measuring the matmul peak
    gpu_steps: int = 20
    threads: int | None = None  # torch intra-op threads in the workers; None: torch's default


QUICK = BenchConfig(
    rounds=1,
    train_rows=64,
    validation_rows=64,
    epochs=1,
    max_length=64,
    inference_rows=64,
    matmul_size=1024,
    matmul_seconds=0.2,
    gpu_steps=5,
)


# ----------------------------------------------------------------------------- measurements


def load_average() -> list[float]:
    """Return the 1, 5 and 15-minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]


def synchronize(device: torch.device) -> None:
    """Wait for the device to finish its queued work."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_flops(dtype: torch.dtype, size: int, seconds: float, device: torch.device) -> float:
    """Return the FLOP/s of the fastest of repeated size x size matmuls in `dtype`."""
    import torch

    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(device=device, dtype=dtype)
    b = torch.randn(size, size, generator=generator).to(device=device, dtype=dtype)
    batch = 10 if device.type == "cuda" else 1  # amortise kernel launches on a GPU
    torch.matmul(a, b)
    synchronize(device)
    best, spent, repeats = math.inf, 0.0, 0
    while spent < seconds or repeats < 2:
        started = time.perf_counter()
        for _ in range(batch):
            torch.matmul(a, b)
        synchronize(device)
        elapsed = time.perf_counter() - started
        best, spent, repeats = min(best, elapsed), spent + elapsed, repeats + 1
    return 2 * size**3 * batch / best


def bf16_matmul_size(config: BenchConfig, device: torch.device) -> int:
    """Return the matmul size for bf16: small where bf16 is emulated (2048 takes minutes)."""
    from helpers.environment import choose_precision

    native = choose_precision(device) == "bf16" or device.type == "cuda"
    return config.matmul_size if native else min(256, config.matmul_size)


def measure_peaks(config: BenchConfig, device: torch.device) -> dict[str, dict[str, float]]:
    """Return the measured fp32 and bf16 matmul peaks (GFLOP/s) and the sizes used."""
    import torch

    sizes = {"fp32": config.matmul_size, "bf16": bf16_matmul_size(config, device)}
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    if device.type == "cuda":  # 2048 is too small to fill a data-centre GPU
        sizes = {"fp32": GPU_MATMUL_SIZE, "bf16": GPU_MATMUL_SIZE, "fp16": GPU_MATMUL_SIZE}
        dtypes["fp16"] = torch.float16
    return {
        name: {
            "gflops": matmul_flops(dtypes[name], size, config.matmul_seconds, device) / 1e9,
            "size": size,
        }
        for name, size in sizes.items()
    }


class TokenCounter:
    """Forward pre-hook counting real and padded tokens of the batches a model trains on."""

    def __init__(self) -> None:
        self.real = 0
        self.padded = 0
        self.squares = 0  # sum over examples of (non-padding length)^2, for attention FLOPs
        self.padded_squares = 0  # the same with the padded length: the work actually done
        self.batches = 0

    def __call__(self, module, args, kwargs) -> None:
        if not module.training:
            return
        mask = kwargs["attention_mask"]
        lengths = mask.sum(dim=1)
        self.real = self.real + lengths.sum()  # stays on the device: no sync per step
        self.squares = self.squares + (lengths * lengths).sum()
        self.padded += mask.numel()
        self.padded_squares += mask.shape[0] * mask.shape[1] ** 2
        self.batches += 1

    def attach(self, model: PreTrainedModel) -> TokenCounter:
        """Count the training batches of `model`; return self."""
        model.register_forward_pre_hook(self, with_kwargs=True)
        return self

    def totals(self) -> dict[str, int]:
        """Return the counts as plain integers."""
        return {
            "tokens": int(self.real),
            "batch_tokens": int(self.padded),
            "squared_lengths": int(self.squares),
            "padded_squared_lengths": self.padded_squares,
            "batches": self.batches,
        }


def encoder_parameters(model: PreTrainedModel) -> int:
    """Return the parameters of the encoder layers (no embeddings, pooler or head)."""
    return sum(parameter.numel() for parameter in model.base_model.encoder.parameters())


def training_flops(model: PreTrainedModel, tokens: int, squared_lengths: int) -> float:
    """Return the model FLOPs of training on `tokens` real tokens (see FLOPS_FORMULA)."""
    config = model.config
    attention = 12 * config.num_hidden_layers * config.hidden_size * squared_lengths
    return 6 * encoder_parameters(model) * tokens + attention


def peak_memory_mib(device: torch.device) -> tuple[float, str]:
    """Return this process's peak memory in MiB, and what was measured."""
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, "CUDA max allocated"
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024, "max RSS"


# ----------------------------------------------------------------------------- shared setup


def load_splits(config: BenchConfig) -> DatasetSplits:
    """Return the SST-2 splits: a fixed sample of training rows, the first validation rows."""
    from helpers.data import load_dataset_splits

    splits = load_dataset_splits(
        train=SST2_DIR / "train.tsv",
        validation=SST2_DIR / "dev.tsv",
        max_train_examples=config.train_rows,
        seed=config.seed,
    )
    if config.validation_rows is not None:
        splits.validation = splits.validation.subset(range(config.validation_rows))
    return splits


def load_model(config: BenchConfig) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Return (tokenizer, model): the embedded MiniLM with a head initialised from the seed."""
    from helpers.environment import seed_everything
    from helpers.modeling import load_classifier

    seed_everything(config.seed)
    return load_classifier(None, LABELS)


def warmup_steps(config: BenchConfig, total_steps: int) -> int:
    """Return the warmup steps, rounded as the helpers round them (Trainer rounds up)."""
    return round(config.warmup_fraction * total_steps)


def warmup_rule(config: BenchConfig) -> str:
    """Return the warmup steps each implementation takes, in words."""
    steps = math.ceil(config.train_rows / config.batch_size) * config.epochs
    fraction = config.warmup_fraction
    return (
        f"{warmup_steps(config, steps)} of {steps} optimizer steps for plain and helpers, "
        f"{math.ceil(fraction * steps)} for Trainer, which rounds up"
    )


# ----------------------------------------------------------------------------- plain recipe


def padded_tensors(
    texts: Sequence[str],
    labels: Sequence[int],
    tokenizer: PreTrainedTokenizerBase,
    config: BenchConfig,
) -> TensorDataset:
    """Return a TensorDataset of the texts padded to the longest example of the whole set."""
    import torch
    from torch.utils.data import TensorDataset

    encoded = tokenizer(
        list(texts),
        padding="longest",
        truncation=True,
        max_length=config.max_length,
        return_tensors="pt",
    )
    return TensorDataset(encoded["input_ids"], encoded["attention_mask"], torch.tensor(labels))


def plain_accuracy(
    model: PreTrainedModel, dataset: TensorDataset, config: BenchConfig, device: torch.device
) -> float:
    """Return the accuracy of `model` on a padded TensorDataset."""
    import torch
    from torch.utils.data import DataLoader

    model.eval()
    correct = 0
    with torch.no_grad():
        for input_ids, mask, labels in DataLoader(dataset, batch_size=config.eval_batch_size):
            logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).logits
            correct += int((logits.argmax(dim=-1).cpu() == labels).sum())
    return correct / len(dataset)


def run_plain(
    config: BenchConfig,
    splits: DatasetSplits,
    tokenizer: PreTrainedTokenizerBase,
    model: PreTrainedModel,
    device: torch.device,
) -> dict[str, object]:
    """Train with the tutorial recipe: fixed-shape padded batches, fp32, a hand-written loop."""
    import torch
    from torch.utils.data import DataLoader
    from transformers import get_linear_schedule_with_warmup

    train = padded_tensors(splits.train.texts, splits.train.labels, tokenizer, config)
    validation = padded_tensors(
        splits.validation.texts, splits.validation.labels, tokenizer, config
    )
    generator = torch.Generator().manual_seed(config.seed)
    loader = DataLoader(train, batch_size=config.batch_size, shuffle=True, generator=generator)
    model.to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    total = len(loader) * config.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup_steps(config, total), total)
    seconds, accuracy = 0.0, 0.0
    for _epoch in range(config.epochs):
        model.train()
        started = time.perf_counter()
        for input_ids, mask, labels in loader:
            loss = model(
                input_ids=input_ids.to(device),
                attention_mask=mask.to(device),
                labels=labels.to(device),
            ).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        synchronize(device)
        seconds += time.perf_counter() - started
        accuracy = plain_accuracy(model, validation, config, device)
    return {"precision": "fp32", "train_seconds": seconds, "accuracy": accuracy}


# ----------------------------------------------------------------------------- Trainer


def hub_dataset(
    texts: Sequence[str],
    labels: Sequence[int],
    tokenizer: PreTrainedTokenizerBase,
    config: BenchConfig,
) -> object:
    """Return a `datasets.Dataset` of unpadded token ids and labels."""
    import datasets

    table = datasets.Dataset.from_dict({"text": list(texts), "label": list(labels)})
    return table.map(
        lambda rows: tokenizer(rows["text"], truncation=True, max_length=config.max_length),
        batched=True,
        remove_columns=["text"],
    )


def epoch_clock() -> object:
    """Return a Trainer callback adding up the seconds spent inside training epochs."""
    from transformers import TrainerCallback

    class EpochClock(TrainerCallback):
        """Time each epoch's training steps; evaluation happens after on_epoch_end."""

        seconds = 0.0
        started = 0.0

        def on_epoch_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()

        def on_epoch_end(self, args, state, control, **kwargs):
            synchronize(args.device)
            self.seconds += time.perf_counter() - self.started

    return EpochClock()


def accuracy_metric(prediction) -> dict[str, float]:
    """Return the accuracy of a Trainer EvalPrediction."""
    logits, labels = prediction.predictions, prediction.label_ids
    return {"accuracy": float((logits.argmax(axis=-1) == labels).mean())}


def run_trainer(
    config: BenchConfig,
    splits: DatasetSplits,
    tokenizer: PreTrainedTokenizerBase,
    model: PreTrainedModel,
    device: torch.device,
) -> dict[str, object]:
    """Train with Hugging Face Trainer at its best settings for this machine."""
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    from helpers.environment import choose_precision

    precision = choose_precision(device)
    clock = epoch_clock()
    with tempfile.TemporaryDirectory() as folder:
        arguments = TrainingArguments(
            output_dir=folder,
            num_train_epochs=config.epochs,
            per_device_train_batch_size=config.batch_size,
            per_device_eval_batch_size=config.eval_batch_size,
            learning_rate=config.learning_rate,
            weight_decay=config.weight_decay,
            warmup_steps=config.warmup_fraction,  # a float below 1 is a fraction in v5
            lr_scheduler_type="linear",
            max_grad_norm=config.max_grad_norm,
            bf16=precision == "bf16",
            fp16=precision == "fp16",
            train_sampling_strategy="group_by_length",
            eval_strategy="epoch",
            save_strategy="no",
            report_to=[],
            use_cpu=device.type == "cpu",
            dataloader_num_workers=0,
            seed=config.seed,
            disable_tqdm=True,
        )
        trainer = Trainer(
            model=model,
            args=arguments,
            train_dataset=hub_dataset(splits.train.texts, splits.train.labels, tokenizer, config),
            eval_dataset=hub_dataset(
                splits.validation.texts, splits.validation.labels, tokenizer, config
            ),
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


def run_helpers(
    config: BenchConfig,
    splits: DatasetSplits,
    tokenizer: PreTrainedTokenizerBase,
    model: PreTrainedModel,
    device: torch.device,
) -> dict[str, object]:
    """Train with helpers.training.train_classifier (precision auto)."""
    from helpers.data import SentimentDataset
    from helpers.training import TrainConfig, train_classifier

    train = SentimentDataset.from_split(splits.train, tokenizer, config.max_length)
    validation = SentimentDataset.from_split(splits.validation, tokenizer, config.max_length)
    settings = TrainConfig(
        epochs=config.epochs,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_fraction=config.warmup_fraction,
        max_grad_norm=config.max_grad_norm,
        precision="auto",
        early_stopping_patience=None,
        restore_best=False,  # like the others: the last epoch's weights
        eval_batch_size=config.eval_batch_size,
        seed=config.seed,
        progress=False,
    )
    result = train_classifier(model, tokenizer, train, validation, settings)
    return {
        "precision": result.precision,
        "train_seconds": result.train_seconds,
        "accuracy": result.history.epochs[-1].validation_accuracy,
        "helpers_train_tokens": result.train_tokens,
    }


# ----------------------------------------------------------------------------- workers


RUNNERS = {"plain": run_plain, "trainer": run_trainer, "helpers": run_helpers}


def worker_environment(device: torch.device) -> dict[str, object]:
    """Return what a worker saw: threads, CPU capability, GPU, load."""
    import torch

    return {
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "load_average_start": load_average(),
    }


def train_worker(name: str, config: BenchConfig) -> dict[str, object]:
    """Run one training implementation and return its figures."""
    from helpers.environment import pick_device

    device = pick_device()
    environment = worker_environment(device)
    peaks = measure_peaks(config, device)
    splits = load_splits(config)
    tokenizer, model = load_model(config)
    counter = TokenCounter().attach(model)
    outcome = RUNNERS[name](config, splits, tokenizer, model, device)
    counts = counter.totals()
    seconds = outcome["train_seconds"]
    flops = training_flops(model, counts["tokens"], counts["squared_lengths"]) / seconds
    peak = peaks[outcome["precision"]]["gflops"] * 1e9
    padded_flops = training_flops(model, counts["batch_tokens"], counts["padded_squared_lengths"])
    memory, memory_kind = peak_memory_mib(device)
    return {
        **outcome,
        **counts,
        "implementation": name,
        "device": str(device),
        "tokens_per_second": counts["tokens"] / seconds,
        "padding_share": 1 - counts["tokens"] / counts["batch_tokens"],
        "peak_memory_mib": memory,
        "memory_kind": memory_kind,
        "achieved_gflops": flops / 1e9,
        "mfu": flops / peak,
        "mfu_with_padding": padded_flops / seconds / peak,
        "matmul_peaks": peaks,
        "encoder_parameters": encoder_parameters(model),
        **environment,
        "load_average_end": load_average(),
    }


def pipeline_labels(outputs, label2id: dict[str, int]) -> list[int]:
    """Return the label ids of a text-classification pipeline's outputs."""
    return [label2id[output["label"]] for output in outputs]


def timed(function, *args, **kwargs) -> tuple[object, float]:
    """Return the result of a call and the seconds it took."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def inference_worker(_name: str, config: BenchConfig) -> dict[str, object]:
    """Time helpers' SentimentClassifier against transformers.pipeline on the same model."""
    from transformers import pipeline

    from helpers.environment import pick_device
    from helpers.evaluation import SentimentClassifier

    device = pick_device()
    environment = worker_environment(device)
    splits = load_splits(config)
    texts = splits.validation.texts[: config.inference_rows]
    tokenizer, model = load_model(config)
    model.to(device).eval()
    classifier = SentimentClassifier(model, tokenizer)
    classify = pipeline("text-classification", model=model, tokenizer=tokenizer, device=device)
    label2id = model.config.label2id
    classifier.predict_probabilities(texts[:8])  # warm-up, both sides
    classify(texts[:8])
    calls = {
        "helpers": lambda: list(classifier.predict_probabilities(texts).argmax(axis=1)),
        "pipeline": lambda: pipeline_labels(classify(texts), label2id),
        "pipeline_bs32": lambda: pipeline_labels(classify(texts, batch_size=32), label2id),
    }
    figures = {}
    for method, call in calls.items():
        synchronize(device)
        predictions, seconds = timed(call)
        figures[method] = {"seconds": seconds, "predictions": [int(p) for p in predictions]}
    reference = figures["helpers"]["predictions"]
    labels = splits.validation.labels[: len(texts)]
    return {
        "implementation": "inference",
        "sentences": len(texts),
        "methods": {
            method: {
                "sentences_per_second": len(texts) / values["seconds"],
                "identical_to_helpers": statistics.fmean(
                    int(a == b) for a, b in zip(values["predictions"], reference, strict=True)
                ),
                "accuracy": statistics.fmean(
                    int(a == b) for a, b in zip(values["predictions"], labels, strict=True)
                ),
            }
            for method, values in figures.items()
        },
        **environment,
        "load_average_end": load_average(),
    }


def gpu_step_rate(
    model: PreTrainedModel, precision: str, config: BenchConfig, sequence: int = 128
) -> float:
    """Return the training steps per second of `model` on random batches in `precision`."""
    import torch

    device = next(model.parameters()).device
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, fused=True)
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    shape = (config.batch_size, sequence)
    ids = torch.randint(1000, model.config.vocab_size, shape, device=device)
    labels = torch.randint(0, 2, (config.batch_size,), device=device)
    started = 0.0
    for step in range(config.gpu_steps + 3):  # 3 warm-up steps
        if step == 3:
            synchronize(device)
            started = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype):
            loss = model(input_ids=ids, labels=labels).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
    synchronize(device)
    return config.gpu_steps / (time.perf_counter() - started)


def gpu_worker(_name: str, config: BenchConfig) -> dict[str, object]:
    """Time a random-weight bert-base (batch 32, length 128) on the GPU in bf16 and fp16."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    device = torch.device("cuda")
    environment = worker_environment(device)
    peaks = measure_peaks(config, device)
    figures = {}
    for precision in ("bf16", "fp16"):
        torch.manual_seed(config.seed)
        model = BertForSequenceClassification(BertConfig(num_labels=2)).to(device).train()
        torch.cuda.reset_peak_memory_stats(device)
        tokens_per_second = gpu_step_rate(model, precision, config) * config.batch_size * 128
        flops = training_flops(model, int(tokens_per_second), int(tokens_per_second) * 128)
        figures[precision] = {
            "tokens_per_second": tokens_per_second,
            "achieved_gflops": flops / 1e9,
            "mfu": flops / (peaks[precision]["gflops"] * 1e9),
            "peak_memory_mib": torch.cuda.max_memory_allocated(device) / 2**20,
        }
        del model
    return {"implementation": "gpu", "precisions": figures, "matmul_peaks": peaks, **environment}


def run_worker(name: str, config: BenchConfig, output: Path) -> None:
    """Run one worker and write its figures as JSON."""
    if config.threads:
        import torch

        torch.set_num_threads(config.threads)
    worker = {"inference": inference_worker, "gpu": gpu_worker}.get(name, train_worker)
    output.write_text(json.dumps(worker(name, config), indent=2), encoding="utf-8")


# ----------------------------------------------------------------------------- orchestration


def cpu_model() -> str:
    """Return the CPU's model name from /proc/cpuinfo (or platform's guess)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def library_versions() -> dict[str, str]:
    """Return the installed versions of the libraries measured (without importing them)."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def spawn(name: str, config: BenchConfig, quick: bool, folder: Path) -> dict[str, object]:
    """Run one worker in a fresh Python process and return its figures."""
    output = folder / f"{len(list(folder.iterdir())):02d}-{name}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--json"]
    command += [str(output), *(["--quick"] if quick else [])]
    command += ["--threads", str(config.threads)] if config.threads else []
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout[-3000:] + finished.stderr[-6000:])
        raise SystemExit(f"worker '{name}' failed with exit status {finished.returncode}")
    print(f"  {name:<9} done in {time.perf_counter() - started:6.1f} s", flush=True)
    return json.loads(output.read_text(encoding="utf-8"))


def gpu_available() -> bool:
    """Return True when torch sees a CUDA GPU (asked in a subprocess-free way: import torch)."""
    import torch

    return torch.cuda.is_available()


def run_rounds(
    config: BenchConfig, quick: bool, with_gpu: bool, on_result
) -> list[dict[str, object]]:
    """Run every worker once per round, alternating them; call `on_result` after each run."""
    schedule = [*TRAINERS, "inference", *(["gpu"] if with_gpu else [])]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for round_index in range(config.rounds):
            print(f"round {round_index + 1}/{config.rounds}", flush=True)
            for name in schedule:
                result = spawn(name, config, quick, Path(folder))
                results.append({**result, "round": round_index})
                on_result(results)
    return results


def median(values) -> float:
    """Return the median of some numbers."""
    return statistics.median(list(values))


TRAIN_FIGURES = (
    "train_seconds",
    "tokens_per_second",
    "padding_share",
    "accuracy",
    "peak_memory_mib",
    "achieved_gflops",
    "mfu",
    "mfu_with_padding",
)


def summarize_training(results: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """Return the median of every training figure per implementation."""
    summary = {}
    for name in TRAINERS:
        runs = [result for result in results if result["implementation"] == name]
        if not runs:
            continue
        figures = {figure: median(run[figure] for run in runs) for figure in TRAIN_FIGURES}
        summary[name] = {
            **figures,
            "precision": runs[0]["precision"],
            "memory_kind": runs[0]["memory_kind"],
            "tokens": runs[0]["tokens"],
            "batches": runs[0]["batches"],
            "rounds": len(runs),
        }
    return summary


def summarize_inference(results: list[dict[str, object]]) -> dict[str, object] | None:
    """Return the median sentences per second and agreement of each inference method."""
    runs = [result for result in results if result["implementation"] == "inference"]
    if not runs:
        return None
    methods = {
        method: {
            figure: median(run["methods"][method][figure] for run in runs)
            for figure in ("sentences_per_second", "identical_to_helpers", "accuracy")
        }
        for method in INFERENCE_METHODS
    }
    return {"sentences": runs[0]["sentences"], "rounds": len(runs), "methods": methods}


def summarize_gpu(results: list[dict[str, object]]) -> dict[str, dict[str, float]] | None:
    """Return the median GPU figures per precision, or None when the GPU section did not run."""
    runs = [result["precisions"] for result in results if result["implementation"] == "gpu"]
    if not runs:
        return None
    return {
        precision: {figure: median(run[precision][figure] for run in runs) for figure in figures}
        for precision, figures in runs[0].items()
    }


def summarize_peaks(results: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    """Return the median measured matmul peak per precision over the training workers."""
    runs = [result["matmul_peaks"] for result in results if result["implementation"] in TRAINERS]
    return {
        name: {"gflops": median(run[name]["gflops"] for run in runs), "size": first["size"]}
        for name, first in runs[0].items()
    }


def ratios(training: dict[str, dict[str, object]]) -> dict[str, float]:
    """Return helpers' tokens per second over Trainer's and over the plain recipe's."""
    if "helpers" not in training:
        return {}
    rate = training["helpers"]["tokens_per_second"]
    return {
        f"helpers_over_{name}_tokens_per_second": rate / training[name]["tokens_per_second"]
        for name in ("trainer", "plain")
        if name in training
    }


def machine_description(results: list[dict[str, object]]) -> dict[str, object]:
    """Return the CPU, cores, torch threads and GPU the workers ran on."""
    first = results[0]
    return {
        "cpu": cpu_model(),
        "cpu_capability": first["cpu_capability"],
        "cores_visible": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_threads": first["torch_threads"],
        "gpu": first["gpu"],
        "platform": platform.platform(),
    }


def build_report(
    config: BenchConfig, quick: bool, results: list[dict[str, object]], load_start: list[float]
) -> dict[str, object]:
    """Return the whole JSON report: machine, versions, settings, medians, ratios, raw runs."""
    training = summarize_training(results)
    return {
        "benchmark": "finetune_speed",
        "quick": quick,
        "rounds_completed": len(
            {result["round"] for result in results if result["implementation"] == "inference"}
        ),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "machine": machine_description(results),
        "load_average": {"start": load_start, "end": load_average()},
        "versions": library_versions(),
        "config": asdict(config),
        "warmup_rule": warmup_rule(config),
        "flops_formula": FLOPS_FORMULA,
        "matmul_peaks": summarize_peaks(results) if training else None,
        "training": training,
        "ratios": ratios(training),
        "inference": summarize_inference(results),
        "gpu": summarize_gpu(results),
        "runs": results,
    }


# ----------------------------------------------------------------------------- markdown


def training_rows(training: dict[str, dict[str, object]]) -> list[str]:
    """Return the markdown rows of the training table."""
    rows = [
        "| implementation | runs | precision | train s | tokens/s | padding | val. accuracy "
        "| peak memory MiB | GFLOP/s | MFU | MFU counting padding |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in training.items():
        rows.append(
            f"| {name} | {row['rounds']} | {row['precision']} | {row['train_seconds']:.1f} "
            f"| {row['tokens_per_second']:,.0f} | {row['padding_share']:.1%} "
            f"| {row['accuracy']:.2%} | {row['peak_memory_mib']:,.0f} "
            f"| {row['achieved_gflops']:.1f} | {row['mfu']:.1%} | {row['mfu_with_padding']:.1%} |"
        )
    return rows


def inference_rows(inference: dict[str, object] | None) -> list[str]:
    """Return the markdown lines of the inference section."""
    if inference is None:
        return ["Not run yet."]
    names = {
        "helpers": "helpers `SentimentClassifier.predict_probabilities` (batch 64, length-sorted)",
        "pipeline": "`pipeline(...)(texts)` as a learner calls it (default batch size 1)",
        "pipeline_bs32": "`pipeline(...)(texts, batch_size=32)`",
    }
    rows = [
        f"{inference['sentences']} validation sentences, same model (embedded MiniLM, fresh "
        f"head, seed 0), fp32; medians of {inference['rounds']} round(s).",
        "",
        "| method | sentences/s | identical argmax vs helpers | accuracy (untrained head) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for method, row in inference["methods"].items():
        rows.append(
            f"| {names[method]} | {row['sentences_per_second']:,.1f} "
            f"| {row['identical_to_helpers']:.1%} | {row['accuracy']:.1%} |"
        )
    methods = inference["methods"]
    helpers_rate = methods["helpers"]["sentences_per_second"]
    rows += [
        "",
        f"helpers / pipeline (defaults): **{helpers_rate / methods['pipeline']['sentences_per_second']:.2f}x**; "
        f"helpers / pipeline (batch_size=32): "
        f"**{helpers_rate / methods['pipeline_bs32']['sentences_per_second']:.2f}x**.",
    ]
    return rows


def gpu_rows(gpu: dict[str, dict[str, float]] | None, machine: dict[str, object]) -> list[str]:
    """Return the markdown lines of the GPU section."""
    if gpu is None:
        reason = "not asked (--gpu-model-config bert-base)" if machine["gpu"] else "no CUDA GPU"
        return [f"Not run: {reason}."]
    rows = [
        "| precision | tokens/s | GFLOP/s | MFU | peak memory MiB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for precision, row in gpu.items():
        rows.append(
            f"| {precision} | {row['tokens_per_second']:,.0f} | {row['achieved_gflops']:,.0f} "
            f"| {row['mfu']:.1%} | {row['peak_memory_mib']:,.0f} |"
        )
    return rows


def ratio_line(ratios: dict[str, float]) -> str:
    """Return the sentence giving helpers' tokens-per-second ratios."""
    parts = [f"helpers / {key.split('_')[2]}: **{value:.2f}x**" for key, value in ratios.items()]
    return "Tokens per second, " + "; ".join(parts) + "." if parts else ""


def peak_line(report: dict[str, object]) -> str:
    """Return the sentence giving the measured matmul peaks and the MFU formula."""
    peaks = report["matmul_peaks"] or {}
    measured = ", ".join(
        f"{name} {peak['gflops']:.2f} GFLOP/s ({peak['size']}x{peak['size']})"
        for name, peak in peaks.items()
    )
    return (
        f"Measured matmul peak (fastest of repeated square matmuls, in each training process; "
        f"median): {measured}. MFU = achieved model FLOP/s / peak of the precision used; "
        f"{report['flops_formula']}. Tokens/s: non-padding tokens over training time only "
        "(evaluation excluded). 'MFU counting padding' applies the same formula to the padded "
        "batches: the arithmetic the hardware actually did. Peak memory: max RSS of each worker process (CUDA max "
        "allocated on a GPU)."
    )


def header_lines(report: dict[str, object]) -> list[str]:
    """Return the title, machine, versions and work description."""
    machine, config, load = report["machine"], report["config"], report["load_average"]
    versions = ", ".join(f"{name} {version}" for name, version in report["versions"].items())
    return [
        f"# Fine-tuning speed{' (quick mode)' if report['quick'] else ''}",
        "",
        f"{report['date_utc']} UTC; rounds completed: {report['rounds_completed']} of "
        f"{config['rounds']}. Machine: {machine['cpu']} ({machine['cpu_capability']}), "
        f"{machine['cores_usable']} usable cores, torch threads: {machine['torch_threads']} "
        f"({'set with --threads' if config['threads'] else 'torch default'}), "
        f"GPU: {machine['gpu'] or 'none'}. Load average (1/5/15 min): start {load['start']}, "
        f"end {load['end']} (shared machine: timings are noisy).",
        "",
        f"Versions: {versions}.",
        "",
        f"Work: all-MiniLM-L6-v2 with a fresh 2-label head, {config['train_rows']} SST-2 "
        f"training rows (seed {config['seed']}), {config['epochs']} epoch(s), batch "
        f"{config['batch_size']}, lr {config['learning_rate']}, weight decay "
        f"{config['weight_decay']}, linear schedule with {config['warmup_fraction']:.0%} warmup "
        f"({report['warmup_rule']}), gradient clipping {config['max_grad_norm']}, max length "
        f"{config['max_length']}; validation accuracy after the last epoch. Each run in its "
        "own process, the implementations alternating; figures are medians over rounds.",
    ]


def markdown(report: dict[str, object]) -> str:
    """Return the report as a markdown page."""
    lines = [
        *header_lines(report),
        "",
        "## Training",
        "",
        *training_rows(report["training"]),
        "",
        ratio_line(report["ratios"]),
        "",
        peak_line(report),
        "",
        "## Inference",
        "",
        *inference_rows(report["inference"]),
        "",
        "## GPU (random-weight bert-base, batch 32, length 128, bf16 and fp16)",
        "",
        *gpu_rows(report["gpu"], report["machine"]),
        "",
    ]
    return "\n".join(lines)


def write_report(folder: Path, report: dict[str, object]) -> str:
    """Write the JSON and markdown reports into `folder`; return the markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "finetune_speed.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    page = markdown(report)
    (folder / "finetune_speed.md").write_text(page, encoding="utf-8")
    return page


# ----------------------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run for CI (under a minute)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3, quick 1)")
    parser.add_argument(
        "--threads", type=int, help="torch threads in every worker (default: torch's choice)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report folder")
    parser.add_argument("--gpu-model-config", choices=["bert-base"], help="add the GPU section")
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one of its processes)."""
    args = parse_args(argv)
    config = QUICK if args.quick else BenchConfig()
    if args.rounds:
        config = replace(config, rounds=args.rounds)
    if args.threads:
        config = replace(config, threads=args.threads)
    if args.worker:
        run_worker(args.worker, config, args.json)
        return 0
    if not (SST2_DIR / "train.tsv").is_file() or not (SST2_DIR / "dev.tsv").is_file():
        print(f"{SST2_DIR} is absent: this benchmark needs the shared SST-2 files; nothing done.")
        return 0
    with_gpu = bool(args.gpu_model_config) and gpu_available()
    if args.gpu_model_config and not with_gpu:
        print("--gpu-model-config: no CUDA GPU here, the GPU section is skipped.")
    load_start = load_average()

    def save(results: list[dict[str, object]]) -> str:
        return write_report(args.output, build_report(config, args.quick, results, load_start))

    results = run_rounds(config, args.quick, with_gpu, save)
    print(save(results))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
