"""Runs tiny training runs for tests/test_kill_resume.py, each in its own process, and kills them.

Started once per test module: it imports torch and transformers once, then reads requests
(one JSON line each: chains of jobs) on stdin and answers one line per request on stdout. Each
job is a real training run in its own forked process, which SIGKILLs itself at the chosen point;
the jobs of a chain run one after the other (a killed run, then its resume), chains side by side:

    {"name": "killed", "dir": "...", "resume": false, "kill": {"step": 4}}
    {"name": "killed", "dir": "...", "resume": false, "kill": {"event": 17, "expect": [...]}}
    {"name": "resumed", "dir": "...", "resume": true, "kill": null, "trace": false}

`event` counts the filesystem operations inside the run's folder (mkdir, safetensors saves,
write_text, fsync, os.replace, shutil.rmtree) and kills the child during the chosen one: a write
is left torn (half a file), a deletion half done, an fsync or rename not done. A run that ends
writes NAME.json (metrics, the first step it trained, the trace if asked) and NAME.safetensors
(the final weights) in `dir`; its printed output goes to NAME.log.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the children are forked
os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

STARTED = time.perf_counter()
from safetensors.torch import save_file  # noqa: E402
from tiny_bert import tiny_model  # noqa: E402

import helpers.checkpoints  # noqa: E402
from helpers.data import SentimentDataset, load_dataset_splits  # noqa: E402
from helpers.modeling import load_tokenizer  # noqa: E402
from helpers.settings import TrainConfig  # noqa: E402
from helpers.training import train_classifier  # noqa: E402

# The run every job trains: 64 reviews, batches of 16, so 4 optimizer steps per epoch; a step
# checkpoint every 2 steps, so the end of each epoch checkpoints a step count a second time.
CONFIG = dict(
    epochs=2,
    batch_size=16,
    learning_rate=1e-3,
    precision="fp32",
    progress=False,
    checkpoint_every_steps=2,
    early_stopping_patience=0,
)
TRAIN_EXAMPLES, VALIDATION_EXAMPLES, MAX_LENGTH = 64, 64, 48
JOB_SECONDS = 300


class Tripwire:
    """Counts the filesystem operations under one folder and kills the process at one of them."""

    def __init__(self, folder: Path, kill: dict | None) -> None:
        self.folder = folder.resolve()
        self.kill = kill or {}
        self.events: list[list] = []

    def inside(self, path) -> str | None:
        """Return `path` relative to the run's folder, or None when it is elsewhere."""
        path = Path(os.path.abspath(path))
        return str(path.relative_to(self.folder)) if path.is_relative_to(self.folder) else None

    def event(self, kind: str, path, tear=None) -> None:
        """Record one operation; at the chosen one, `tear()` what it started and die."""
        relative = self.inside(path)
        if relative is None:
            return
        self.events.append([kind, relative])
        if self.kill.get("event") == len(self.events):
            if self.kill.get("expect") != [kind, relative]:
                print(f"kill point moved: {self.kill.get('expect')} is now {[kind, relative]}")
                os._exit(3)
            if tear is not None:
                tear()
            die()

    def step(self, global_step: int) -> None:
        """The loop's `on_step`: record the step, and die after the chosen one."""
        self.events.append(["step", global_step])
        if self.kill.get("step") == global_step:
            die()


def die() -> None:
    """SIGKILL this process: no cleanup, no flushing, exactly as a crash or the OOM killer."""
    os.kill(os.getpid(), signal.SIGKILL)


