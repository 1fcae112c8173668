"""Audit every commit of the students' repository, not only the files checked out.

A key pushed once stays readable in the repository's history even after a later release
removed it. ``audit TREE --hidden H --history`` runs the release audit on each commit of
``TREE``'s git repository (every branch and remote branch), allowing in each commit the keys
that commit's own release marker says were released on purpose.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from pathlib import Path

from helpers.classroom.manifest import NotebookInfo
from helpers.classroom.release import ReleaseError, audit, keys_released_in


def _git(tree: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} in {tree}: {done.stderr.strip()}")
    return done.stdout


def commits(tree: Path) -> list[str]:
    """Return every commit reachable from a branch, tag or remote branch, oldest first."""
    if not (tree / ".git").exists():
        raise ReleaseError(f"{tree} is not a git repository: --history reads its commits")
    return _git(tree, "rev-list", "--all", "--reverse").split()


def unpack(tree: Path, commit: str, folder: Path) -> None:
    """Write the files of `commit` into `folder`."""
    archive = folder.parent / f"{commit}.tar"
    with open(archive, "wb") as file:
        subprocess.run(["git", "-C", str(tree), "archive", commit], stdout=file, check=True)
    with tarfile.open(archive) as opened:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12 and later
            opened.extractall(folder, filter="data")
        else:
            opened.extractall(folder)
    archive.unlink()


def audit_history(tree: Path, notebooks: list[NotebookInfo], keys_from: Path) -> list[str]:
    """Return every leak in every commit of `tree`'s repository, each named by its commit."""
    leaks = []
    with tempfile.TemporaryDirectory(prefix="audit-history-") as work:
        for commit in commits(tree):
            folder = Path(work) / commit
            unpack(tree, commit, folder)
            title = _git(tree, "log", "-1", "--format=%h %as %s", commit).strip()
            found = audit(folder, notebooks, keys_from, keys_released_in(folder))
            leaks += [f"commit {title}: {leak}" for leak in found]
    return leaks
