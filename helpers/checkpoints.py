"""Checkpoints that survive a kill at any moment (safetensors and JSON, no pickles).

Layout under `root` (OUTPUT/checkpoints):

    step-00000012-0007/     one checkpoint: optimizer step 12, the 7th folder written here
        model.safetensors, optimizer.safetensors, rng.safetensors, state.json
        manifest.json       written last: the size and SHA-256 of every other file
    latest.txt              the name of the newest checkpoint (a hint: see `latest_checkpoint`)
    best/model.safetensors  the best epoch's weights

No write ever replaces or deletes what a resume may need. A checkpoint is filled in
`<name>.partial`, every file and the folder are fsync'd (a power loss cannot leave an empty
file behind a finished name), the manifest goes last, then the folder is renamed to its fresh,
never used name, then `latest.txt` is replaced atomically, and only then are older checkpoints
pruned (renamed to `<name>.trash` first, so a half-deleted folder never looks usable). A folder
counts as complete when its manifest matches its files; a resume takes the newest complete one.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from safetensors.torch import load_file, load_model, save_file, save_model

LATEST = "latest.txt"
MANIFEST = "manifest.json"
BEST = "best"
BEST_FILE = "model.safetensors"
FORMAT = 2  # 1: the first layout (one folder per step, replaced in place, no manifest)
NAME = re.compile(r"step-(\d+)-(\d+)")  # step-<optimizer step>-<sequence number>


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used for this run; the message says what to do."""


