"""The fine-tuning speed benchmark still runs: its --quick mode, end to end, into a temporary folder."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.assets import shared_sst2_dir

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "finetune_speed.py"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    """Run the benchmark in quick mode once and return its JSON report."""
    if shared_sst2_dir() is None or not (shared_sst2_dir() / "dev.tsv").is_file():
        pytest.skip("../shared/data/sst2 is absent: the benchmark needs the shared SST-2 files")
    output = tmp_path_factory.mktemp("benchmark")
    finished = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1200,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-4000:]
    assert (output / "finetune_speed.md").is_file()
    return json.loads((output / "finetune_speed.json").read_text(encoding="utf-8"))


def test_quick_report_has_the_three_implementations(report):
    assert report["quick"] is True
    assert set(report["training"]) == {"plain", "trainer", "helpers"}
    assert set(report["ratios"]) == {
        "helpers_over_trainer_tokens_per_second",
        "helpers_over_plain_tokens_per_second",
    }


def test_quick_training_figures_are_sane(report):
    for name, row in report["training"].items():
        assert row["tokens_per_second"] > 0, name
        assert 0 <= row["padding_share"] < 1, name
        assert 0 <= row["accuracy"] <= 1, name
        assert row["train_seconds"] > 0 and row["peak_memory_mib"] > 0, name
        assert 0 < row["mfu"], name
    tokens = {row["tokens"] for row in report["training"].values()}
    assert len(tokens) == 1  # the same non-padding tokens went through all three


def test_quick_inference_figures_are_sane(report):
    methods = report["inference"]["methods"]
    assert set(methods) == {"helpers", "pipeline", "pipeline_bs32"}
    for name, row in methods.items():
        assert row["sentences_per_second"] > 0, name
        assert 0 <= row["identical_to_helpers"] <= 1, name
