"""Each notebook-04 exercise accepts a right answer and refuses a wrong one."""

from __future__ import annotations

import torch
from transformers import BertConfig

from helpers.attention import CourseBertEncoder, EncoderConfig
from helpers.exercises import nb04
from helpers.modeling import load_tokenizer


def embedded_tokenizer():
    """The tokenizer of the embedded model (BERT's uncased WordPiece vocabulary)."""
    return load_tokenizer()


def test_q1_token_count():
    tokenizer = embedded_tokenizer()
    count = len(tokenizer(nb04.Q1_SENTENCE)["input_ids"])
    assert count == nb04.Q1_TOKENS
    assert nb04.q1.check(count)
    wrong = nb04.q1.check(count - 2)
    assert not wrong and "[CLS]" in wrong.message
    assert not nb04.q1.check(7)
    assert not nb04.q1.check(None)


def test_q2_token_type_ids():
    tokenizer = embedded_tokenizer()
    encoding = tokenizer("Where is it?", "Under the bed.")
    assert tokenizer.convert_ids_to_tokens(encoding["input_ids"]) == nb04.Q2_TOKENS
    assert nb04.q2.check(encoding["token_type_ids"])
    assert nb04.q2.check(torch.tensor(encoding["token_type_ids"]))
    wrong = nb04.q2.check([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    assert not wrong and "first [SEP]" in wrong.message
    assert not nb04.q2.check([0] * 11)
    assert not nb04.q2.check(None)


def test_q3_layer_parameters():
    config = EncoderConfig.from_bert_config(BertConfig())
    with torch.device("meta"):
        layer = CourseBertEncoder(config).layers[0]
    count = sum(parameter.numel() for parameter in layer.parameters())
    assert count == nb04.Q3_PARAMETERS == 7_087_872
    assert nb04.q3.check(count)
    wrong = nb04.q3.check(count - 3072)
    assert not wrong and "LayerNorm" in wrong.message
    assert not nb04.q3.check(None)


def test_q4_masked_tokens():
    assert nb04.q4.check(2000 * 0.15 * 0.8)
    wrong = nb04.q4.check(300)
    assert not wrong and "80%" in wrong.message
    assert not nb04.q4.check(None)
