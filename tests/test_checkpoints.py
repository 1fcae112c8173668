"""The checkpoint module alone: complete checkpoints, fallback, pruning, durability, RNG states."""

import json
import os
import random
import sys

import numpy as np
import pytest
import torch

from helpers import checkpoints
from helpers.checkpoints import (
    CheckpointError,
    latest_checkpoint,
    load_best,
    load_checkpoint,
    save_best,
    save_checkpoint,
)

FINGERPRINT = {"model_type": "toy", "parameters": 15}


def toy() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    """A small model and its AdamW, with some optimizer state after two steps."""
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    for _ in range(2):
        model(torch.randn(5, 4)).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
    return model, optimizer


def save(root, step, model=None, optimizer=None, **state):
    """Save a toy checkpoint whose state records `step`."""
    if model is None:
        model, optimizer = toy()
    state = {"fingerprint": FINGERPRINT, "step_seen": step, **state}
    return save_checkpoint(root, step, model, optimizer, state)


def draws() -> tuple[float, float, float]:
    """One number from each global generator: Python's, NumPy's and torch's."""
    return random.random(), float(np.random.rand()), float(torch.rand(()))


def test_a_checkpoint_round_trips_weights_optimizer_state_and_every_rng(tmp_path):
    model, optimizer = toy()
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    np.random.randn()  # a cached Gaussian is part of NumPy's state too
    folder = save(tmp_path, 2, model, optimizer, note="hello")
    expected = draws()
    random.seed(9)
    np.random.seed(9)
    torch.manual_seed(9)

    fresh = torch.nn.Linear(4, 3)
    fresh_optimizer = torch.optim.AdamW(fresh.parameters(), lr=0.5)
    state = load_checkpoint(folder, fresh, fresh_optimizer, FINGERPRINT)
    assert state == {"fingerprint": FINGERPRINT, "step_seen": 2, "note": "hello"}
    assert draws() == expected
    assert torch.equal(fresh.weight, model.weight) and torch.equal(fresh.bias, model.bias)
    ours, theirs = fresh_optimizer.state_dict(), optimizer.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]  # lr 0.01 and the betas tuple back
    for index, values in theirs["state"].items():
        for name, value in values.items():
            assert torch.equal(ours["state"][index][name], value), (index, name)


def test_files_are_safetensors_and_json_with_the_manifest_last(tmp_path):
    folder = save(tmp_path, 4)
    assert folder.name == "step-00000004-0001"
    names = {path.name for path in folder.iterdir()}
    assert names == {
        "model.safetensors",
        "optimizer.safetensors",
        "rng.safetensors",
        "state.json",
        "manifest.json",
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == names - {"manifest.json"}
    assert (tmp_path / "latest.txt").read_text() == folder.name
    assert latest_checkpoint(tmp_path) == folder


def test_the_same_step_twice_gets_a_new_folder_and_supersedes_the_first(tmp_path):
    first = save(tmp_path, 6)
    second = save(tmp_path, 6, epoch_ended=True)  # the end of an epoch after a step checkpoint
    assert first != second and not first.exists()
    assert latest_checkpoint(tmp_path) == second


def test_pruning_keeps_the_newest_steps_and_removes_leftovers(tmp_path):
    (tmp_path / "step-00000001-0007.partial").mkdir(parents=True)  # a write killed half-way
    (tmp_path / "step-00000001-0003.trash").mkdir()  # a deletion killed half-way
    for step in (2, 4, 6):
        save(tmp_path, step)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "latest.txt",
        "step-00000004-0009",
        "step-00000006-0010",
    ]  # numbered after the leftover's 7: a name is never used twice