class Stateful(Protocol):
    """What a checkpoint needs of an optimizer (torch's, or accelerate's wrapper of it)."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state_dict: dict[str, Any]) -> None: ...


# --- durable writes -------------------------------------------------------------------------


def fsync_folder(folder: Path) -> None:
    """Make a folder's entries (files created, renamed or removed in it) durable."""
    if os.name != "posix":  # Windows cannot open a folder to flush it
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def digest(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    hasher = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def flush_file(path: Path) -> None:
    """Make a written file's bytes durable (in the disk, not only in the operating system)."""
    with open(path, "r+b") as file:  # writable: Windows flushes only files open for writing
        os.fsync(file.fileno())


def seal(path: Path) -> dict[str, object]:
    """Flush a written file to disk and return its size and SHA-256 for the manifest."""
    flush_file(path)
    return {"bytes": path.stat().st_size, "sha256": digest(path)}


def make_folder(folder: Path) -> None:
    """Create a folder (and missing parents) so that a power loss cannot undo its creation."""
    if folder.is_dir():
        return
    make_folder(folder.parent)
    folder.mkdir(exist_ok=True)
    fsync_folder(folder.parent)


def write_durably(path: Path, text: str) -> None:
    """Write a small text file and flush it to disk."""
    path.write_text(text, encoding="utf-8")
    flush_file(path)


def replace_durably(source: Path, target: Path) -> None:
    """Rename `source` to `target` atomically and make the rename durable."""
    os.replace(source, target)
    fsync_folder(target.parent)


# --- what a checkpoint holds ----------------------------------------------------------------


def optimizer_tensors(optimizer: Stateful) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """Split `optimizer.state_dict()` into flat tensors and JSON-ready rest (groups, scalars)."""
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{index}.{name}"] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def restore_optimizer(optimizer: Stateful, tensors: dict[str, torch.Tensor], rest: dict) -> None:
    """Load into `optimizer` a state saved by `optimizer_tensors`."""
    state: dict[int, dict[str, object]] = {}
    for key, value in [*tensors.items(), *rest["scalars"].items()]:
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    groups = rest["param_groups"]
    for group in groups:
        if "betas" in group:
            group["betas"] = tuple(group["betas"])  # JSON turned the tuple into a list
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def torch_rng_tensors() -> dict[str, torch.Tensor]:
    """Return the random-number-generator states of torch (CPU, every GPU, Apple MPS)."""
    states = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for index, state in enumerate(torch.cuda.get_rng_state_all()):
            states[f"cuda{index}"] = state
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        states["mps"] = torch.mps.get_rng_state()
    return states


def restore_torch_rng(states: dict[str, torch.Tensor]) -> None:
    """Put back torch's generator states saved by `torch_rng_tensors`."""
    torch.set_rng_state(states["cpu"])
    cuda = [states[key] for key in sorted(states) if key.startswith("cuda")]
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
    if "mps" in states and torch.backends.mps.is_available():
        torch.mps.set_rng_state(states["mps"])


def python_numpy_rng() -> dict[str, object]:
    """Return the states of Python's and NumPy's global generators, JSON-ready."""
    version, internal, gauss_next = random.getstate()
    name, keys, position, has_gauss, cached_gaussian = np.random.get_state(legacy=True)
    return {
        "python": {"version": version, "state": list(internal), "gauss_next": gauss_next},
        "numpy": {
            "name": name,
            "keys": keys.tolist(),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
    }


def restore_python_numpy_rng(states: dict[str, dict]) -> None:
    """Put back the generator states saved by `python_numpy_rng`."""
    python = states["python"]
    random.setstate((python["version"], tuple(python["state"]), python["gauss_next"]))
    numpy = states["numpy"]
    keys = np.array(numpy["keys"], dtype=np.uint32)
    np.random.set_state(
        (numpy["name"], keys, numpy["position"], numpy["has_gauss"], numpy["cached_gaussian"])
    )


# --- finding checkpoints --------------------------------------------------------------------


def parse_name(name: str) -> tuple[int, int] | None:
    """Return (step, sequence number) of a checkpoint folder's name, or None for other names."""
    match = NAME.fullmatch(name)
    return (int(match[1]), int(match[2])) if match else None


def read_manifest(folder: Path) -> dict | None:
    """Return a folder's manifest when it exists and parses, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "files" in manifest else None


def is_complete(folder: Path) -> bool:
    """Return True when `folder` has a manifest and every file it lists matches it."""
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    try:
        for name, expected in manifest["files"].items():
            path = folder / name
            if not path.is_file() or path.stat().st_size != expected["bytes"]:
                return False
            if digest(path) != expected["sha256"]:
                return False
    except (AttributeError, KeyError, TypeError):  # a manifest of another shape
        return False
    return True


def finished_folders(root: Path) -> list[Path]:
    """Return the checkpoint folders that have a manifest, newest (last written) first."""
    named = [(parse_name(path.name), path) for path in root.glob("step-*") if path.is_dir()]
    found = [(key, path) for key, path in named if key and read_manifest(path) is not None]
    return [path for _key, path in sorted(found, key=lambda item: item[0][1], reverse=True)]


def next_sequence(root: Path) -> int:
    """Return a sequence number no folder under `root` has used, leftovers included."""
    used = [parse_name(path.name.split(".")[0]) for path in root.glob("step-*")]
    return 1 + max((key[1] for key in used if key), default=0)


def named_latest(root: Path) -> str | None:
    """Return the folder name `latest.txt` holds, or None without one."""
    try:
        return (root / LATEST).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def say(message: str) -> None:
    """Print one line, once per run (on the main process when several train together)."""
    if os.environ.get("RANK", "0") == "0":
        print(message, flush=True)


def announce_fallback(chosen: Path, named: str | None) -> None:
    """Print why the checkpoint used is not the one `latest.txt` names."""
    if named is None:
        why = f"{LATEST} is missing or empty"
    elif parse_name(named) and parse_name(named)[1] < parse_name(chosen.name)[1]:
        why = f"it is newer than {named}, which {LATEST} names (the run stopped before updating it)"
    else:
        why = f"{named}, which {LATEST} names, is missing or incomplete"
    say(f"Resuming from checkpoint {chosen}, the newest complete one: {why}.")


def latest_checkpoint(root: Path) -> Path | None:
    """Return the newest complete checkpoint under `root` (saying so if not `latest.txt`'s)."""
    named = named_latest(root)
    for folder in finished_folders(root):
        if is_complete(folder):
            if folder.name != named:
                announce_fallback(folder, named)
            return folder
        say(f"Ignoring checkpoint {folder}: its files do not match its manifest.")
    if named is not None:
        say(f"No complete checkpoint in {root}: {named} ({LATEST}'s) is missing or incomplete.")
    return None


# --- writing and reading checkpoints --------------------------------------------------------


def write_files(folder: Path, files: dict[str, Callable[[Path], None]]) -> dict[str, dict]:
    """Write each file with its writer, flush it, and return the manifest's file entries."""
    entries = {}
    for name, write in files.items():
        write(folder / name)
        entries[name] = seal(folder / name)
    return entries


def checkpoint_files(
    step: int, model: torch.nn.Module, optimizer: Stateful, state: dict
) -> dict[str, Callable[[Path], None]]:
    """Return the writer of each file of a checkpoint (taken now, written later)."""
    tensors, rest = optimizer_tensors(optimizer)
    rng = torch_rng_tensors()
    meta = {"step": step, "training": state, "optimizer": rest, "rng": python_numpy_rng()}
    text = json.dumps(meta, indent=1)
    return {
        "model.safetensors": lambda path: save_model(model, str(path)),
        "optimizer.safetensors": lambda path: save_file(tensors, str(path)),
        "rng.safetensors": lambda path: save_file(rng, str(path)),
        "state.json": lambda path: path.write_text(text, encoding="utf-8"),
    }


def save_checkpoint(
    root: Path,
    step: int,
    model: torch.nn.Module,
    optimizer: Stateful,
    state: dict[str, object],
    keep: int = 2,
) -> Path:
    """Write a resumable checkpoint of optimizer step `step`; keep the newest `keep` steps."""
    files = checkpoint_files(step, model, optimizer, state)  # fails here if not JSON-ready
    root = Path(root)
    make_folder(root)
    sequence = next_sequence(root)
    name = f"step-{step:08d}-{sequence:04d}"
    partial = root / f"{name}.partial"
    partial.mkdir()
    entries = write_files(partial, files)
    manifest = {"format": FORMAT, "step": step, "sequence": sequence, "files": entries}
    write_durably(partial / MANIFEST, json.dumps(manifest, indent=1))
    fsync_folder(partial)
    replace_durably(partial, root / name)  # a fresh name: nothing is replaced
    write_durably(root / (LATEST + ".partial"), name)
    replace_durably(root / (LATEST + ".partial"), root / LATEST)
    prune(root, keep)
    return root / name


def prune(root: Path, keep: int) -> None:
    """Delete leftovers of interrupted writes and all but the newest `keep` steps' checkpoints."""
    kept_steps: list[int] = []
    keep = max(1, keep)  # never the newest
    doomed = [path for path in root.glob("step-*.partial") if path.is_dir()]
    for folder in finished_folders(root):
        step = parse_name(folder.name)[0]
        if step in kept_steps or len(kept_steps) >= keep:
            doomed.append(folder)  # older, or superseded by a newer one of the same step
        else:
            kept_steps.append(step)
    for folder in doomed:
        trash = folder.with_name(folder.name.split(".")[0] + ".trash")
        os.replace(folder, trash)  # no longer a checkpoint, even if the deletion stops half-way
    if doomed:
        fsync_folder(root)
    for trash in root.glob("step-*.trash"):
        shutil.rmtree(trash, ignore_errors=True)


def load_checkpoint(
    folder: Path, model: torch.nn.Module, optimizer: Stateful, fingerprint: dict
) -> dict[str, object]:
    """Load model, optimizer and RNG states from `folder` and return its training state."""
    folder = Path(folder)
    if not is_complete(folder):
        raise CheckpointError(
            f"{folder}: this checkpoint is incomplete or damaged (its files do not match "
            f"{MANIFEST}). Resume from another one, or choose a new --output folder."
        )
    meta = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    state = meta["training"]
    if state.get("fingerprint") != fingerprint:
        raise CheckpointError(
            f"{folder}: this checkpoint was written for a different model "
            f"({state.get('fingerprint')}), not the one being trained ({fingerprint}). "
            "Resume with the same --model, or choose a new --output folder to start afresh."
        )
    load_model(model, str(folder / "model.safetensors"))
    restore_optimizer(
        optimizer, load_file(str(folder / "optimizer.safetensors")), meta["optimizer"]
    )
    restore_torch_rng(load_file(str(folder / "rng.safetensors")))
    restore_python_numpy_rng(meta["rng"])
    return state


# --- the best weights -----------------------------------------------------------------------


def save_best(root: Path, state: dict[str, torch.Tensor]) -> None:
    """Write the best weights so far to `root/best` (atomically and durably)."""
    folder = Path(root) / BEST
    make_folder(folder)
    partial = folder / (BEST_FILE + ".partial")
    save_file({name: tensor.contiguous() for name, tensor in state.items()}, str(partial))
    flush_file(partial)
    replace_durably(partial, folder / BEST_FILE)  # one file: replaced in a single atomic step


def load_best(root: Path) -> dict[str, torch.Tensor] | None:
    """Read the best weights written by `save_best`, or None when there are none."""
    path = Path(root) / BEST / BEST_FILE
    if not path.is_file():
        return None
    try:
        return load_file(str(path))
    except Exception as error:  # safetensors raises its own error type for a damaged file
        raise CheckpointError(
            f"{path}: the best weights are damaged ({error}). Delete the file to resume without "
            "them, or choose a new --output folder."
        ) from error
