"""One subprocess each: a training implementation, the inference comparison, the GPU section.

`run_worker` is what `finetune_speed.py --worker NAME --json OUT` calls: it runs one worker
and writes its figures as JSON for the parent process to collect.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import TYPE_CHECKING

from .measurements import (
    TokenCounter,
    encoder_parameters,
    load_average,
    measure_peaks,
    peak_memory_mib,
    synchronize,
    throughput,
    timed,
    training_flops,
    worker_environment,
)
from .runners import RUNNERS, Job, load_model, load_splits

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from transformers import PreTrainedModel

    from .config import BenchConfig


def train_worker(name: str, config: BenchConfig) -> dict[str, object]:
    """Run one training implementation and return its figures."""
    from helpers.environment import pick_device

    device = pick_device()
    environment = worker_environment(device)
    peaks = measure_peaks(config, device)
    splits = load_splits(config)
    tokenizer, model = load_model(config)
    counter = TokenCounter().attach(model)
    outcome = RUNNERS[name](Job(config, splits, tokenizer, model, device))
    counts = counter.totals()
    peak = peaks[outcome["precision"]]["gflops"]
    memory, memory_kind = peak_memory_mib(device)
    return {
        **outcome,
        **counts,
        "implementation": name,
        "device": str(device),
        **throughput(model, counts, outcome["train_seconds"], peak),
        "peak_memory_mib": memory,
        "memory_kind": memory_kind,
        "matmul_peaks": peaks,
        "encoder_parameters": encoder_parameters(model),
        **environment,
        "load_average_end": load_average(),
    }


def pipeline_labels(outputs: list[dict[str, object]], label2id: dict[str, int]) -> list[int]:
    """Return the label ids of a text-classification pipeline's outputs."""
    return [label2id[output["label"]] for output in outputs]


def agreement(predictions: Sequence[int], reference: Sequence[int]) -> float:
    """Return the share of predictions equal to the reference."""
    return statistics.fmean(int(a == b) for a, b in zip(predictions, reference, strict=True))


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
                "identical_to_helpers": agreement(values["predictions"], reference),
                "accuracy": agreement(values["predictions"], labels),
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
    batch_size = config.training.batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.training.learning_rate, fused=True)
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    ids = torch.randint(1000, model.config.vocab_size, (batch_size, sequence), device=device)
    labels = torch.randint(0, 2, (batch_size,), device=device)
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
    batch_tokens = config.training.batch_size * 128
    figures = {}
    for precision in ("bf16", "fp16"):
        torch.manual_seed(config.training.seed)
        model = BertForSequenceClassification(BertConfig(num_labels=2)).to(device).train()
        torch.cuda.reset_peak_memory_stats(device)
        tokens_per_second = gpu_step_rate(model, precision, config) * batch_tokens
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
