"""pytest settings for the whole repository (tests and notebooks run by nbmake).

Tests and notebooks run offline and small: the Hub is never contacted (every download takes
its announced fallback) and notebooks run in smoke mode. Kernels started by nbmake inherit
these variables. Set them yourself to override, e.g. COURSE_SMOKE=0 for full-size notebooks.
"""

import os

import pytest

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("COURSE_SMOKE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Group tests for `pytest -n 2 --dist loadgroup`: a test module stays on one worker (its
    module-scoped fixtures run once), and the notebooks run one after another on one worker
    (notebook 06 reuses the model notebook 05 writes)."""
    for item in items:
        group = "notebooks" if getattr(item, "nbmake", False) else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
