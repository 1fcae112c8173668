"""What the workers measure: clocks, tokens, model FLOPs, matmul peaks, memory, the machine."""

from __future__ import annotations

import math
import os
import platform
import resource
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported lazily: the parent process stays light
    import torch
    from transformers import PreTrainedModel

    from .config import BenchConfig

GPU_MATMUL_SIZE = 8192
FLOPS_FORMULA = (
    "training FLOPs = 6 x N x T + 12 x L x H x sum(s^2): N = parameters of the encoder layers "
    "(no embeddings, pooler or head), T = non-padding tokens, L = layers, H = hidden size, "
    "s = non-padding length of each training example (attention scores and their use on the "
    "real tokens, forward and backward); padding counts as waste, not as work"
)


def load_average() -> list[float]:
    """Return the 1, 5 and 15-minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]


def cpu_model() -> str:
    """Return the CPU's model name from /proc/cpuinfo (or platform's guess)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def synchronize(device: torch.device) -> None:
    """Wait for the device to finish its queued work."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(function: Callable[..., object], *args, **kwargs) -> tuple[object, float]:
    """Return the result of a call and the seconds it took."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def epoch_clock() -> object:
    """Return a Trainer callback adding up the seconds spent inside training epochs."""
    from transformers import TrainerCallback

    class EpochClock(TrainerCallback):
        """Time each epoch's training steps; evaluation happens after on_epoch_end."""

        seconds = 0.0
        started = 0.0

        def on_epoch_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()

        def on_epoch_end(self, args, state, control, **kwargs):
            synchronize(args.device)
            self.seconds += time.perf_counter() - self.started

    return EpochClock()


def matmul_flops(dtype: torch.dtype, size: int, seconds: float, device: torch.device) -> float:
    """Return the FLOP/s of the fastest of repeated size x size matmuls in `dtype`."""
    import torch

    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(device=device, dtype=dtype)
    b = torch.randn(size, size, generator=generator).to(device=device, dtype=dtype)
    batch = 10 if device.type == "cuda" else 1  # amortise kernel launches on a GPU
    torch.matmul(a, b)
    synchronize(device)
    best, spent, repeats = math.inf, 0.0, 0
    while spent < seconds or repeats < 2:
        started = time.perf_counter()
        for _ in range(batch):
            torch.matmul(a, b)
        synchronize(device)
        elapsed = time.perf_counter() - started
        best, spent, repeats = min(best, elapsed), spent + elapsed, repeats + 1
    return 2 * size**3 * batch / best


def bf16_matmul_size(size: int, device: torch.device) -> int:
    """Return the matmul size for bf16: small where bf16 is emulated (2048 takes minutes)."""
    from helpers.environment import choose_precision

    native = choose_precision(device) == "bf16" or device.type == "cuda"
    return size if native else min(256, size)


def measure_peaks(config: BenchConfig, device: torch.device) -> dict[str, dict[str, float]]:
    """Return the measured fp32 and bf16 matmul peaks (GFLOP/s) and the sizes used."""
    import torch

    sizes = {"fp32": config.matmul_size, "bf16": bf16_matmul_size(config.matmul_size, device)}
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    if device.type == "cuda":  # 2048 is too small to fill a data-centre GPU
        sizes = {"fp32": GPU_MATMUL_SIZE, "bf16": GPU_MATMUL_SIZE, "fp16": GPU_MATMUL_SIZE}
        dtypes["fp16"] = torch.float16
    return {
        name: {
            "gflops": matmul_flops(dtypes[name], size, config.matmul_seconds, device) / 1e9,
            "size": size,
        }
        for name, size in sizes.items()
    }


class TokenCounter:
    """Forward pre-hook counting real and padded tokens of the batches a model trains on."""

    def __init__(self) -> None:
        self.real = 0
        self.padded = 0
        self.squares = 0  # sum over examples of (non-padding length)^2, for attention FLOPs
        self.padded_squares = 0  # the same with the padded length: the work actually done
        self.batches = 0

    def __call__(self, module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
        """Add the tokens of one training batch (a forward pre-hook with kwargs)."""
        if not module.training:
            return
        mask = kwargs["attention_mask"]
        lengths = mask.sum(dim=1)
        self.real = self.real + lengths.sum()  # stays on the device: no sync per step
        self.squares = self.squares + (lengths * lengths).sum()
        self.padded += mask.numel()
        self.padded_squares += mask.shape[0] * mask.shape[1] ** 2
        self.batches += 1

    def attach(self, model: PreTrainedModel) -> TokenCounter:
        """Count the training batches of `model`; return self."""
        model.register_forward_pre_hook(self, with_kwargs=True)
        return self

    def totals(self) -> dict[str, int]:
        """Return the counts as plain integers."""
        return {
            "tokens": int(self.real),
            "batch_tokens": int(self.padded),
            "squared_lengths": int(self.squares),
            "padded_squared_lengths": self.padded_squares,
            "batches": self.batches,
        }


def encoder_parameters(model: PreTrainedModel) -> int:
    """Return the parameters of the encoder layers (no embeddings, pooler or head)."""
    return sum(parameter.numel() for parameter in model.base_model.encoder.parameters())


def training_flops(model: PreTrainedModel, tokens: int, squared_lengths: int) -> float:
    """Return the model FLOPs of training on `tokens` real tokens (see FLOPS_FORMULA)."""
    config = model.config
    attention = 12 * config.num_hidden_layers * config.hidden_size * squared_lengths
    return 6 * encoder_parameters(model) * tokens + attention


def throughput(
    model: PreTrainedModel, counts: dict[str, int], seconds: float, peak_gflops: float
) -> dict[str, float]:
    """Return tokens/s, padding share, GFLOP/s and MFU (real and padded) of a training run."""
    flops = training_flops(model, counts["tokens"], counts["squared_lengths"]) / seconds
    padded = training_flops(model, counts["batch_tokens"], counts["padded_squared_lengths"])
    peak = peak_gflops * 1e9
    return {
        "tokens_per_second": counts["tokens"] / seconds,
        "padding_share": 1 - counts["tokens"] / counts["batch_tokens"],
        "achieved_gflops": flops / 1e9,
        "mfu": flops / peak,
        "mfu_with_padding": padded / seconds / peak,
    }


def peak_memory_mib(device: torch.device) -> tuple[float, str]:
    """Return this process's peak memory in MiB, and what was measured."""
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, "CUDA max allocated"
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024, "max RSS"


def worker_environment(device: torch.device) -> dict[str, object]:
    """Return what a worker saw: threads, CPU capability, GPU, load."""
    import torch

    return {
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "load_average_start": load_average(),
    }
