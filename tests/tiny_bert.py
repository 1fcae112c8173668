"""The tests' tiny random BERT, shared by tests/conftest.py and the kill test's driver process."""

from __future__ import annotations

import torch
from transformers import BertConfig, BertForSequenceClassification


def tiny_model(tokenizer) -> BertForSequenceClassification:
    """A 2-layer BERT with hidden size 32 and random weights (seed 0): trains in a blink."""
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
