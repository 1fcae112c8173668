"""The report: medians over rounds, helpers' ratios, the machine and versions, as JSON and markdown."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .config import INFERENCE_METHODS, TRAINERS, config_record, warmup_rule
from .markdown import markdown
from .measurements import FLOPS_FORMULA, cpu_model, load_average

if TYPE_CHECKING:
    from pathlib import Path

    from .config import BenchConfig

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


def median(values: Iterable[float]) -> float:
    """Return the median of some numbers."""
    return statistics.median(list(values))


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


def benchmark_versions() -> dict[str, str]:
    """Return the versions of Python and the libraries measured: the course's list and NumPy."""
    import numpy

    from helpers.environment import library_versions

    return {**library_versions(), "numpy": numpy.__version__}


def build_report(
    config: BenchConfig,
    quick: bool,
    results: list[dict[str, object]],
    load_start: list[float],
    versions: dict[str, str],
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
        "versions": versions,
        "config": config_record(config),
        "warmup_rule": warmup_rule(config),
        "flops_formula": FLOPS_FORMULA,
        "matmul_peaks": summarize_peaks(results) if training else None,
        "training": training,
        "ratios": ratios(training),
        "inference": summarize_inference(results),
        "gpu": summarize_gpu(results),
        "runs": results,
    }


def write_report(folder: Path, report: dict[str, object]) -> str:
    """Write the JSON and markdown reports into `folder`; return the markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "finetune_speed.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    page = markdown(report)
    (folder / "finetune_speed.md").write_text(page, encoding="utf-8")
    return page
