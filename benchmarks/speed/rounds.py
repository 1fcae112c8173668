"""The parent process: each worker in a fresh Python process, the implementations in turn."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .config import ROOT, SCRIPT, TRAINERS, BenchConfig


def worker_command(name: str, config: BenchConfig, quick: bool, output: Path) -> list[str]:
    """Return the command line that runs worker `name` and writes its JSON to `output`."""
    command = [sys.executable, str(SCRIPT), "--worker", name, "--json", str(output)]
    command += ["--quick"] if quick else []
    return command + (["--threads", str(config.threads)] if config.threads else [])


def spawn(name: str, config: BenchConfig, quick: bool, folder: Path) -> dict[str, object]:
    """Run one worker in a fresh Python process and return its figures."""
    output = folder / f"{len(list(folder.iterdir())):02d}-{name}.json"
    started = time.perf_counter()
    finished = subprocess.run(
        worker_command(name, config, quick, output), capture_output=True, text=True, cwd=ROOT
    )
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout[-3000:] + finished.stderr[-6000:])
        raise SystemExit(f"worker '{name}' failed with exit status {finished.returncode}")
    print(f"  {name:<9} done in {time.perf_counter() - started:6.1f} s", flush=True)
    return json.loads(output.read_text(encoding="utf-8"))


def gpu_available() -> bool:
    """Return True when torch sees a CUDA GPU."""
    import torch

    return torch.cuda.is_available()


def run_rounds(
    config: BenchConfig,
    quick: bool,
    with_gpu: bool,
    on_result: Callable[[list[dict[str, object]]], object],
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
