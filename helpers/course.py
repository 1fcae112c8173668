"""Facts about the course itself: where it lives and how notebooks find their settings.

Used by notebook 00 and `python -m helpers.fork`.
"""

from __future__ import annotations

import os

# The one place the repository address is written. `python -m helpers.fork URL` rewrites
# this line and every notebook's badge and setup cell to point at a fork.
REPOSITORY_URL = "https://github.com/lm-course/language-models-course"
BRANCH = "main"


def colab_badge_url(notebook_path: str) -> str:
    """Return the 'Open in Colab' address of a notebook in this repository."""
    owner_and_name = REPOSITORY_URL.removeprefix("https://github.com/")
    return (
        f"https://colab.research.google.com/github/{owner_and_name}/blob/{BRANCH}/{notebook_path}"
    )


def pip_install_target() -> str:
    """Return what `pip install` needs to install this course straight from its repository."""
    return f"git+{REPOSITORY_URL}.git@{BRANCH}"


def smoke_mode() -> bool:
    """Return True when COURSE_SMOKE=1 asks notebooks for their small, fast CI mode."""
    return os.environ.get("COURSE_SMOKE", "0").strip() == "1"
