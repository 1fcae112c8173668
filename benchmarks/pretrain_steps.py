"""Pretrain notebook 04's small BERT for more steps: does it learn to read, or to remember?

Runs section 6 of notebooks/04_inside_bert.ipynb offline in full mode (the course's reviews,
2 layers, hidden size 64, batch 32, learning rate 3e-3) for each number of steps given, and
prints the blanked MLM loss on the held-out texts and on as many texts it trained on, each
beside the word-frequency baseline. Nothing is downloaded.

    python benchmarks/pretrain_steps.py                 # 1500 and 3000 steps: 5 min on a
                                                        # 2-core AVX-512 CPU, longer on AVX2
    python benchmarks/pretrain_steps.py --steps 750 1500 3000 6000
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import set_seed  # noqa: E402

from helpers import pretraining  # noqa: E402
from helpers.assets import embedded_model_path  # noqa: E402
from helpers.data import load_corpus  # noqa: E402
from helpers.modeling import load_tokenizer  # noqa: E402

SEED = 0  # nb04's parameters cell, full mode
HELD_OUT_FRACTION = 0.1
MAX_LENGTH = 64
HIDDEN_SIZE, LAYERS, HEADS = 64, 2, 2
BATCH_SIZE, LEARNING_RATE = 32, 3e-3


def split_corpus(tokenizer) -> tuple[list[list[int]], list[list[int]]]:
    """Return (held_out, pretrain_lists) exactly as nb04's section 6 cuts them."""
    corpus = load_corpus(None, seed=SEED, use_hub=False)
    token_lists = pretraining.tokenize_corpus(corpus, tokenizer, MAX_LENGTH)
    held_out_count = max(1, round(HELD_OUT_FRACTION * len(token_lists)))
    return token_lists[:held_out_count], token_lists[held_out_count:]


def run(steps: int, tokenizer, held_out, pretrain_lists) -> dict[str, float]:
    """Pretrain a fresh small BERT for `steps` steps; return its losses and the time taken."""
    set_seed(SEED)
    config = pretraining.small_bert_config(
        tokenizer.vocab_size, HIDDEN_SIZE, LAYERS, HEADS, MAX_LENGTH
    )
    model = pretraining.MaskedLanguageModel(config)
    started = time.perf_counter()
    pretraining.pretrain(
        model, pretrain_lists, tokenizer, steps, BATCH_SIZE, LEARNING_RATE, seed=SEED,
        progress=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    seen = pretrain_lists[: len(held_out)]
    return {
        "seconds": seconds,
        "held_out": pretraining.held_out_loss(model, held_out, tokenizer),
        "seen": pretraining.held_out_loss(model, seen, tokenizer),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[1500, 3000])
    args = parser.parse_args()
    tokenizer = load_tokenizer(str(embedded_model_path()))
    held_out, pretrain_lists = split_corpus(tokenizer)
    baseline, _ = pretraining.frequency_baseline_loss(pretrain_lists, held_out, tokenizer)
    seen = pretrain_lists[: len(held_out)]
    baseline_seen, _ = pretraining.frequency_baseline_loss(pretrain_lists, seen, tokenizer)
    capability = torch.backends.cpu.get_cpu_capability()
    print(f"machine: {platform.machine()}, CPU capability {capability}, ", end="")
    print(f"{torch.get_num_threads()} threads, {os.cpu_count()} cores, torch {torch.__version__}")
    print(f"frequency baseline: held-out {baseline:.3f}, seen {baseline_seen:.3f}")
    print("| steps | seconds | held-out loss | seen-text loss |")
    print("| ---: | ---: | ---: | ---: |")
    for steps in args.steps:
        result = run(steps, tokenizer, held_out, pretrain_lists)
        print(
            f"| {steps} | {result['seconds']:.0f} | {result['held_out']:.3f} | "
            f"{result['seen']:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
