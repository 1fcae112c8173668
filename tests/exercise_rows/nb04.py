"""Rows of the exercise table for notebook 04."""

import torch
from transformers import BertConfig

from helpers.attention import CourseBertEncoder, EncoderConfig
from helpers.exercises import nb04

from .common import Computed, course_tokenizer, parameter_count


def bert_layer_parameters() -> int:
    """Return the parameter count of one encoder layer of bert-base, built on the meta device."""
    config = EncoderConfig.from_bert_config(BertConfig())
    with torch.device("meta"):
        layer = CourseBertEncoder(config).layers[0]
    return parameter_count(layer)


def sentence_token_count() -> int:
    """Return how many tokens the tokenizer makes of nb04.Q1_SENTENCE."""
    return len(course_tokenizer()(nb04.Q1_SENTENCE)["input_ids"])


def pair_token_type_ids() -> list[int]:
    """Return the tokenizer's token_type_ids for the sentence pair of nb04.q2."""
    return course_tokenizer()("Where is it?", "Under the bed.")["token_type_ids"]


ROWS = [
    (
        nb04.q1,
        [Computed(sentence_token_count), 16],
        [(16 - 2, "[CLS]"), (7, "counts words")],
    ),
    (
        nb04.q2,
        [Computed(pair_token_type_ids), Computed(lambda: torch.tensor(pair_token_type_ids()))],
        [([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], "closes sentence A"), ([0] * 11, "are segment 1")],
    ),
    (
        nb04.q3,
        [Computed(bert_layer_parameters), 7_087_872],
        [(7_087_872 - 3072, "add the two LayerNorms")],
    ),
    (nb04.q4, [2000 * 0.15 * 0.8], [(300, "300 tokens are chosen as targets")]),
]
