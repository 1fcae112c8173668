"""The fine-tuning speed benchmark, run by `benchmarks/finetune_speed.py`.

Modules: config (what is run), measurements (clocks, tokens, FLOPs, peaks, memory), runners
(how each implementation trains), workers (one subprocess each), rounds (spawning them, in
turn), report (medians and ratios as JSON) and markdown (the tables).
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download: the embedded model only
os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