@pytest.mark.parametrize("damage", ["no manifest", "torn manifest", "short file", "bad bytes"])
def test_a_damaged_newest_checkpoint_falls_back_to_the_older_one(tmp_path, capsys, damage):
    older = save(tmp_path, 2)
    newer = save(tmp_path, 4)
    weights = newer / "model.safetensors"
    if damage == "no manifest":
        (newer / "manifest.json").unlink()
    elif damage == "torn manifest":
        text = (newer / "manifest.json").read_text()
        (newer / "manifest.json").write_text(text[: len(text) // 2])
    elif damage == "short file":
        weights.write_bytes(weights.read_bytes()[:-8])
    else:
        data = bytearray(weights.read_bytes())
        data[-1] ^= 0xFF
        weights.write_bytes(bytes(data))
    assert latest_checkpoint(tmp_path) == older
    lines = capsys.readouterr().out.strip().splitlines()
    assert older.name in lines[-1] and newer.name in lines[-1] and "incomplete" in lines[-1]
    with pytest.raises(CheckpointError, match="incomplete or damaged"):
        load_checkpoint(newer, *toy(), FINGERPRINT)


def test_latest_txt_naming_a_missing_folder_falls_back_and_says_so(tmp_path, capsys):
    older = save(tmp_path, 2)
    (tmp_path / "latest.txt").write_text("step-00000004-0002")  # renamed away, then killed
    assert latest_checkpoint(tmp_path) == older
    line = capsys.readouterr().out.strip()
    assert line.count("\n") == 0
    assert str(older) in line and "step-00000004-0002" in line and "missing" in line


def test_a_newer_complete_checkpoint_wins_over_a_stale_latest_txt(tmp_path, capsys):
    older = save(tmp_path, 2)
    newer = save(tmp_path, 4)
    (tmp_path / "latest.txt").write_text(older.name)  # killed before latest.txt was updated
    assert latest_checkpoint(tmp_path) == newer
    line = capsys.readouterr().out.strip()
    assert str(newer) in line and f"newer than {older.name}" in line


def test_incomplete_folders_alone_mean_no_checkpoint(tmp_path, capsys):
    assert latest_checkpoint(tmp_path / "absent") is None
    (tmp_path / "step-00000002-0001.partial").mkdir()
    (tmp_path / "step-00000004-0002").mkdir()  # no manifest
    assert latest_checkpoint(tmp_path) is None
    assert capsys.readouterr().out == ""


def test_latest_txt_naming_an_incomplete_folder_and_nothing_else_is_announced(tmp_path, capsys):
    (tmp_path / "step-00000002-0001").mkdir()  # no manifest, as an older version wrote them
    (tmp_path / "latest.txt").write_text("step-00000002-0001")
    assert latest_checkpoint(tmp_path) is None
    line = capsys.readouterr().out.strip()
    assert "No complete checkpoint" in line and "step-00000002-0001" in line


def test_a_state_that_is_not_json_ready_leaves_nothing_behind(tmp_path):
    with pytest.raises(TypeError):
        save(tmp_path, 2, not_json=object())
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


def test_a_checkpoint_of_another_model_is_refused(tmp_path):
    folder = save(tmp_path, 2)
    with pytest.raises(CheckpointError, match="different model"):
        load_checkpoint(folder, *toy(), {**FINGERPRINT, "parameters": 16})


def test_best_weights_round_trip_and_a_torn_write_is_ignored(tmp_path):
    assert load_best(tmp_path) is None
    first = {"weight": torch.ones(2, 2), "bias": torch.zeros(2)}
    save_best(tmp_path, first)
    (tmp_path / "best" / "model.safetensors.partial").write_bytes(b"\0" * 10)  # killed mid-write
    loaded = load_best(tmp_path)
    assert loaded.keys() == first.keys() and all(torch.equal(loaded[k], first[k]) for k in first)
    save_best(tmp_path, {"weight": torch.full((2, 2), 2.0), "bias": torch.ones(2)})
    assert torch.equal(load_best(tmp_path)["bias"], torch.ones(2))
    assert {path.name for path in (tmp_path / "best").iterdir()} == {"model.safetensors"}


def test_damaged_best_weights_are_refused_clearly(tmp_path):
    (tmp_path / "best").mkdir()
    (tmp_path / "best" / "model.safetensors").write_bytes(b"\0" * 10)
    with pytest.raises(CheckpointError, match="best weights are damaged"):
        load_best(tmp_path)


def record_durability(monkeypatch) -> list[tuple[str, str]]:
    """Record every os.fsync (by path) and os.replace (by target) the module makes."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        real_fsync(descriptor)

    def replace(source, target):
        events.append(("replace", str(os.path.abspath(target))))
        real_replace(source, target)

    monkeypatch.setattr(checkpoints.os, "fsync", fsync)
    monkeypatch.setattr(checkpoints.os, "replace", replace)
    return events


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_files_and_folders_are_flushed_before_each_rename(tmp_path, monkeypatch):
    root = tmp_path.resolve()
    save(root, 2)
    save(root, 4)
    events = record_durability(monkeypatch)
    folder = save(root, 6)  # prunes step 2
    partial = f"{folder}.partial"
    rename = events.index(("replace", str(folder)))
    flushed = {path for kind, path in events[:rename] if kind == "fsync"}
    files = {f"{partial}/{path.name}" for path in folder.iterdir()}
    assert files | {partial} <= flushed  # every file and the folder, before the rename
    assert events[rename + 1] == ("fsync", str(root))  # the rename itself
    pointer = events.index(("replace", str(root / "latest.txt")))
    assert ("fsync", str(root / "latest.txt.partial")) in events[rename:pointer]
    assert events[pointer + 1] == ("fsync", str(root))
    trash = [index for index, event in enumerate(events) if event[1].endswith(".trash")]
    assert trash and min(trash) > pointer  # pruning only once the new one is in place

    events.clear()
    save_best(root, {"weight": torch.ones(2)})
    best = root / "best" / "model.safetensors"
    assert events[-3:] == [
        ("fsync", f"{best}.partial"),
        ("replace", str(best)),
        ("fsync", str(best.parent)),
    ]