def halve(path) -> None:
    """Cut a file to half its size, as a write interrupted half-way leaves it."""
    with open(path, "r+b") as file:
        file.truncate(os.path.getsize(path) // 2)


def tear_save(real, tensors_or_model, filename, *args, **kwargs) -> None:
    """Leave half a safetensors file, as a save interrupted half-way does."""
    real(tensors_or_model, filename, *args, **kwargs)
    halve(filename)


def tear_write(real, path, data, *args, **kwargs) -> None:
    """Leave half a text file, as a write interrupted half-way does."""
    real(path, data[: len(data) // 2], *args, **kwargs)


def tear_rmtree(real, path, *args, **kwargs) -> None:
    """Delete one file of a folder, as a deletion interrupted half-way leaves it."""
    for item in sorted(Path(path).rglob("*")):
        if item.is_file():
            item.unlink()
            return


def wrap(wire: Tripwire, kind: str, real, path_of, tear=None):
    """Return `real` reporting to `wire` first, with how to tear it if the process dies in it."""

    def wrapper(*args, **kwargs):
        torn = (lambda: tear(real, *args, **kwargs)) if tear else None
        wire.event(kind, path_of(*args), torn)
        return real(*args, **kwargs)

    return wrapper


def install(wire: Tripwire) -> None:
    """Route the operations the checkpoint module uses through `wire` (in this process only)."""
    os.fsync = wrap(wire, "fsync", os.fsync, lambda fd: os.readlink(f"/proc/self/fd/{fd}"))
    os.replace = wrap(wire, "replace", os.replace, lambda source, target: target)
    shutil.rmtree = wrap(wire, "rmtree", shutil.rmtree, lambda path, *_: path, tear_rmtree)
    Path.write_text = wrap(wire, "write_text", Path.write_text, lambda path, *_: path, tear_write)
    Path.mkdir = wrap(wire, "mkdir", Path.mkdir, lambda path, *_: path)
    for name in ("save_file", "save_model"):  # as the checkpoint module imported them
        real = getattr(helpers.checkpoints, name)
        saved = wrap(wire, "save", real, lambda _, filename, *__: filename, tear_save)
        setattr(helpers.checkpoints, name, saved)


def metrics(result) -> dict:
    """Return what the run measured, without its wall-clock times."""
    history = asdict(result.history)
    for record in history["epochs"]:
        record.pop("train_seconds")
    validation = result.validation
    return {
        "history": history,
        "optimizer_steps": result.optimizer_steps,
        "train_tokens": result.train_tokens,
        "stopped_early": result.stopped_early,
        "validation": {
            "loss": validation.loss,
            "accuracy": validation.accuracy,
            "f1": validation.f1,
            "probabilities": validation.probabilities.tolist(),
        },
    }


def train(job: dict, tokenizer, train_set, validation_set) -> None:
    """Run one job's training in this (child) process and write what it produced."""
    folder = Path(job["dir"])
    wire = Tripwire(folder / "run", job.get("kill"))
    first_steps: list[int] = []

    def on_step(global_step: int) -> None:
        first_steps.append(global_step)
        wire.step(global_step)

    install(wire)
    model = tiny_model(tokenizer)
    config = TrainConfig(output_dir=str(wire.folder), resume=job["resume"], **CONFIG)
    result = train_classifier(model, tokenizer, train_set, validation_set, config, on_step)
    name = job["name"]
    weights = {key: value.contiguous() for key, value in model.state_dict().items()}
    save_file(weights, str(folder / f"{name}.safetensors"))
    report = {
        "metrics": metrics(result),
        "first_step": first_steps[0] if first_steps else None,
        "trace": wire.events if job.get("trace") else None,
    }
    (folder / f"{name}.json").write_text(json.dumps(report), encoding="utf-8")


def child(job: dict, data) -> None:
    """The forked process: output to NAME.log, run the job, never return."""
    code = 1
    try:
        log = os.open(
            Path(job["dir"]) / f"{job['name']}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644
        )
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.stdout.reconfigure(line_buffering=True)
        sys.stderr.reconfigure(line_buffering=True)
        signal.alarm(JOB_SECONDS)  # a hung run ends with SIGALRM instead of hanging the test
        train(job, *data)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def snapshot(job: dict) -> dict:
    """Return what the job left in its checkpoint folder: latest.txt and the entries."""
    root = Path(job["dir"]) / "run" / "checkpoints"
    latest = root / "latest.txt"
    return {
        "latest": latest.read_text(encoding="utf-8") if latest.is_file() else None,
        "entries": sorted(path.name for path in root.iterdir()) if root.is_dir() else [],
    }


def start_job(job: dict, data) -> int:
    """Fork a child process that runs the job; return its process id."""
    Path(job["dir"]).mkdir(parents=True, exist_ok=True)
    pid = os.fork()
    if pid == 0:
        child(job, data)
    return pid


def ending(status: int, job: dict, started: float) -> dict:
    """Say how a child ended (exit code or signal) and what it left on disk."""
    return {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "seconds": round(time.perf_counter() - started, 2),
        **snapshot(job),
    }


def run_chains(chains: list[list[dict]], workers: int, data) -> list[list[dict]]:
    """Run each chain's jobs one after the other, up to `workers` chains at a time."""
    endings: list[list[dict]] = [[] for _ in chains]
    waiting = list(range(len(chains)))
    running: dict[int, tuple[int, float]] = {}  # pid: (chain, started)
    while waiting or running:
        while waiting and len(running) < workers:
            chain = waiting.pop(0)
            running[start_job(chains[chain][0], data)] = (chain, time.perf_counter())
        pid, status = os.wait()
        chain, started = running.pop(pid)
        job = chains[chain][len(endings[chain])]
        endings[chain].append(ending(status, job, started))
        if len(endings[chain]) < len(chains[chain]):
            running[start_job(chains[chain][len(endings[chain])], data)] = (
                chain,
                time.perf_counter(),
            )
    return endings


def load_data():
    """Return the tokenizer and the training and validation sets every job uses."""
    tokenizer = load_tokenizer()
    splits = load_dataset_splits("sample", max_train_examples=TRAIN_EXAMPLES)
    validation = splits.validation
    return (
        tokenizer,
        SentimentDataset.from_split(splits.train, tokenizer, max_length=MAX_LENGTH),
        SentimentDataset(
            validation.texts[:VALIDATION_EXAMPLES],
            validation.labels[:VALIDATION_EXAMPLES],
            tokenizer,
            max_length=MAX_LENGTH,
        ),
    )


def main() -> None:
    """Load the data once, then answer each request line: {"chains": [[job, ...], ...]}."""
    data = load_data()
    print(json.dumps({"ready": round(time.perf_counter() - STARTED, 2)}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        endings = run_chains(request["chains"], request.get("workers", 1), data)
        print(json.dumps(endings), flush=True)


if __name__ == "__main__":
    main()
