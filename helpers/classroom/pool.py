"""Run many notebooks at once, each in its own process and kernel, none able to stop the rest.

Each job runs `helpers.classroom.runner` in a new process session. A job that outlives its
notebook time limit (plus a grace period) is killed with its kernel, and its outcome says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from helpers.classroom.runner import CELLS_LOG, KERNEL_PID, Job
from helpers.exercises.capture import RECORDS

GRACE_SECONDS = 60


@dataclass
class Outcome:
    """What came back from one job: each cell's status, the recorded answers, why it stopped."""

    cells: dict[int, dict] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)
    stopped: str = ""  # "", "timeout", "kernel died", or "grading failed: ..."


def _read_lines(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by a dying process
            continue
    return lines


def _kill(process: subprocess.Popen, folder: Path) -> None:
    """Kill a runner's process group and its kernel's (a kernel runs in its own session)."""
    kernel = (folder / KERNEL_PID).read_text().strip() if (folder / KERNEL_PID).exists() else ""
    for pid in (process.pid, int(kernel) if kernel.isdigit() else 0):
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    process.wait()


def run_job(job: Job) -> Outcome:
    """Run one job in its own process and return its outcome."""
    folder = Path(job.folder)
    job.save(folder / "job.json")
    command = [sys.executable, "-m", "helpers.classroom.runner", str(folder / "job.json")]
    with open(folder / "runner.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=job.notebook_timeout + GRACE_SECONDS)
            killed = False
        except subprocess.TimeoutExpired:
            _kill(process, folder)
            killed = True
    outcome = Outcome({line["index"]: line for line in _read_lines(folder / CELLS_LOG)})
    outcome.records = _read_lines(folder / RECORDS)
    last = outcome.cells[max(outcome.cells)] if outcome.cells else {}
    if killed or last.get("stopped"):
        outcome.stopped = "timeout"
    elif last.get("status") == "kernel died":
        outcome.stopped = "kernel died"
    elif process.returncode:
        tail = (folder / "runner.log").read_text(errors="replace").strip().splitlines()[-1:]
        outcome.stopped = f"grading failed: {' '.join(tail)[:200]}"
    return outcome


def run_jobs(jobs: list[Job], workers: int) -> list[Outcome]:
    """Run `jobs` with at most `workers` at a time; return their outcomes in order."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(run_job, jobs))
