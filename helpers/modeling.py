"""Load tokenizers and models (Hub or embedded), and save or reload fine-tuned classifiers.

Used by notebooks 01 and 03-06, the training loop and `python -m helpers.finetune`.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (
    AutoModel,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from helpers.assets import (
    EMBEDDED_MODEL_NAME,
    EMBEDDED_MODEL_PACKAGE,
    embedded_model_path,
    resolve_model,
)


def load_tokenizer(name_or_path: str | None = None) -> PreTrainedTokenizerBase:
    """Return the fast tokenizer of a model (Hub name, local folder, or the embedded model)."""
    return AutoTokenizer.from_pretrained(resolve_model(name_or_path))


def load_encoder(
    name_or_path: str | None = None, attn_implementation: str = "eager"
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Return (tokenizer, encoder) for a BERT-style model, in eval mode.

    "eager" attention is the default here because only it returns attention weights.
    """
    source = resolve_model(name_or_path)
    model = AutoModel.from_pretrained(source, attn_implementation=attn_implementation)
    return AutoTokenizer.from_pretrained(source), model.eval()


def load_classifier(
    name_or_path: str | None = None,
    label_names: list[str] | None = None,
    attn_implementation: str | None = None,
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Return (tokenizer, model) with a fresh classification head for `label_names`."""
    label_names = label_names or ["negative", "positive"]
    source = resolve_model(name_or_path)
    model = AutoModelForSequenceClassification.from_pretrained(
        source,
        num_labels=len(label_names),
        id2label=dict(enumerate(label_names)),
        label2id={name: index for index, name in enumerate(label_names)},
        attn_implementation=attn_implementation,
    )
    return AutoTokenizer.from_pretrained(source), model


def save_classifier(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, folder: str | Path
) -> Path:
    """Save a fine-tuned model (safetensors) and its tokenizer to `folder`."""
    folder = Path(folder)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def load_finetuned(
    folder: str | Path, device: torch.device | str = "cpu"
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Reload a classifier saved by `save_classifier` (safetensors only; no pickles)."""
    folder = Path(folder)
    if not (folder / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"{folder}: no model.safetensors. Point to a folder written by save_classifier "
            "(the training run's OUTPUT/model)."
        )
    model = AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True)
    return AutoTokenizer.from_pretrained(folder), model.to(device).eval()


def model_fingerprint(model: PreTrainedModel) -> dict[str, object]:
    """Return what identifies a model's architecture, to match checkpoints against it."""
    config = model.config
    return {
        "model_type": config.model_type,
        "hidden_size": config.hidden_size,
        "num_hidden_layers": config.num_hidden_layers,
        "vocab_size": config.vocab_size,
        "num_labels": config.num_labels,
        "parameters": sum(parameter.numel() for parameter in model.parameters()),
    }


def model_source(model: PreTrainedModel) -> tuple[str, str]:
    """Return (name, where it came from) for a model loaded by this module."""
    name = str(model.config.name_or_path or model.config.model_type)
    if name == str(embedded_model_path()):
        return EMBEDDED_MODEL_NAME, f"the embedded package {EMBEDDED_MODEL_PACKAGE}"
    if Path(name).exists():
        return name, "a local folder"
    return name, "the Hugging Face Hub (or its local cache)"


def describe(model: PreTrainedModel) -> str:
    """Return one line naming a model, where it came from, and its size."""
    fingerprint = model_fingerprint(model)
    name, source = model_source(model)
    return (
        f"{name} from {source}: "
        f"{fingerprint['parameters'] / 1e6:.1f}M parameters, "
        f"{fingerprint['num_hidden_layers']} layers, hidden size {fingerprint['hidden_size']}"
    )
