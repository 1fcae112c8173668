"""The fine-tuning speed benchmark still runs: --quick, end to end, with its default output.

Quick mode writes into the ignored benchmarks/results/quick/, never over the committed full
results in benchmarks/results/: one run serves every test here.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.assets import shared_sst2_dir

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "finetune_speed.py"
RESULTS = ROOT / "benchmarks" / "results"
QUICK_RESULTS = RESULTS / "quick"
REPORTS = ("finetune_speed.json", "finetune_speed.md")


def git(*args: str) -> subprocess.CompletedProcess | None:
    """Run git in the checkout; None where there is no git or no checkout."""
    if shutil.which("git") is None:
        return None
    finished = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return None if "not a git repository" in finished.stderr else finished


def snapshot() -> dict[str, object]:
    """Return git's status of benchmarks/ and the bytes of every file in the committed results."""
    status = git("status", "--porcelain", "--untracked-files=all", "--", "benchmarks")
    files = {
        str(path.relative_to(ROOT)): path.read_bytes()
        for path in sorted(RESULTS.rglob("*"))
        if path.is_file() and QUICK_RESULTS not in path.parents
    }
    return {"status": status.stdout if status else None, "files": files}


@pytest.fixture(scope="module")
def quick_run() -> dict[str, object]:
    """Run the benchmark in quick mode once, default output; return snapshots and its report."""
    if shared_sst2_dir() is None or not (shared_sst2_dir() / "dev.tsv").is_file():
        pytest.skip("../shared/data/sst2 is absent: the benchmark needs the shared SST-2 files")
    for name in REPORTS:  # only this run's report may be read below
        (QUICK_RESULTS / name).unlink(missing_ok=True)
    before = snapshot()
    finished = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1200,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-4000:]
    after = snapshot()
    report = json.loads((QUICK_RESULTS / "finetune_speed.json").read_text(encoding="utf-8"))
    return {"before": before, "after": after, "report": report}


@pytest.fixture(scope="module")
def report(quick_run) -> dict:
    """The JSON report of the quick run."""
    return quick_run["report"]


def test_quick_run_leaves_the_committed_results_untouched(quick_run):
    assert quick_run["after"] == quick_run["before"]
    assert all((QUICK_RESULTS / name).is_file() for name in REPORTS)
    ignored = git("check-ignore", "--quiet", str(QUICK_RESULTS / REPORTS[0]))
    if ignored is not None:
        assert ignored.returncode == 0, "benchmarks/results/quick/ must be in .gitignore"


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
