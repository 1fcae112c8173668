"""Checkpoints written atomically (safetensors and JSON, no pickles) and read back to resume."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, load_model, save_file, save_model

LATEST = "latest.txt"


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used for this run; the message says what to do."""


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list]:
    """Split an optimizer's state into flat tensors and JSON-ready parameter groups."""
    state = optimizer.state_dict()
    tensors = {
        f"{index}.{name}": value.detach().cpu().contiguous()
        for index, values in state["state"].items()
        for name, value in values.items()
    }
    return tensors, state["param_groups"]


def restore_optimizer(
    optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], groups: list
) -> None:
    """Load an optimizer's state saved by `optimizer_tensors`."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    for group in groups:
        if "betas" in group:
            group["betas"] = tuple(group["betas"])  # JSON turned the tuple into a list
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def rng_tensors() -> dict[str, torch.Tensor]:
    """Return the random-number-generator states of torch (CPU and every GPU)."""
    states = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for index, state in enumerate(torch.cuda.get_rng_state_all()):
            states[f"cuda{index}"] = state
    return states


def restore_rng(states: dict[str, torch.Tensor]) -> None:
    """Put back random-number-generator states saved by `rng_tensors`."""
    torch.set_rng_state(states["cpu"])
    if torch.cuda.is_available():
        cuda = [states[key] for key in sorted(states) if key.startswith("cuda")]
        if len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)


def write_atomically(folder: Path, fill: callable) -> Path:
    """Fill a temporary folder with `fill(tmp)` and rename it to `folder` when complete."""
    temporary = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    fill(temporary)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(temporary, folder)
    return folder


def point_latest(root: Path, name: str) -> None:
    """Atomically record `name` as the latest checkpoint under `root`."""
    pointer = root / (LATEST + ".tmp")
    pointer.write_text(name, encoding="utf-8")
    os.replace(pointer, root / LATEST)


def save_checkpoint(
    root: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    state: dict[str, object],
    keep: int = 2,
) -> Path:
    """Write a resumable checkpoint under `root` and keep only the newest `keep` of them."""
    name = f"step-{state['global_step']:08d}"
    tensors, groups = optimizer_tensors(optimizer)
    state = {**state, "optimizer_param_groups": groups}

    def fill(folder: Path) -> None:
        save_model(model, str(folder / "model.safetensors"))
        save_file(tensors, str(folder / "optimizer.safetensors"))
        save_file(rng_tensors(), str(folder / "rng.safetensors"))
        (folder / "state.json").write_text(json.dumps(state, indent=1), encoding="utf-8")

    root.mkdir(parents=True, exist_ok=True)
    write_atomically(root / name, fill)
    point_latest(root, name)
    for old in sorted(root.glob("step-*"))[:-keep]:
        if not old.name.endswith(".tmp"):
            shutil.rmtree(old, ignore_errors=True)
    return root / name


def latest_checkpoint(root: Path) -> Path | None:
    """Return the newest complete checkpoint under `root`, or None."""
    pointer = root / LATEST
    if not pointer.is_file():
        return None
    folder = root / pointer.read_text(encoding="utf-8").strip()
    return folder if (folder / "state.json").is_file() else None


def load_checkpoint(
    folder: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, fingerprint: dict
) -> dict[str, object]:
    """Load model, optimizer and RNG states from `folder` and return its training state."""
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    if state.get("fingerprint") != fingerprint:
        raise CheckpointError(
            f"{folder}: this checkpoint was written for a different model "
            f"({state.get('fingerprint')}), not the one being trained ({fingerprint}). "
            "Resume with the same --model, or choose a new --output folder to start afresh."
        )
    load_model(model, str(folder / "model.safetensors"))
    restore_optimizer(
        optimizer, load_file(str(folder / "optimizer.safetensors")), state["optimizer_param_groups"]
    )
    restore_rng(load_file(str(folder / "rng.safetensors")))
    return state
