"""Point the course at a fork: `python -m helpers.fork https://github.com/you/your-fork [--branch main]`.

Rewrites the repository address in helpers/course.py and, in every notebook, the Colab badge
and the setup cell's `pip install` line, so a fork's notebooks install the fork's package.
For instructors: see the README's section "For instructors".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from helpers import course

GITHUB = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+$")


def notebook_paths(root: Path) -> list[Path]:
    """Return the course notebooks in teaching order."""
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def rewrite_text(text: str, old_url: str, new_url: str, old_branch: str, new_branch: str) -> str:
    """Replace the repository address (in badges and pip lines) and its branch in `text`."""
    old_path = old_url.removeprefix("https://github.com/")
    new_path = new_url.removeprefix("https://github.com/")
    text = text.replace(
        f"github/{old_path}/blob/{old_branch}/", f"github/{new_path}/blob/{new_branch}/"
    )
    return text.replace(f"git+{old_url}.git@{old_branch}", f"git+{new_url}.git@{new_branch}")


def rewrite_notebook(
    path: Path, old_url: str, new_url: str, old_branch: str, new_branch: str
) -> bool:
    """Rewrite one notebook's badge and setup cell; return True if it changed."""
    original = path.read_text(encoding="utf-8")
    notebook = json.loads(original)
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        updated = rewrite_text(source, old_url, new_url, old_branch, new_branch)
        cell["source"] = updated.splitlines(keepends=True)  # nbformat's own layout: a list of lines
    updated = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    if updated != original:
        path.write_text(updated, encoding="utf-8")
    return updated != original


def rewrite_course_module(path: Path, new_url: str, new_branch: str) -> None:
    """Rewrite REPOSITORY_URL and BRANCH in helpers/course.py."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'^REPOSITORY_URL = ".*"$', f'REPOSITORY_URL = "{new_url}"', text, flags=re.M)
    text = re.sub(r'^BRANCH = ".*"$', f'BRANCH = "{new_branch}"', text, flags=re.M)
    path.write_text(text, encoding="utf-8")


def fork(root: Path, new_url: str, new_branch: str = "main") -> list[Path]:
    """Point the checkout at `root` to `new_url`; return the notebooks that changed."""
    new_url = new_url.rstrip("/").removesuffix(".git")
    if not GITHUB.match(new_url):
        raise ValueError(f"expected https://github.com/OWNER/NAME, got {new_url!r}")
    old_url, old_branch = course.REPOSITORY_URL, course.BRANCH
    changed = [
        path
        for path in notebook_paths(root)
        if rewrite_notebook(path, old_url, new_url, old_branch, new_branch)
    ]
    rewrite_course_module(root / "helpers" / "course.py", new_url, new_branch)
    course.REPOSITORY_URL, course.BRANCH = new_url, new_branch
    return changed


def main(argv: list[str] | None = None) -> int:
    """Run the command."""
    parser = argparse.ArgumentParser(prog="python -m helpers.fork", description=__doc__)
    parser.add_argument("url", help="https://github.com/OWNER/NAME of the fork")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args(argv)
    try:
        changed = fork(Path(args.root), args.url, args.branch)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Pointed the course at {args.url} ({args.branch}); rewrote {len(changed)} notebook(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
