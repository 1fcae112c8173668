"""Shared fixtures: offline mode, a tiny BERT for fast training tests, and data files."""

from __future__ import annotations

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification


@pytest.fixture(scope="session")
def tokenizer():
    """The embedded model's fast WordPiece tokenizer."""
    from helpers.modeling import load_tokenizer

    return load_tokenizer()


@pytest.fixture
def tiny_model(tokenizer) -> BertForSequenceClassification:
    """A 2-layer BERT with hidden size 32 and random weights: trains in a blink."""
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=2,
        id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1},
    )
    return BertForSequenceClassification(config)


@pytest.fixture
def write_file(tmp_path):
    """Write text (or bytes) to a file in a temporary folder and return its path."""

    def write(name: str, content: str | bytes):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
