"""pytest settings for the whole repository (tests and notebooks run by nbmake).

Tests and notebooks run offline and small: the Hub is never contacted (every download takes
its announced fallback) and notebooks run in smoke mode. Kernels started by nbmake inherit
these variables. Set them yourself to override, e.g. COURSE_SMOKE=0 for full-size notebooks.
"""

import os

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("COURSE_SMOKE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
