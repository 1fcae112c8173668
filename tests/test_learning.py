"""Real fine-tuning runs: the model must actually learn (a broken loop lands far below)."""

import json

import pytest

from helpers.assets import shared_sst2_dir
from helpers.finetune import main


@pytest.fixture(scope="module")
def main_job_metrics(tmp_path_factory) -> dict:
    """Run the command with its embedded defaults once; the tests below read its metrics."""
    output = tmp_path_factory.mktemp("main_job")
    assert main(["--no-progress", "--output", str(output)]) == 0
    metrics = json.loads((output / "metrics.json").read_text())
    keys = ("test_accuracy", "validation_accuracy", "train_seconds", "train_tokens_per_second")
    print(json.dumps({key: metrics[key] for key in keys}))
    return metrics


@pytest.mark.slow
def test_main_job_learns_the_course_reviews(main_job_metrics):
    """The embedded defaults learn: far above chance (50%) on the held-out splits."""
    assert main_job_metrics["validation_accuracy"] >= 0.85
    assert main_job_metrics["test_accuracy"] >= 0.80


@pytest.mark.slow
def test_main_job_reaches_85_percent_on_the_test_split(main_job_metrics):
    """The course's target for the embedded model: at least 85% on the reviews' test split.

    Measured with the 1,218 training reviews (seeds 0-3, one thread): test 86.7, 85.9, 85.9 and
    89.2%, validation 88.8-90.0%. The margin is a few reviews (one review is 0.41 points), so a
    drop below 85% after a library upgrade deserves a look at the seed spread before blame.
    """
    assert main_job_metrics["test_accuracy"] >= 0.85


@pytest.mark.slow
@pytest.mark.skipif(shared_sst2_dir() is None, reason="../shared/data/sst2 is absent (fresh clone)")
def test_sst2_2000_rows_two_epochs_reach_79_percent(tmp_path):
    """2,000 SST-2 rows, 2 epochs, batch 32, lr 5e-5: HF Trainer lands at 80-82% here."""
    folder = shared_sst2_dir()
    arguments = [
        "--train", str(folder / "train.tsv"), "--validation", str(folder / "dev.tsv"),
        "--max-train-examples", "2000", "--epochs", "2", "--batch-size", "32", "--lr", "5e-5",
        "--seed", "0", "--no-progress", "--output", str(tmp_path),
    ]  # fmt: skip
    assert main(arguments) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    print(
        json.dumps(
            {
                key: metrics[key]
                for key in ("validation_accuracy", "train_seconds", "train_tokens_per_second")
            }
        )
    )
    assert metrics["validation_examples"] == 872 and metrics["train_examples"] == 2000
    assert metrics["validation_accuracy"] >= 0.79
