"""Where the course runs: device, mixed precision and a short environment report.

Used by notebooks 00-02, 05 and 06, and by the training loop.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys

import torch

from helpers.settings import PRECISIONS


def in_colab() -> bool:
    """Return True inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def pick_device() -> torch.device:
    """Return the best device here: CUDA, then Apple MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cuda_supports_bf16(device_index: int = 0) -> bool:
    """Return True on Ampere (compute capability 8.0) or newer, where bf16 is native."""
    # is_bf16_supported() says True on a T4 (emulated, slow): ask the hardware instead.
    major, _minor = torch.cuda.get_device_capability(device_index)
    return major >= 8


def cpu_supports_bf16() -> bool:
    """Return True when this CPU has native bf16 matrix instructions (AVX-512 BF16 or AMX)."""
    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except AttributeError:  # older torch
        return False
    if "AVX512" not in capability.upper():
        return False
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            flags = cpuinfo.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def precision_and_reason(device: torch.device, requested: str = "auto") -> tuple[str, str]:
    """Return ('fp16', 'bf16' or 'fp32', why) for training on `device`."""
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {requested!r}")
    if requested != "auto":
        return requested, "as asked"
    if device.type == "cuda":
        if cuda_supports_bf16(device.index or 0):
            return "bf16", "this GPU computes bf16 natively (compute capability 8.0 or newer)"
        return "fp16", "this GPU is older than Ampere: fp16 with a gradient scaler"
    if device.type == "cpu":
        if cpu_supports_bf16():
            return "bf16", "this CPU has native bf16 instructions (AVX-512 BF16 or AMX)"
        return (
            "fp32",
            "this CPU has no native bf16 instructions, so bf16 would be emulated and slow",
        )
    # MPS: autocast support is still partial, so full precision is the safe choice.
    return "fp32", f"mixed precision is not reliable on {device.type} yet"


def choose_precision(device: torch.device, requested: str = "auto") -> str:
    """Return 'fp16', 'bf16' or 'fp32' for training on `device`."""
    return precision_and_reason(device, requested)[0]


def autocast_for(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """Return the autocast context of `precision` on `device` (no-op for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def memory_report(device: torch.device) -> str:
    """Return the memory available on `device` as a short string."""
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        return f"{free / 2**30:.1f} GiB free of {total / 2**30:.1f} GiB"
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return f"{pages / 2**30:.1f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        return "unknown"


def device_name(device: torch.device) -> str:
    """Return a human name for `device`."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"{platform.processor() or platform.machine()} CPU, {os.cpu_count()} cores"


def library_versions() -> dict[str, str]:
    """Return the versions of the libraries the course depends on."""
    import accelerate
    import datasets
    import sklearn
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "accelerate": accelerate.__version__,
        "scikit-learn": sklearn.__version__,
    }


def environment_report() -> str:
    """Return a few lines describing versions, device, precision and memory."""
    device = pick_device()
    versions = ", ".join(f"{name} {version}" for name, version in library_versions().items())
    lines = [
        f"Libraries : {versions}",
        f"Device    : {device} ({device_name(device)})",
        f"Precision : {choose_precision(device)} (auto choice for training)",
        f"Memory    : {memory_report(device)}",
        f"Colab     : {'yes' if in_colab() else 'no'}",
    ]
    return "\n".join(lines)
