"""Fine-tuning and inference speed: a plain PyTorch recipe, Hugging Face Trainer, the course helpers.

The same work (all-MiniLM-L6-v2, 2,000 SST-2 rows, 2 epochs) runs through each implementation
in its own subprocess, alternating them round after round; the report gives medians. Run
`python benchmarks/finetune_speed.py` (or `--quick`); see benchmarks/README.md. The code is
in benchmarks/speed/.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: benchmarks.speed and helpers from this checkout
    sys.path.insert(0, str(ROOT))

from benchmarks.speed.config import (  # noqa: E402
    QUICK,
    QUICK_RESULTS,
    RESULTS,
    WORKERS,
    BenchConfig,
    sst2_files,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run for CI (under a minute)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3, quick 1)")
    parser.add_argument(
        "--threads", type=int, help="torch threads in every worker (default: torch's choice)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"report folder (default {RESULTS.relative_to(ROOT)}/, "
        f"quick {QUICK_RESULTS.relative_to(ROOT)}/)",
    )
    parser.add_argument("--gpu-model-config", choices=["bert-base"], help="add the GPU section")
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def bench_config(args: argparse.Namespace) -> BenchConfig:
    """Return the benchmark's settings for the command-line options."""
    config = QUICK if args.quick else BenchConfig()
    if args.rounds:
        config = replace(config, rounds=args.rounds)
    if args.threads:
        config = replace(config, threads=args.threads)
    return config


def wants_gpu(args: argparse.Namespace) -> bool:
    """Return True when the GPU section was asked for and a CUDA GPU is here."""
    from benchmarks.speed.rounds import gpu_available

    with_gpu = bool(args.gpu_model_config) and gpu_available()
    if args.gpu_model_config and not with_gpu:
        print("--gpu-model-config: no CUDA GPU here, the GPU section is skipped.")
    return with_gpu


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one of its processes)."""
    from benchmarks.speed.measurements import load_average
    from benchmarks.speed.report import benchmark_versions, build_report, write_report
    from benchmarks.speed.rounds import run_rounds
    from benchmarks.speed.workers import run_worker

    args = parse_args(argv)
    config = bench_config(args)
    if args.worker:
        run_worker(args.worker, config, args.json)
        return 0
    if sst2_files() is None:
        print("../shared/data/sst2 (train.tsv, dev.tsv) is absent beside the checkout: this "
              "benchmark needs the shared SST-2 files; nothing done.")  # fmt: skip
        return 0
    output = args.output or (QUICK_RESULTS if args.quick else RESULTS)
    with_gpu = wants_gpu(args)
    load_start, versions = load_average(), benchmark_versions()

    def save(results: list[dict[str, object]]) -> str:
        report = build_report(config, args.quick, results, load_start, versions)
        return write_report(output, report)

    results = run_rounds(config, args.quick, with_gpu, save)
    print(save(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
