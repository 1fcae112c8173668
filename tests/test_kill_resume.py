"""SIGKILL a real training run anywhere, resume it, and end exactly like an uninterrupted run.

tests/kill_driver.py trains a tiny BERT (2 epochs of 4 optimizer steps, a step checkpoint every
2 steps, so each epoch's end writes a second checkpoint of the same step count) in forked child
processes. An uninterrupted reference run records every filesystem operation under its output
folder; each kill point is then one run killed there (SIGKILL: no cleanup) and a second process
that resumes it. The resumed run must use the newest complete checkpoint (never start from
scratch when there is one) and end with the same metrics and weights, bit for bit: every
process runs the same operations in the same order on the CPU with one thread, so results are
reproducible exactly, and a checkpoint restores every bit of state (fp32 weights and AdamW
moments in safetensors, floats in JSON round-trip exactly, all RNG states).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

DRIVER = Path(__file__).with_name("kill_driver.py")
TEARING = ("save", "write_text", "rmtree")  # killed half-way, these leave a torn file or folder
FOLDER = re.compile(r"checkpoints/(step-\d+-\d+)")  # a checkpoint renamed into place: complete

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and /proc/self/fd"),
]


class Driver:
    """The driver process: it imports torch once and forks one process per training run."""

    def __init__(self) -> None:
        path = os.pathsep.join(filter(None, [str(DRIVER.parents[1]), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{DRIVER.name} did not start (its error is printed above)")
        self.ready = json.loads(line)["ready"]

    def run(self, chains: list[list[dict]], workers: int = 1) -> list[list[dict]]:
        """Run chains of jobs (each job's outcome comes back in the same shape)."""
        self.process.stdin.write(json.dumps({"chains": chains, "workers": workers}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        """End the driver process."""
        self.process.stdin.close()
        self.process.wait(timeout=60)


@dataclass
class Finished:
    """What a run that ended produced: its metrics, weights, output and first step trained."""

    metrics: dict
    weights: dict[str, torch.Tensor]
    log: str
    first_step: int | None
    trace: list | None


def finished(folder: Path, name: str) -> Finished:
    """Read what the job `name` wrote in `folder`."""
    report = json.loads((folder / f"{name}.json").read_text())
    return Finished(
        report["metrics"],
        load_file(str(folder / f"{name}.safetensors")),
        (folder / f"{name}.log").read_text(),
        report["first_step"],
        report["trace"],
    )


@dataclass
class KillPoint:
    """Where to kill the run: after an `on_step` call, or during the filesystem event `index`."""

    label: str
    kill: dict
    complete: str | None  # the newest complete checkpoint at that moment (None: none yet)


def renamed(events: list) -> list[str]:
    """Return the checkpoint folders renamed into place (so complete) among `events`, in order."""
    matches = [FOLDER.fullmatch(path) for kind, path in events if kind == "replace"]
    return [match[1] for match in matches if match]


def newest_complete(events: list) -> str | None:
    """Return the checkpoint folder renamed into place last among `events`."""
    return (renamed(events) or [None])[-1]


def step_kills(trace: list, steps: tuple[int, ...]) -> list[KillPoint]:
    """Kill points right after `on_step(step)` for each of `steps`."""
    points = []
    for step in steps:
        at = trace.index(["step", step])
        points.append(KillPoint(f"after step {step}", {"step": step}, newest_complete(trace[:at])))
    return points


def writes_around(trace: list, folder: str) -> range:
    """Return the indices of the events between the two `on_step` calls around `folder`'s rename."""
    at = trace.index(["replace", f"checkpoints/{folder}"])
    steps = [index for index, (kind, _) in enumerate(trace) if kind == "step"]
    start = max((index for index in steps if index < at), default=-1) + 1
    return range(start, min((index for index in steps if index > at), default=len(trace)))


def is_distinct(trace: list, index: int) -> bool:
    """Return True when a kill during event `index` leaves a state no earlier kill left."""
    kind, previous = trace[index][0], trace[index - 1][0]
    # A write or deletion killed half-way, the moment before a rename, and the one after a rename
    # or a folder's creation; an fsync changes nothing a SIGKILL could lose.
    return kind in TEARING or kind == "replace" or previous in ("replace", "mkdir")


def event_kills(trace: list, folder: str, only: tuple[str, ...] = ()) -> list[KillPoint]:
    """Kill points inside the writes around checkpoint `folder` (best/, it, pruning)."""
    points = []
    for index in writes_around(trace, folder):
        kind, path = trace[index]
        if not is_distinct(trace, index) or (only and not any(word in path for word in only)):
            continue
        kill = {"event": index + 1, "expect": [kind, path]}
        label = f"during {kind} {path}"
        points.append(KillPoint(label, kill, newest_complete(trace[:index])))
    return points


def kill_points(trace: list) -> list[KillPoint]:
    """Where the test kills: between and right after checkpoints, and inside three writes."""
    folders = renamed(trace)
    epoch_end = [name for name in folders if name.startswith("step-00000004-")][1]
    step_six = next(name for name in folders if name.startswith("step-00000006-"))
    return [
        *step_kills(trace, (1, 2, 3, 4, 5)),  # before any checkpoint, right after one, between
        *event_kills(trace, epoch_end),  # best/ first written, then step 4 a second time
        *event_kills(trace, step_six),  # best/ rewritten, a step checkpoint, step 2 pruned
        *event_kills(trace, folders[-1], only=("manifest", ".trash", "best/model.safetensors.")),
    ]


@pytest.fixture(scope="module")
def driver():
    process = Driver()
    yield process
    process.close()


@pytest.fixture(scope="module")
def reference(driver, tmp_path_factory) -> Finished:
    """An uninterrupted run, whose trace lists every filesystem operation of its checkpoints."""
    folder = tmp_path_factory.mktemp("reference")
    job = {"name": "reference", "dir": str(folder), "resume": False, "trace": True}
    [[outcome]] = driver.run([[job]])
    assert outcome["exit_code"] == 0, (folder / "reference.log").read_text()
    return finished(folder, "reference")


def test_the_reference_run_exercises_every_window(reference):
    trace = reference.trace
    steps = [int(name.split("-")[1]) for name in renamed(trace)]
    assert steps == [2, 4, 4, 6, 8, 8]  # each epoch's end repeats a step checkpoint's count
    assert trace.count(["replace", "checkpoints/best/model.safetensors"]) >= 2  # and rewritten
    assert any(kind == "rmtree" for kind, _ in trace)  # pruning happened
    assert reference.metrics["optimizer_steps"] == 8


def check_resumed(point: KillPoint, folder: Path, outcomes: list[dict], reference) -> list[str]:
    """Return what went wrong with one kill point (an empty list when all is well)."""
    killed, resumed = outcomes
    if killed["signal"] != 9:
        return [f"the run was not killed there: {killed}, see {folder / 'killed.log'}"]
    if resumed["exit_code"] != 0:
        return [f"the resume failed: {(folder / 'resumed.log').read_text()[-2000:]}"]
    run = finished(folder, "resumed")
    problems = []
    used = re.search(r"Resumed from \S*/(step-[\w-]+):", run.log)
    used = used[1] if used else None
    if used != point.complete:
        problems.append(f"resumed from {used}, not the newest complete {point.complete}")
    if point.complete and "starting from scratch" in run.log:
        problems.append("started from scratch although a complete checkpoint existed")
    if not point.complete and ("starting from scratch" not in run.log or run.first_step != 1):
        problems.append("did not say it started from scratch, or did not start at step 1")
    announced = re.search(r"Resuming from checkpoint \S*/(step-[\w-]+), the newest", run.log)
    if used and used != killed["latest"] and not (announced and announced[1] == used):
        problems.append(f"fell back from latest.txt's {killed['latest']} to {used} silently")
    differ = [key for key, value in reference.metrics.items() if run.metrics[key] != value]
    if differ:
        problems.append(f"these metrics differ from the uninterrupted run's: {differ}")
    different = [k for k, v in reference.weights.items() if not torch.equal(v, run.weights[k])]
    if different:
        problems.append(f"{len(different)} weight tensors differ, such as {different[0]}")
    return problems


def test_a_kill_anywhere_then_a_resume_ends_exactly_like_the_uninterrupted_run(
    driver, reference, tmp_path_factory
):
    points = kill_points(reference.trace)
    root = tmp_path_factory.mktemp("kills")
    folders = [root / f"{number:02d}" for number in range(len(points))]
    chains = [
        [
            {"name": "killed", "dir": str(folder), "resume": False, "kill": point.kill},
            {"name": "resumed", "dir": str(folder), "resume": True},
        ]
        for folder, point in zip(folders, points, strict=True)
    ]
    rerun = {"name": "reference", "dir": str(root / "rerun"), "resume": False}
    outcomes = driver.run([[rerun], *chains], workers=min(2, os.cpu_count() or 1))
    again = finished(root / "rerun", "reference")  # a second uninterrupted run: reproducible?
    assert again.metrics == reference.metrics
    assert all(torch.equal(value, again.weights[key]) for key, value in reference.weights.items())
    failures = []
    for point, folder, outcome in zip(points, folders, outcomes[1:], strict=True):
        problems = check_resumed(point, folder, outcome, reference)
        failures += [f"{point.label} [{folder.name}]: {problem}" for problem in problems]
        if not problems:  # keep the logs only: the checkpoints weigh 30 MB a kill point
            shutil.rmtree(folder / "run")
            (folder / "resumed.safetensors").unlink()
    assert not failures, f"{len(failures)} problems in {len(points)} kill points:\n" + "\n".join(
        failures
    )
    fallbacks = sum(  # kills after which latest.txt does not name the newest complete one
        killed["latest"] not in (None, point.complete)
        for point, (killed, _) in zip(points, outcomes[1:], strict=True)
    )
    assert fallbacks and any(point.complete is None for point in points)  # and fresh starts
