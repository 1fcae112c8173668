"""Progress of a long loop: a bar in a terminal or notebook, plain lines in a log file or CI.

Used by the training loop (notebooks 05 and 06, `python -m helpers.finetune`).
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm


def in_notebook() -> bool:
    """Return True inside a Jupyter (or Colab) kernel, where tqdm draws a widget bar."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython()
    return ipython is not None and type(ipython).__name__ in ("ZMQInteractiveShell", "Shell")


class PlainProgress:
    """A progress 'bar' for logs: one printed line each time the loop reports a loss."""

    def __init__(self, total: int, initial: int, desc: str) -> None:
        self.total, self.count, self.desc = total, initial, desc

    def update(self, steps: int = 1) -> None:
        """Count `steps` more batches."""
        self.count += steps

    def set_postfix(self, **values: Any) -> None:
        """Print one line: where the loop is, and the values given."""
        shown = ", ".join(f"{name} {value}" for name, value in values.items())
        print(f"{self.desc}: {self.count}/{self.total} batches, {shown}", flush=True)

    def close(self) -> None:
        """Nothing to tidy: every line is already printed."""


def progress_bar(total: int, initial: int, desc: str, enabled: bool = True) -> Any:
    """Return a tqdm bar in a terminal or notebook, plain lines when output goes to a file."""
    if enabled and not (in_notebook() or sys.stderr.isatty()):
        return PlainProgress(total, initial, desc)
    return tqdm(total=total, initial=initial, desc=desc, disable=not enabled, leave=True)
