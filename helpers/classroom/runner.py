"""Run chosen cells of one notebook in a fresh kernel: `python -m helpers.classroom.runner JOB`.

One process per submitted notebook, started by `helpers.classroom.pool`. It writes, in the
job's folder and as it goes (so a crash loses nothing already written): ``cells.jsonl``, one
line per cell run (its index, execution count, status and error), ``kernel.pid``, and at the
end ``executed.ipynb``. The kernel appends the answers its checks record to ``answers.jsonl``.
A cell that raises does not stop the run; a cell past its timeout is interrupted and the run
goes on; a dead kernel or the notebook's time limit ends it.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

CELLS_LOG = "cells.jsonl"
KERNEL_PID = "kernel.pid"
_TIMEOUT_ERROR = {"ename": "CellTimeout", "evalue": "the cell ran past its time limit"}


@dataclass
class Job:
    """One notebook to run: which cells, with which limits, in which folder and environment."""

    notebook: str
    folder: str
    cells: list[int]
    exercise_cells: list[int]
    code: dict[str, str] = field(default_factory=dict)  # what to run instead of a cell's source
    cell_timeout: float = 30.0
    notebook_timeout: float = 600.0
    env: dict[str, str] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        """Write the job as JSON."""
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Job:
        """Read a job written by `save`."""
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def _log(job: Job, **entry: object) -> None:
    with open(Path(job.folder) / CELLS_LOG, "a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")


def _limit(job: Job, index: int, deadline: float) -> int:
    """Return the seconds cell `index` may run: exercise cells get the cell timeout."""
    remaining = deadline - time.monotonic()
    if index in job.exercise_cells:
        remaining = min(remaining, job.cell_timeout)
    return max(1, int(remaining))


def _run_cell(client, job: Job, index: int, deadline: float, replies: dict) -> str:
    """Run one cell and log it; return its status."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    cell = client.nb.cells[index]
    cell.source = job.code.get(str(index), cell.source)
    client.timeout = _limit(job, index, deadline)
    started = time.time()
    try:
        client.execute_cell(cell, index)
    except DeadKernelError:
        _log(job, index=index, status="kernel died", started=started, ended=time.time())
        return "kernel died"
    except CellTimeoutError:
        _log(job, index=index, status="timeout", started=started, ended=time.time())
        return "timeout"
    content = replies.get(index, {}).get("content", {})
    status = content.get("status", "ok")
    ename, evalue = content.get("ename", ""), str(content.get("evalue", ""))[:300]
    if ename == _TIMEOUT_ERROR["ename"]:
        status = "timeout"
    _log(
        job,
        index=index,
        status=status,
        ename=ename,
        evalue=evalue,
        started=started,
        ended=time.time(),
    )
    return status


def run(job: Job) -> None:
    """Run the job's cells in a fresh kernel, logging each one."""
    # jsonschema (through nbformat) imports rfc3987_syntax, which builds a parser for IRIs at
    # import time: seconds per notebook. Notebooks have no IRIs to check; skip it.
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(job.notebook, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout=_TIMEOUT_ERROR,
        startup_timeout=int(min(120, job.notebook_timeout)),
        shutdown_kernel="immediate",
        resources={"metadata": {"path": job.folder}},
    )
    replies: dict[int, dict] = {}
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.update(
        {cell_index: execute_reply}
    )
    deadline = time.monotonic() + job.notebook_timeout
    try:
        with client.setup_kernel(env=job.env, cwd=job.folder):
            pid = getattr(client.km.provisioner, "pid", None)
            (Path(job.folder) / KERNEL_PID).write_text(str(pid or ""), encoding="utf-8")
            _run_cells(client, job, deadline, replies)
    finally:
        nbformat.write(notebook, str(Path(job.folder) / "executed.ipynb"))


def _run_cells(client, job: Job, deadline: float, replies: dict) -> None:
    for index in job.cells:
        if time.monotonic() >= deadline:
            _log(job, index=index, status="timeout", stopped="the notebook's time limit")
            return
        status = _run_cell(client, job, index, deadline, replies)
        if status == "timeout" and index not in job.exercise_cells:  # it had all the time left
            _log(job, index=index, status="timeout", stopped="the notebook's time limit")
        if status == "kernel died" or status == "timeout" and index not in job.exercise_cells:
            return


if __name__ == "__main__":
    run(Job.load(Path(sys.argv[1])))
