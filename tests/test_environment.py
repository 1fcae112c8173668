import sys

import pytest
import torch

from helpers import environment


def test_pick_device_falls_back_to_cpu_without_accelerators(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert environment.pick_device() == torch.device("cpu")


def test_pick_device_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert environment.pick_device().type == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert environment.pick_device().type == "cuda"


@pytest.mark.parametrize(
    ("capability", "expected"), [((7, 5), "fp16"), ((8, 0), "bf16"), ((9, 0), "bf16")]
)
def test_auto_precision_on_gpus_follows_compute_capability(monkeypatch, capability, expected):
    # A T4 (7.5) says is_bf16_supported() == True through emulation; the capability decides.
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda index=0: capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert environment.choose_precision(torch.device("cuda")) == expected


@pytest.mark.parametrize(("native_bf16", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_precision_on_cpus(monkeypatch, native_bf16, expected):
    monkeypatch.setattr(environment, "cpu_supports_bf16", lambda: native_bf16)
    assert environment.choose_precision(torch.device("cpu")) == expected


def test_explicit_precision_is_kept_and_unknown_refused():
    assert environment.choose_precision(torch.device("cpu"), "fp32") == "fp32"
    assert environment.choose_precision(torch.device("mps")) == "fp32"
    with pytest.raises(ValueError, match="precision must be one of"):
        environment.choose_precision(torch.device("cpu"), "fp8")


def test_precision_comes_with_its_reason():
    precision, reason = environment.precision_and_reason(torch.device("cpu"))
    assert precision in ("fp32", "bf16") and "CPU" in reason
    assert environment.precision_and_reason(torch.device("cpu"), "fp32") == ("fp32", "as asked")


def test_autocast_for_fp32_changes_nothing_and_bf16_computes_in_bf16():
    a = torch.ones(2, 2)
    with environment.autocast_for(torch.device("cpu"), "fp32"):
        assert (a @ a).dtype == torch.float32
    with environment.autocast_for(torch.device("cpu"), "bf16"):
        assert (a @ a).dtype == torch.bfloat16


def test_in_colab_detects_the_colab_module(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert not environment.in_colab()
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert environment.in_colab()


def test_environment_report_names_versions_device_and_memory():
    report = environment.environment_report()
    for word in ("torch", "transformers", "Device", "Precision", "Memory", "Colab"):
        assert word in report
