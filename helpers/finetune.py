"""Fine-tune a BERT-style model for sentiment analysis from the command line.

    python -m helpers.finetune                       # embedded model on the course's reviews
    python -m helpers.finetune --model bert-base-uncased --dataset sst2 --epochs 2
    accelerate launch -m helpers.finetune ...        # several GPUs

Writes OUTPUT/metrics.json, OUTPUT/model (safetensors), OUTPUT/training_curves.png and
resumable checkpoints in OUTPUT/checkpoints (continue with --resume).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.checkpoints import CheckpointError
from helpers.data import DATASETS, DatasetSplits, SentimentDataset, load_dataset_splits
from helpers.environment import PRECISIONS, library_versions, seed_everything
from helpers.evaluation import SentimentClassifier
from helpers.modeling import load_classifier
from helpers.readers import DataError
from helpers.training import TrainConfig, TrainResult, train_classifier


@dataclass
class FinetuneDefaults:
    """The embedded defaults: the course's main job when no flag is given."""

    model: str = "embedded"
    dataset: str = "sample"
    epochs: int = 4
    batch_size: int = 16
    learning_rate: float = 1e-4
    max_length: int = 128
    output: str = "runs/finetune"


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    defaults = FinetuneDefaults()
    parser = argparse.ArgumentParser(
        prog="python -m helpers.finetune",
        description="Fine-tune a BERT-style model for sentiment analysis.",
    )
    add = parser.add_argument
    add(
        "--model",
        default=defaults.model,
        help="Hub name or local folder; 'embedded' = all-MiniLM-L6-v2",
    )
    add(
        "--dataset",
        default=defaults.dataset,
        choices=DATASETS,
        help="named dataset (ignored with --train)",
    )
    add("--train", help="training file (.csv, .tsv or .jsonl)")
    add("--validation", help="validation file; without it 10%% of --train is held out")
    add("--test", help="test file, scored once at the end")
    add("--text-column", help="name of the text column (default: detected)")
    add("--label-column", help="name of the label column (default: detected)")
    add("--max-train-examples", type=int, help="train on a fixed random sample of this size")
    add(
        "--max-length",
        type=int,
        default=defaults.max_length,
        help="truncate texts to this many tokens",
    )
    add("--epochs", type=int, default=defaults.epochs)
    add("--batch-size", type=int, default=defaults.batch_size)
    add("--lr", type=float, default=defaults.learning_rate, help="peak learning rate")
    add("--gradient-accumulation-steps", type=int, default=1)
    add("--seed", type=int, default=0)
    add("--precision", default="auto", choices=PRECISIONS)
    add("--no-group-by-length", action="store_true", help="plain random batches")
    add("--early-stopping-patience", type=int, default=2, help="0 turns early stopping off")
    add("--checkpoint-every-steps", type=int, help="also checkpoint every N optimizer steps")
    add("--output", default=defaults.output, help="folder for metrics, model, plot and checkpoints")
    add("--resume", action="store_true", help="continue from the latest checkpoint in --output")
    add("--no-progress", action="store_true", help="hide progress bars")
    return parser


def train_config(args: argparse.Namespace) -> TrainConfig:
    """Return the TrainConfig the flags describe."""
    return TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        precision=args.precision,
        group_by_length=not args.no_group_by_length,
        early_stopping_patience=args.early_stopping_patience or None,
        seed=args.seed,
        output_dir=args.output,
        checkpoint_every_steps=args.checkpoint_every_steps,
        resume=args.resume,
        progress=not args.no_progress,
    )


def load_splits(args: argparse.Namespace) -> DatasetSplits:
    """Load the data the flags name."""
    return load_dataset_splits(
        args.dataset,
        args.train,
        args.validation,
        args.test,
        args.text_column,
        args.label_column,
        args.max_train_examples,
        args.seed,
    )


def collect_metrics(
    args: argparse.Namespace,
    splits: DatasetSplits,
    result: TrainResult,
    classifier: SentimentClassifier,
) -> dict[str, object]:
    """Return the run's figures: cost of training, and scores of the restored best model."""
    validation = classifier.evaluate(splits.validation.texts, splits.validation.labels)
    from sklearn.metrics import f1_score

    average = "binary" if len(splits.label_names) == 2 else "macro"
    metrics: dict[str, object] = {
        "model": args.model,
        "model_class": type(classifier.model).__name__,
        "dataset": splits.name,
        "precision": result.precision,
        "train_examples": len(splits.train),
        "epochs_run": len(result.history.epochs),
        "batch_size": args.batch_size,
        "learning_rate": args.lr,
        "seed": args.seed,
        "train_seconds": round(result.train_seconds, 3),
        "train_tokens": result.train_tokens,
        "train_tokens_per_second": round(result.tokens_per_second, 1),
        "optimizer_steps": result.optimizer_steps,
        "stopped_early": result.stopped_early,
        "validation_examples": len(splits.validation),
        "validation_accuracy": validation.accuracy,
        "validation_f1": float(
            f1_score(validation.labels, validation.predictions, average=average)
        ),
        "label_names": splits.label_names,
        "versions": library_versions(),
    }
    if splits.test is not None:
        test = classifier.evaluate(splits.test.texts, splits.test.labels)
        metrics["test_examples"] = len(splits.test)
        metrics["test_accuracy"] = test.accuracy
        metrics["test_f1"] = float(f1_score(test.labels, test.predictions, average=average))
    return metrics


def run(args: argparse.Namespace) -> dict[str, object]:
    """Train, evaluate and save as the flags say; return the metrics."""
    seed_everything(args.seed)
    splits = load_splits(args)
    print(f"Data: {splits.summary()}")
    tokenizer, model = load_classifier(args.model, splits.label_names)
    train_dataset = SentimentDataset.from_split(splits.train, tokenizer, args.max_length)
    validation_dataset = SentimentDataset.from_split(splits.validation, tokenizer, args.max_length)
    result = train_classifier(
        model, tokenizer, train_dataset, validation_dataset, train_config(args)
    )
    from accelerate import PartialState

    if not PartialState().is_main_process:
        return {}
    output = Path(args.output)
    classifier = SentimentClassifier(model.eval(), tokenizer, args.max_length)
    metrics = collect_metrics(args, splits, result, classifier)
    classifier.save(output / "model")
    result.history.save_plot(output / "training_curves.png")
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    print_summary(metrics, output)
    return metrics


def print_summary(metrics: dict[str, object], output: Path) -> None:
    """Print the final figures."""
    print(
        f"\nValidation accuracy {metrics['validation_accuracy']:.2%} (F1 {metrics['validation_f1']:.4f})"
        + (f", test accuracy {metrics['test_accuracy']:.2%}" if "test_accuracy" in metrics else "")
    )
    print(
        f"Training: {metrics['train_seconds']:.1f} s, "
        f"{metrics['train_tokens_per_second']:.0f} non-padding tokens/s, precision {metrics['precision']}"
    )
    print(f"Wrote {output}/metrics.json, {output}/model, {output}/training_curves.png")


def main(argv: list[str] | None = None) -> int:
    """Run the command; bad input ends with a clear message and exit status 2."""
    args = build_parser().parse_args(argv)
    import matplotlib
    import transformers

    # A script draws to files only; importing this module leaves notebooks' backend alone.
    matplotlib.use("Agg")

    transformers.logging.set_verbosity_error()  # the load report of a fresh head is expected here
    try:
        run(args)
    except (DataError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"\nInterrupted. Continue with the same command plus --resume (checkpoints in {args.output}).",
            file=sys.stderr,
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
