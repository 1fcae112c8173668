"""Exercises for notebook 04, inside BERT: tokens, segments, parameters and masking.

Used by notebooks/04_inside_bert.ipynb.
"""

from __future__ import annotations

from typing import Any

from helpers.exercises import Exercise

# --- q1: count the tokens of a sentence -------------------------------------------------

Q1_SENTENCE = "Tokenizers split unbelievably rare words into pieces."
# BERT's uncased WordPiece vocabulary (bert-base-uncased and MiniLM share it) gives
# [CLS] token ##izer ##s split un ##bel ##ie ##va ##bly rare words into pieces . [SEP]
_Q1_TOKENS = 16


def _is_token_count(answer: Any) -> bool:
    return int(answer) == _Q1_TOKENS


def _diagnose_token_count(answer: Any) -> str | None:
    value = int(answer)
    if value == _Q1_TOKENS - 2:
        return (
            "you counted the word pieces; the tokenizer also adds [CLS] at the start and [SEP] "
            "at the end."
        )
    if value in (7, 8, 9, 10):
        return (
            "that counts words (and punctuation); WordPiece splits rare words into several pieces."
        )
    return None


q1 = Exercise(
    name="nb04.q1",
    question=(
        f"How many tokens does BERT's tokenizer produce for nb04.Q1_SENTENCE = {Q1_SENTENCE!r}, "
        "special tokens included? Guess first, then count with the tokenizer."
    ),
    is_correct=_is_token_count,
    hint_text=(
        "len(tokenizer(nb04.Q1_SENTENCE)['input_ids']) counts them; "
        "tokenizer.convert_ids_to_tokens(...) shows you which pieces they are."
    ),
    solution_text=(
        "answer = len(tokenizer(nb04.Q1_SENTENCE)['input_ids'])  # 16\n"
        "[CLS] token ##izer ##s split un ##bel ##ie ##va ##bly rare words into pieces . [SEP]: "
        "'tokenizers' and 'unbelievably' are not in the 30,522-piece vocabulary, so they are "
        "built from smaller pieces."
    ),
    diagnose=_diagnose_token_count,
)

# --- q2: segment ids of a sentence pair -------------------------------------------------

Q2_TOKENS = ["[CLS]", "where", "is", "it", "?", "[SEP]", "under", "the", "bed", ".", "[SEP]"]
_Q2_TOKEN_TYPE_IDS = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def _as_int_list(answer: Any) -> list[int]:
    """Return `answer` (a list, tuple or tensor of ids) as a list of ints."""
    if hasattr(answer, "tolist"):
        answer = answer.tolist()
    return [int(value) for value in answer]


def _is_token_type_ids(answer: Any) -> bool:
    return _as_int_list(answer) == _Q2_TOKEN_TYPE_IDS


def _diagnose_token_type_ids(answer: Any) -> str | None:
    values = _as_int_list(answer)
    if len(values) != len(Q2_TOKENS):
        return f"give one id per token: {len(Q2_TOKENS)} numbers."
    if values == [0] + [0] * 4 + [1] + [1] * 5:
        return "the first [SEP] closes sentence A, so it belongs to segment 0."
    if values[-1] == 0:
        return "the second sentence, and the [SEP] that closes it, are segment 1."
    return None


q2 = Exercise(
    name="nb04.q2",
    question=(
        "For the sentence pair tokenised as nb04.Q2_TOKENS "
        "([CLS] where is it ? [SEP] under the bed . [SEP]), write the token_type_ids as a list."
    ),
    is_correct=_is_token_type_ids,
    hint_text=(
        "Segment 0 runs from [CLS] to the first [SEP] included; segment 1 covers the second "
        "sentence and its closing [SEP]."
    ),
    solution_text=(
        "answer = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]\n"
        "Check with tokenizer('Where is it?', 'Under the bed.')['token_type_ids']."
    ),
    diagnose=_diagnose_token_type_ids,
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


q3 = Exercise(
    name="nb04.q3",
    question=(
        "How many parameters does one encoder layer of bert-base hold (hidden size 768, "
        "feed-forward size 3072)? Count attention, feed-forward and both LayerNorms."
    ),
    is_correct=_is_layer_parameters,
    hint_text=(
        "Attention: four Linear(768, 768). Feed-forward: Linear(768, 3072) and "
        "Linear(3072, 768). A Linear(n, m) has n*m + m parameters; a LayerNorm(768) has 2*768."
    ),
    solution_text=(
        "attention = 4 * (768 * 768 + 768)                   # 2,362,368\n"
        "feed_forward = (768 * 3072 + 3072) + (3072 * 768 + 768)  # 4,722,432\n"
        "layer_norms = 2 * (2 * 768)                          # 3,072\n"
        "answer = attention + feed_forward + layer_norms      # 7,087,872\n"
        "Twelve of these make 85 million of bert-base's 110 million parameters."
    ),
    diagnose=_diagnose_layer_parameters,
)

# --- q4: masked language modelling ------------------------------------------------------

_Q4_NUM_TOKENS = 2000
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


q4 = Exercise(
    name="nb04.q4",
    question=(
        f"In BERT's masked language modelling, a text of {_Q4_NUM_TOKENS} tokens goes through the "
        "masking recipe. On average, how many of its tokens are replaced by [MASK]?"
    ),
    is_correct=_is_masked_tokens,
    hint_text=(
        "Two stages: 15% of the tokens are chosen as targets; of those, 80% become [MASK], 10% "
        "a random token and 10% stay as they were."
    ),
    solution_text=(
        "answer = 2000 * 0.15 * 0.8  # 240\n"
        "300 targets, of which 240 are masked, 30 replaced at random and 30 left unchanged, so "
        "the model cannot learn that only [MASK] positions matter."
    ),
    diagnose=_diagnose_masked_tokens,
)
