"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 04's exercises."""

from __future__ import annotations

from typing import Any

from helpers.exercises import Key
from helpers.exercises.nb04 import _Q4_NUM_TOKENS, Q2_TOKENS, _as_int_list

# --- q1: count the tokens of a sentence -------------------------------------------------

# BERT's uncased WordPiece vocabulary (bert-base-uncased and MiniLM share it) gives
# [CLS] token ##izer ##s split un ##bel ##ie ##va ##bly rare words into pieces . [SEP]
_Q1_TOKENS = 16


def _is_token_count(answer: Any) -> bool:
    return int(answer) == _Q1_TOKENS


def _diagnose_token_count(answer: Any) -> str | None:
    if int(answer) == _Q1_TOKENS - 2:
        return (
            "you counted the word pieces; the tokenizer also adds [CLS] at the start and [SEP] "
            "at the end."
        )
    return None


q1 = Key(
    is_correct=_is_token_count,
    diagnose=_diagnose_token_count,
    solution_text=(
        "answer = len(tokenizer(nb04.Q1_SENTENCE)['input_ids'])  # 16\n"
        "[CLS] token ##izer ##s split un ##bel ##ie ##va ##bly rare words into pieces . [SEP]: "
        "'tokenizers' and 'unbelievably' are not in the 30,522-piece vocabulary, so they are "
        "built from smaller pieces."
    ),
    solution_cell=(
        "print(nb04.Q1_SENTENCE)\n"
        'answer = len(tokenizer(nb04.Q1_SENTENCE)["input_ids"])\n'
        "nb04.q1.check(answer)"
    ),
)

# --- q2: segment ids of a sentence pair -------------------------------------------------

_Q2_TOKEN_TYPE_IDS = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def _is_token_type_ids(answer: Any) -> bool:
    return _as_int_list(answer) == _Q2_TOKEN_TYPE_IDS


def _diagnose_token_type_ids(answer: Any) -> str | None:
    values = _as_int_list(answer)
    if len(values) != len(Q2_TOKENS):
        return None  # the public form check says it
    if values == [0] + [0] * 4 + [1] + [1] * 5:
        return "the first [SEP] closes sentence A, so it belongs to segment 0."
    if values[-1] == 0:
        return "the second sentence, and the [SEP] that closes it, are segment 1."
    return None


q2 = Key(
    is_correct=_is_token_type_ids,
    diagnose=_diagnose_token_type_ids,
    solution_text=(
        "answer = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]\n"
        "Check with tokenizer('Where is it?', 'Under the bed.')['token_type_ids']."
    ),
    solution_cell=(
        "print(nb04.Q2_TOKENS)\n"
        'answer = tokenizer("Where is it?", "Under the bed.")["token_type_ids"]\n'
        "nb04.q2.check(answer)"
    ),
)

# --- q3: parameters of one encoder layer of bert-base -----------------------------------

_HIDDEN_SIZE = 768
_INTERMEDIATE_SIZE = 3072
_ATTENTION_PARAMETERS = 4 * (_HIDDEN_SIZE * _HIDDEN_SIZE + _HIDDEN_SIZE)
_FEED_FORWARD_PARAMETERS = (_HIDDEN_SIZE * _INTERMEDIATE_SIZE + _INTERMEDIATE_SIZE) + (
    _INTERMEDIATE_SIZE * _HIDDEN_SIZE + _HIDDEN_SIZE
)
_LAYER_NORM_PARAMETERS = 2 * (2 * _HIDDEN_SIZE)  # two LayerNorms, each a scale and a shift
# 7,087,872 = 2,362,368 (attention) + 4,722,432 (feed-forward) + 3,072 (LayerNorms)
_Q3_PARAMETERS = _ATTENTION_PARAMETERS + _FEED_FORWARD_PARAMETERS + _LAYER_NORM_PARAMETERS


def _is_layer_parameters(answer: Any) -> bool:
    return int(answer) == _Q3_PARAMETERS


def _diagnose_layer_parameters(answer: Any) -> str | None:
    value = int(answer)
    if value == _ATTENTION_PARAMETERS + _FEED_FORWARD_PARAMETERS:
        return "add the two LayerNorms: each has a scale and a shift of 768 numbers."
    if value == _ATTENTION_PARAMETERS + _LAYER_NORM_PARAMETERS or value == _ATTENTION_PARAMETERS:
        return "the feed-forward network (768 -> 3072 -> 768) is the larger half of the layer."
    if value == _FEED_FORWARD_PARAMETERS + _LAYER_NORM_PARAMETERS:
        return "add the attention: query, key, value and output projections."
    if value == 4 * _HIDDEN_SIZE**2 + 2 * _HIDDEN_SIZE * _INTERMEDIATE_SIZE:
        return "that counts the weight matrices only: add the biases and the LayerNorms."
    return None


q3 = Key(
    is_correct=_is_layer_parameters,
    diagnose=_diagnose_layer_parameters,
    solution_text=(
        "attention = 4 * (768 * 768 + 768)                   # 2,362,368\n"
        "feed_forward = (768 * 3072 + 3072) + (3072 * 768 + 768)  # 4,722,432\n"
        "layer_norms = 2 * (2 * 768)                          # 3,072\n"
        "answer = attention + feed_forward + layer_norms      # 7,087,872\n"
        "Twelve of these make 85 million of bert-base's 110 million parameters."
    ),
    solution_cell=(
        "attention = 4 * (768 * 768 + 768)\n"
        "feed_forward = (768 * 3072 + 3072) + (3072 * 768 + 768)\n"
        "answer = attention + feed_forward + 2 * (2 * 768)\n"
        "nb04.q3.check(answer)"
    ),
)

# --- q4: masked language modelling ------------------------------------------------------

_MASK_RATE = 0.15  # BERT picks 15% of the tokens as prediction targets...
_MASK_TOKEN_SHARE = 0.8  # ...and puts [MASK] on 80% of them (10% random, 10% unchanged)
_Q4_MASKED = round(_Q4_NUM_TOKENS * _MASK_RATE * _MASK_TOKEN_SHARE)  # 240


def _is_masked_tokens(answer: Any) -> bool:
    return abs(float(answer) - _Q4_MASKED) < 0.5


def _diagnose_masked_tokens(answer: Any) -> str | None:
    value = float(answer)
    if value == _Q4_NUM_TOKENS * _MASK_RATE:
        return (
            "300 tokens are chosen as targets, but only 80% of those become [MASK]; 10% get a "
            "random token and 10% stay unchanged."
        )
    if value == _Q4_NUM_TOKENS * _MASK_RATE * 0.1:
        return "that is the share replaced by a random token; [MASK] goes on 80% of the targets."
    return None


q4 = Key(
    is_correct=_is_masked_tokens,
    diagnose=_diagnose_masked_tokens,
    solution_text=(
        "answer = 2000 * 0.15 * 0.8  # 240\n"
        "300 targets, of which 240 are masked, 30 replaced at random and 30 left unchanged, so "
        "the model cannot learn that only [MASK] positions matter."
    ),
    solution_cell="answer = 2000 * 0.15 * 0.8\nnb04.q4.check(answer)",
)
