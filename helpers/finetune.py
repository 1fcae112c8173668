"""Fine-tune a BERT-style model for sentiment analysis from the command line.

    python -m helpers.finetune                       # embedded model on the course's reviews
    python -m helpers.finetune --model bert-base-uncased --dataset sst2 --epochs 2
    accelerate launch -m helpers.finetune ...        # several GPUs

Writes OUTPUT/metrics.json, OUTPUT/model (safetensors), OUTPUT/training_curves.png and
resumable checkpoints in OUTPUT/checkpoints (continue with --resume). Every flag comes from
the fields of `JobConfig` (what to train) and `helpers.settings.TrainConfig` (how to train),
with the defaults of the course's main job, `helpers.settings.MAIN_JOB`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.checkpoints import CheckpointError
from helpers.data import DATASETS, DatasetSplits, SentimentDataset, load_dataset_splits
from helpers.environment import library_versions
from helpers.evaluation import Evaluation, SentimentClassifier
from helpers.modeling import describe, load_classifier
from helpers.readers import DataError
from helpers.settings import MAIN_JOB, TrainConfig, add_flags, from_flags, setting
from helpers.training import TrainResult, set_seed, train_classifier


@dataclass
class JobConfig:
    """What to train: the model, the data, and how texts are cut."""

    model: str = setting("embedded", "Hub name or local folder; 'embedded' = all-MiniLM-L6-v2")
    dataset: str = setting("sample", "named dataset (ignored with --train)", choices=DATASETS)
    train: str | None = setting(None, "training file (.csv, .tsv or .jsonl)")
    validation: str | None = setting(
        None, "validation file; without it 10%% of --train is held out"
    )
    test: str | None = setting(None, "test file, scored once at the end")
    text_column: str | None = setting(None, "name of the text column (default: detected)")
    label_column: str | None = setting(None, "name of the label column (default: detected)")
    max_train_examples: int | None = setting(None, "train on a fixed random sample of this size")
    max_length: int = setting(128, "truncate texts to this many tokens")


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser: one flag per setting."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.finetune",
        description="Fine-tune a BERT-style model for sentiment analysis.",
    )
    add_flags(parser, JobConfig, JobConfig())
    add_flags(parser, TrainConfig, MAIN_JOB)
    return parser


def load_splits(job: JobConfig, seed: int) -> DatasetSplits:
    """Load the data the job names."""
    return load_dataset_splits(
        job.dataset, job.train, job.validation, job.test, job.text_column, job.label_column,
        job.max_train_examples, seed,
    )  # fmt: skip


def scores(evaluation: Evaluation, split: str) -> dict[str, object]:
    """Return a split's figures for metrics.json."""
    return {
        f"{split}_examples": len(evaluation.labels),
        f"{split}_accuracy": evaluation.accuracy,
        f"{split}_f1": evaluation.f1,
        f"{split}_loss": evaluation.loss,
    }


def collect_metrics(
    job: JobConfig, config: TrainConfig, splits: DatasetSplits, result: TrainResult
) -> dict[str, object]:
    """Return the run's figures: its settings, the cost of training, and its scores."""
    return {
        "model": job.model,
        "dataset": splits.name,
        "precision": result.precision,
        "train_examples": len(splits.train),
        "epochs_run": len(result.history.epochs),
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "seed": config.seed,
        "train_seconds": round(result.train_seconds, 3),
        "train_tokens": result.train_tokens,
        "train_tokens_per_second": round(result.tokens_per_second, 1),
        "optimizer_steps": result.optimizer_steps,
        "stopped_early": result.stopped_early,
        **scores(result.validation, "validation"),
        "label_names": splits.label_names,
        "versions": library_versions(),
    }


def announce(job: JobConfig, splits: DatasetSplits, model: object) -> None:
    """Print what this run trains: the model and where it came from, and the data."""
    print(f"Model: {describe(model)}, with a new {len(splits.label_names)}-label head")
    print(f"Data: {splits.summary()}")


def run(job: JobConfig, config: TrainConfig) -> dict[str, object]:
    """Train, evaluate and save as the settings say; return the metrics."""
    set_seed(config.seed)
    splits = load_splits(job, config.seed)
    tokenizer, model = load_classifier(job.model, splits.label_names)
    announce(job, splits, model)
    train_dataset = SentimentDataset.from_split(splits.train, tokenizer, job.max_length)
    validation_dataset = SentimentDataset.from_split(splits.validation, tokenizer, job.max_length)
    result = train_classifier(model, tokenizer, train_dataset, validation_dataset, config)
    from accelerate import PartialState

    if not PartialState().is_main_process:
        return {}
    classifier = SentimentClassifier(model.eval(), tokenizer, job.max_length, result.precision)
    metrics = collect_metrics(job, config, splits, result)
    metrics["model_class"] = type(model).__name__
    if splits.test is not None:
        metrics.update(scores(classifier.evaluate(splits.test.texts, splits.test.labels), "test"))
    save_outputs(Path(config.output_dir), classifier, result, metrics)
    return metrics


def save_outputs(
    output: Path, classifier: SentimentClassifier, result: TrainResult, metrics: dict[str, object]
) -> None:
    """Write the model, the training curves and metrics.json, then print the final figures."""
    classifier.save(output / "model")
    result.history.save_plot(output / "training_curves.png")
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    test = f", test accuracy {metrics['test_accuracy']:.2%}" if "test_accuracy" in metrics else ""
    print(
        f"\nValidation accuracy {metrics['validation_accuracy']:.2%} "
        f"(F1 {metrics['validation_f1']:.4f}){test}"
    )
    print(
        f"Training: {metrics['train_seconds']:.1f} s, "
        f"{metrics['train_tokens_per_second']:.0f} non-padding tokens/s, precision {metrics['precision']}"
    )
    print(f"Wrote {output}/metrics.json, {output}/model, {output}/training_curves.png")


def main(argv: list[str] | None = None) -> int:
    """Run the command; bad input ends with a clear message and exit status 2."""
    args = build_parser().parse_args(argv)
    job, config = from_flags(JobConfig, args), from_flags(TrainConfig, args)
    import matplotlib
    import transformers

    # A script draws to files only; importing this module leaves notebooks' backend alone.
    matplotlib.use("Agg")

    transformers.logging.set_verbosity_error()  # the load report of a fresh head is expected here
    try:
        run(job, config)
    except (DataError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\nInterrupted. Continue with the same command plus --resume "
            f"(checkpoints in {config.output_dir}).",
            file=sys.stderr,
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
