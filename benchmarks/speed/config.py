"""What the benchmark runs: the training work (a `TrainConfig`) and the benchmark's own settings."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from helpers.assets import shared_sst2_dir
from helpers.settings import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "finetune_speed.py"
RESULTS = ROOT / "benchmarks" / "results"
QUICK_RESULTS = RESULTS / "quick"  # ignored by git: quick runs never touch the committed results
TRAINERS = ("plain", "trainer", "helpers")
WORKERS = (*TRAINERS, "inference", "gpu")
LABELS = ["negative", "positive"]
INFERENCE_METHODS = ("helpers", "pipeline", "pipeline_bs32")


def benchmark_training() -> TrainConfig:
    """Return the training work of every implementation: the last epoch's weights, no early stop."""
    return replace(
        TrainConfig(),
        epochs=2,
        batch_size=32,
        learning_rate=5e-5,
        precision="auto",
        early_stopping_patience=0,
        restore_best=False,
        progress=False,
    )


@dataclass(frozen=True)
class BenchConfig:
    """The work every implementation does, and how often it is repeated."""

    training: TrainConfig = field(default_factory=benchmark_training)
    rounds: int = 3
    train_rows: int = 2000
    validation_rows: int | None = None  # None: all 872
    max_length: int = 128
    inference_rows: int | None = None  # None: all validation rows
    matmul_size: int = 2048
    matmul_seconds: float = 1.0  # time spent per precision measuring the matmul peak
    gpu_steps: int = 20
    threads: int | None = None  # torch intra-op threads in the workers; None: torch's default


QUICK = BenchConfig(
    training=replace(benchmark_training(), epochs=1),
    rounds=1,
    train_rows=64,
    validation_rows=64,
    max_length=64,
    inference_rows=64,
    matmul_size=1024,
    matmul_seconds=0.2,
    gpu_steps=5,
)


def config_record(config: BenchConfig) -> dict[str, object]:
    """Return the settings as one flat dict: the benchmark's and the training's."""
    own = {item.name: getattr(config, item.name) for item in fields(config)}
    del own["training"]
    return {**own, **asdict(config.training)}


def sst2_files() -> tuple[Path, Path] | None:
    """Return the shared SST-2 train.tsv and dev.tsv, or None when either is absent."""
    folder = shared_sst2_dir()
    if folder is None or not (folder / "dev.tsv").is_file():
        return None
    return folder / "train.tsv", folder / "dev.tsv"


def optimizer_steps(config: BenchConfig) -> int:
    """Return the optimizer steps of the whole training run."""
    return math.ceil(config.train_rows / config.training.batch_size) * config.training.epochs


def warmup_steps(training: TrainConfig, total_steps: int) -> int:
    """Return the warmup steps, rounded as the helpers round them (Trainer rounds up)."""
    return round(training.warmup_fraction * total_steps)


def warmup_rule(config: BenchConfig) -> str:
    """Return the warmup steps each implementation takes, in words."""
    steps = optimizer_steps(config)
    fraction = config.training.warmup_fraction
    return (
        f"{warmup_steps(config.training, steps)} of {steps} optimizer steps for plain and "
        f"helpers, {math.ceil(fraction * steps)} for Trainer, which rounds up"
    )
