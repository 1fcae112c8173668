"""Shared fixtures: offline mode, a tiny BERT for fast training tests, and data files."""

from __future__ import annotations

import pytest
import tiny_bert
from transformers import BertForSequenceClassification


@pytest.fixture(scope="session")
def tokenizer():
    """The embedded model's fast WordPiece tokenizer."""
    from helpers.modeling import load_tokenizer

    return load_tokenizer()


@pytest.fixture
def tiny_model(tokenizer) -> BertForSequenceClassification:
    """A 2-layer BERT with hidden size 32 and random weights: trains in a blink."""
    return tiny_bert.tiny_model(tokenizer)


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
