"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 03's exercises."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig

from helpers.assets import resolve_model
from helpers.attention import causal_mask, scaled_dot_product_attention, split_heads
from helpers.exercises import Case, Credit, Key, as_bool_mask
from helpers.exercises.nb03 import (
    _Q1_SEQ_LEN,
    _Q4_HIDDEN_SIZE,
    _Q4_NUM_HEADS,
    KEY,
    QUERY,
    VALUE,
    _sample_attention_inputs,
    _sample_hidden_states,
)

# --- q1: the causal mask ----------------------------------------------------------------


def _is_causal_mask(answer: Any) -> bool:
    mask = as_bool_mask(answer)
    return mask.shape == (_Q1_SEQ_LEN, _Q1_SEQ_LEN) and torch.equal(mask, causal_mask(_Q1_SEQ_LEN))


def _diagnose_causal_mask(answer: Any) -> str | None:
    mask = as_bool_mask(answer)
    expected = causal_mask(_Q1_SEQ_LEN)
    if mask.shape != expected.shape:
        return None  # the public form check says it
    if torch.equal(mask, expected.T):
        return "rows are queries and columns are keys: row i may see columns 0..i, not i..end."
    if torch.equal(mask, ~expected):
        return (
            "that is torch.nn.MultiheadAttention's convention (True = blocked). In this course "
            "True means 'may attend'."
        )
    if torch.equal(mask, expected.tril(diagonal=-1)):
        return "a token may attend to itself: keep the diagonal."
    return None


q1 = Key(
    is_correct=_is_causal_mask,
    diagnose=_diagnose_causal_mask,
    solution_text=(
        "answer = torch.tril(torch.ones(5, 5, dtype=torch.bool))\n"
        "Row i (the query) is True in columns 0..i (the keys it may see), so the lower "
        "triangle with its diagonal is True and everything above it is False. Without torch.tril: "
        "positions = torch.arange(5); answer = positions[None, :] <= positions[:, None]."
    ),
    solution_cell="answer = torch.tril(torch.ones(5, 5, dtype=torch.bool))\nnb03.q1.check(answer)",
)

# --- q2: attention by hand --------------------------------------------------------------


def _expected_tiny_output() -> torch.Tensor:
    """Return the attention output for QUERY, KEY and VALUE, worked out by the course's code."""
    output, _ = scaled_dot_product_attention(QUERY, KEY, VALUE)
    return output


def _is_tiny_output(answer: Any) -> bool:
    answer = torch.as_tensor(answer, dtype=torch.float32)
    expected = _expected_tiny_output()
    return answer.shape == expected.shape and torch.allclose(answer, expected, atol=1e-3)


def _diagnose_tiny_output(answer: Any) -> str | Credit | None:
    answer = torch.as_tensor(answer, dtype=torch.float32)
    unscaled = torch.softmax(QUERY @ KEY.T, dim=-1) @ VALUE
    by_head_size = torch.softmax(QUERY @ KEY.T / 2, dim=-1) @ VALUE  # d_k, not sqrt(d_k)
    weights = torch.softmax(QUERY @ KEY.T / math.sqrt(2), dim=-1)
    wrong_axis = torch.softmax(QUERY @ KEY.T / math.sqrt(2), dim=0) @ VALUE
    if answer.shape == unscaled.shape and torch.allclose(answer, unscaled, atol=1e-3):
        return Credit(
            "close: you forgot to divide the scores by sqrt(d_k) = sqrt(2) before the softmax.",
            0.5,
        )
    if answer.shape == by_head_size.shape and torch.allclose(answer, by_head_size, atol=1e-3):
        return Credit(
            "close: you divided the scores by d_k = 2; the scale is its square root, sqrt(2).",
            0.5,
        )
    if answer.shape == weights.shape and torch.allclose(answer, weights, atol=1e-3):
        return "those are the attention weights; the output is the weights times VALUE."
    if answer.shape == wrong_axis.shape and torch.allclose(answer, wrong_axis, atol=1e-3):
        return (
            "the softmax goes along the keys (the last dimension), so each query's row sums to 1."
        )
    return None


q2 = Key(
    is_correct=_is_tiny_output,
    diagnose=_diagnose_tiny_output,
    solution_text=(
        "scores = nb03.QUERY @ nb03.KEY.T / math.sqrt(2)   # (2 queries, 3 keys)\n"
        "weights = torch.softmax(scores, dim=-1)          # each row sums to 1\n"
        "answer = weights @ nb03.VALUE                    # (2, 2)\n"
        "The first query points along the first axis, so it leans on keys 0 and 2 and its "
        "output is pulled towards their values."
    ),
    solution_cell=(
        "scores = nb03.QUERY @ nb03.KEY.T / math.sqrt(2)\n"
        "answer = torch.softmax(scores, dim=-1) @ nb03.VALUE\n"
        "nb03.q2.check(answer)"
    ),
)

# --- q3: split_heads --------------------------------------------------------------------


def _hidden_states(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape)))


def _split_heads_case(name: str, hidden_states: torch.Tensor, num_heads: int) -> Case:
    return Case(name, (hidden_states, num_heads), split_heads(hidden_states, num_heads))


_SPLIT_HEADS_CASES = (
    _split_heads_case("the example, 3 heads", _sample_hidden_states(), 3),
    _split_heads_case("the example, 4 heads", _sample_hidden_states(), 4),
    _split_heads_case("one token", _hidden_states(1, 1, 6), 3),
    _split_heads_case("one token, batch of 2", _hidden_states(2, 1, 8), 4),
    _split_heads_case("one head", _hidden_states(3, 4, 6), 1),
    _split_heads_case("head size 1", _hidden_states(2, 3, 4), 4),
)


def _diagnose_split_heads(answer: Callable[[torch.Tensor, int], torch.Tensor]) -> str | None:
    result = answer(_sample_hidden_states(), 3)
    if isinstance(result, torch.Tensor) and result.shape == (2, 3, 5, 4):
        return (
            "the shape is right but the numbers are shuffled: view as (batch, seq, heads, "
            "head_dim) first, then transpose(1, 2). A direct view to (batch, heads, seq, "
            "head_dim) mixes features of different tokens."
        )
    return None


q3 = Key(
    cases=_SPLIT_HEADS_CASES,
    diagnose=_diagnose_split_heads,
    solution_text=(
        "def answer(hidden_states, num_heads):\n"
        "    batch, seq, hidden = hidden_states.shape\n"
        "    pieces = hidden_states.view(batch, seq, num_heads, hidden // num_heads)\n"
        "    return pieces.transpose(1, 2)  # (batch, heads, seq, head_dim)"
    ),
    solution_cell=(
        "def my_split_heads(hidden_states: torch.Tensor, num_heads: int) -> torch.Tensor:\n"
        "    batch, seq, hidden = hidden_states.shape\n"
        "    pieces = hidden_states.view(batch, seq, num_heads, hidden // num_heads)\n"
        "    return pieces.transpose(1, 2)\n\n\n"
        "nb03.q3.check(my_split_heads)"
    ),
)

# --- q4: parameters of a multi-head attention layer -------------------------------------

_Q4_PARAMETERS = 4 * (_Q4_HIDDEN_SIZE * _Q4_HIDDEN_SIZE + _Q4_HIDDEN_SIZE)  # 2,362,368


def _is_attention_parameters(answer: Any) -> bool:
    return float(answer) == _Q4_PARAMETERS  # a whole number: 2362368.9 is not a count


def _diagnose_attention_parameters(answer: Any) -> str | None:
    value = float(answer)
    hidden = _Q4_HIDDEN_SIZE
    if value == 4 * hidden * hidden:
        return "each of the four Linear layers also has a bias of 768 numbers."
    if value == 3 * (hidden * hidden + hidden):
        return "don't forget the output projection that mixes the heads back together."
    if value == _Q4_PARAMETERS + 2 * hidden:
        return (
            "that counts a LayerNorm too (768 weights and 768 biases), as transformers' "
            "BertAttention holds one; the course's MultiHeadAttention has none."
        )
    if value * _Q4_NUM_HEADS == _Q4_PARAMETERS or value == _Q4_PARAMETERS * _Q4_NUM_HEADS:
        return (
            "the number of heads does not change the count: the heads share out the 768 "
            "output features of each projection, they do not multiply them."
        )
    return None


q4 = Key(
    is_correct=_is_attention_parameters,
    diagnose=_diagnose_attention_parameters,
    solution_text=(
        "answer = 4 * (768 * 768 + 768)  # = 2,362,368\n"
        "Check it: sum(p.numel() for p in MultiHeadAttention(768, 12).parameters())."
    ),
    solution_cell=(
        "layer = scratch.MultiHeadAttention(768, 12)\n"
        "answer = sum(p.numel() for p in layer.parameters())\n"
        "nb03.q4.check(answer)"
    ),
)

# --- q5: attention with a mask, as a function --------------------------------------------


def _torch_attention(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Return PyTorch's scaled dot-product attention (boolean mask: True = may attend)."""
    return nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=mask)


def _random(*shape: int, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape) + 7))


def _attention_case(name: str, query, key, value, mask=None) -> Case:
    return Case(name, (query, key, value, mask), _torch_attention(query, key, value, mask))


def _padding_and_causal() -> torch.Tensor:
    padding = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]]).bool()[:, None, None, :]  # (2, 1, 1, 4)
    return padding & causal_mask(4)  # (batch=2, heads=1, query=4, key=4)


def _few_keys_mask() -> torch.Tensor:
    mask = torch.ones(3, 6, dtype=torch.bool)  # (query, key)
    mask[0, 3:] = False
    mask[2, :2] = False
    return mask


_ATTENTION_CASES = (
    _attention_case("the tiny example of exercise 2, no mask", QUERY, KEY, VALUE),
    _attention_case("a causal mask, 5 tokens", *_random(3, 1, 1, 5, 8).unbind(0), causal_mask(5)),
    _attention_case(
        "a padding mask of shape (batch, 1, 1, key), 2 heads",
        *_random(3, 2, 2, 4, 8).unbind(0),
        torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]]).bool()[:, None, None, :],
    ),
    _attention_case(
        "padding and causal masks combined",
        *_random(3, 2, 1, 4, 6).unbind(0),
        _padding_and_causal(),
    ),
    _attention_case(
        "3 queries, 6 keys, values of another size, a mask",
        _random(3, 4),
        _random(6, 4),
        _random(6, 5),
        _few_keys_mask(),
    ),
    _attention_case("d_k = 1", _random(2, 3, 1), _random(2, 3, 1), _random(2, 3, 2)),
    _attention_case("a single key", _random(4, 8), _random(1, 8), _random(1, 3)),
    _attention_case(
        "large scores (a softmax must not overflow)",
        *_random(3, 1, 2, 3, 4, scale=30.0).unbind(0),
    ),
)


def _attention_close(result: Any, expected: torch.Tensor) -> bool:
    return (
        isinstance(result, torch.Tensor)
        and result.shape == expected.shape
        and torch.allclose(result.to(expected.dtype), expected, atol=1e-5)
    )


def _matches(function: Callable[..., Any], reference: Callable[..., Any], *arguments) -> bool:
    """Return True when `function` gives what `reference` gives (False when it raises)."""
    try:
        result = function(*arguments)
    except Exception:  # a crash is a mismatch here; the case list reports the error itself
        return False
    return _attention_close(result, reference(*arguments))


def _blocked_where_true(query, key, value, mask):
    return _torch_attention(query, key, value, ~mask)


def _unscaled(query, key, value, mask):
    return _torch_attention(query * math.sqrt(query.size(-1)), key, value, mask)


def _zero_score(query, key, value, mask):
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1)) * mask
    return torch.softmax(scores, dim=-1) @ value


def _masked_after_softmax(query, key, value, mask):
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))
    return (torch.softmax(scores, dim=-1) * mask) @ value


def _diagnose_attention(answer: Callable[..., Any]) -> str | Credit | None:
    query, key, value, _ = _sample_attention_inputs()
    mask = torch.tensor([[True, True, False, False]])  # (1, key): no row left without a key
    if _matches(answer, _blocked_where_true, query, key, value, mask):
        return (
            "your function blocks the pairs where the mask is True. In this course (and in "
            "scaled_dot_product_attention) True means 'may attend'; torch.nn.MultiheadAttention "
            "is the library that uses True for 'blocked'."
        )
    if _matches(answer, _unscaled, query, key, value, mask):
        return Credit("close: divide the scores by sqrt(d_k) before the softmax.", 0.5)
    if _matches(answer, _zero_score, query, key, value, mask):
        return (
            "a masked score of 0 still gets the weight e^0 / (sum): a forbidden pair needs a "
            "score of minus infinity, so that its weight is exactly 0."
        )
    if _matches(answer, _masked_after_softmax, query, key, value, mask):
        return (
            "zeroing weights after the softmax leaves rows that no longer sum to 1: mask the "
            "scores before the softmax instead."
        )
    large = [30 * argument for argument in (query, key, value)]
    if _matches(answer, _torch_attention, query, key, value, mask) and not _matches(
        answer, _torch_attention, *large, mask
    ):
        return (
            "right on ordinary scores, wrong on large ones: exp of a large score overflows to "
            "inf. Subtract each row's largest score before exponentiating (the softmax does "
            "not change), or use torch.softmax, which does it for you."
        )
    flat = [argument[0, 0] for argument in (query, key, value)]  # 2-D: (seq, d)
    if _matches(answer, _torch_attention, *flat) and not _matches(
        answer, _torch_attention, query, key, value
    ):
        return (
            "it works on 2-D inputs but not on batched ones: key.T reverses every axis of a "
            "4-D tensor, so swap only the last two; and softmax over the last axis (the keys)."
        )
    return None


q5 = Key(
    cases=_ATTENTION_CASES,
    compare=_attention_close,
    diagnose=_diagnose_attention,
    solution_text=(
        "Mask the scores before the softmax, not the weights after it:\n"
        "def my_attention(query, key, value, mask=None):\n"
        "    scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))\n"
        "    if mask is not None:\n"
        "        scores = scores.masked_fill(~mask, float('-inf'))  # False: weight 0\n"
        "    return torch.softmax(scores, dim=-1) @ value\n"
        "transpose(-2, -1) leaves the batch and head axes alone; a score of minus infinity "
        "gets the weight e^-inf = 0, and torch.softmax subtracts each row's maximum first, so "
        "large scores do not overflow."
    ),
    solution_cell=(
        "def my_attention(query, key, value, mask=None):\n"
        "    scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))\n"
        "    if mask is not None:\n"
        '        scores = scores.masked_fill(~mask, float("-inf"))\n'
        "    return torch.softmax(scores, dim=-1) @ value\n\n\n"
        "nb03.q5.check(my_attention)"
    ),
)

# --- q6: where attention's cost overtakes the rest of the layer --------------------------


@cache
def _layer_sizes() -> tuple[int, int]:
    """Return (hidden_size, intermediate_size) of the model notebook 03 loads."""
    config = AutoConfig.from_pretrained(resolve_model("embedded"))
    return config.hidden_size, config.intermediate_size


@cache
def _num_heads() -> int:
    """Return num_attention_heads of the model notebook 03 loads."""
    return AutoConfig.from_pretrained(resolve_model("embedded")).num_attention_heads


def _crossover(hidden: int, intermediate: int) -> float:
    """Return n where 4 n^2 d (QK^T and AV) equals 8 n d^2 + 4 n d f FLOPs (the rest)."""
    return 2 * hidden + intermediate


def _is_crossover(answer: Any) -> bool:
    return math.isclose(float(answer), _crossover(*_layer_sizes()), rel_tol=1e-3)


def _diagnose_crossover(answer: Any) -> str | None:
    value = float(answer)
    hidden, intermediate = _layer_sizes()
    if math.isclose(value, _crossover(768, 3072), rel_tol=1e-3):
        return (
            "that is twice the answer: bert-base's crossover (hidden size 768), or the "
            "attention products counted in multiply-adds against the rest in FLOPs. Read "
            "d from model.config and count both sides in FLOPs."
        )
    if math.isclose(value, 2 * hidden, rel_tol=1e-3):
        return "you left out the feed-forward network (two linear layers, d -> f -> d)."
    if math.isclose(value, intermediate, rel_tol=1e-3):
        return "you left out the four projections (query, key, value and output)."
    crossover, heads = _crossover(hidden, intermediate), _num_heads()
    if math.isclose(value, crossover * heads, rel_tol=1e-3):
        return (
            "you counted one head: each works on d_k = d / h features, and h heads x n^2 d_k "
            "= n^2 d multiply-adds for QK^T in all (the same again for AV)."
        )
    if math.isclose(value, crossover / heads, rel_tol=1e-3):
        return (
            "you multiplied the attention cost by the number of heads: the heads share out "
            "the d features, so h heads x n^2 d_k = n^2 d multiply-adds for QK^T in all."
        )
    return None


q6 = Key(
    is_correct=_is_crossover,
    diagnose=_diagnose_crossover,
    solution_text=(
        "d, f = model.config.hidden_size, model.config.intermediate_size  # 384, 1536\n"
        "rest = 2 * (4 * n * d * d + 2 * n * d * f)  # FLOPs of projections + feed-forward\n"
        "attention = 2 * (2 * n * n * d)  # FLOPs of QK^T and AV, all heads together\n"
        "Equal when 4 n^2 d = 8 n d^2 + 4 n d f, that is n = 2d + f = 2,304 tokens: 6d, as for "
        "bert-base, because f = 4d; far beyond the 512 positions this model can read."
    ),
    solution_cell=(
        "d, f = model.config.hidden_size, model.config.intermediate_size\n"
        "answer = 2 * d + f  # 4 n^2 d = 8 n d^2 + 4 n d f\n"
        "nb03.q6.check(answer)"
    ),
)

# --- q7: the softmax saturation measured in section 2 -------------------------------------

_Q7_HEAD_DIM = 768 // 12  # bert-base
_Q7_NUM_KEYS = 16
_Q7_TOLERANCE = 0.035  # about 3.4 standard errors of the smoke run's 300 trials


@cache
def _mean_largest_weight(head_dim: int, scaled: bool, trials: int = 20_000) -> float:
    """Return the mean largest softmax weight of random scores, as section 2 measures it."""
    generator = torch.Generator().manual_seed(head_dim)
    query = torch.randn(trials, 1, head_dim, generator=generator)
    key = torch.randn(trials, _Q7_NUM_KEYS, head_dim, generator=generator)
    scores = (query @ key.transpose(1, 2)).squeeze(1)  # (trials, keys)
    if scaled:
        scores = scores / math.sqrt(head_dim)
    return torch.softmax(scores, dim=-1).max(dim=-1).values.mean().item()


def _is_saturation(answer: Any) -> bool:
    return abs(float(answer) - _mean_largest_weight(_Q7_HEAD_DIM, False)) <= _Q7_TOLERANCE


def _diagnose_saturation(answer: Any) -> str | None:
    value = float(answer)
    if abs(value - _mean_largest_weight(_Q7_HEAD_DIM, True)) <= _Q7_TOLERANCE:
        return "that is the measurement with the division by sqrt(d_k): take saturation[False]."
    if value < 0.2:
        return "that looks like the Jacobian norm (the second number of each pair)."
    for head_dim in (2, 4, 8, 16, 32, 128, 256):  # the other sizes of the notebook
        if abs(value - _mean_largest_weight(head_dim, False)) <= _Q7_TOLERANCE / 2:
            return "that is another head size: bert-base's is 768 / 12 = 64."
    return None


q7 = Key(
    is_correct=_is_saturation,
    diagnose=_diagnose_saturation,
    solution_text=(
        "answer = saturation[False][HEAD_DIMS.index(64)][0]  # about 0.85\n"
        "bert-base's heads have 768 / 12 = 64 features. Without the division, one key takes "
        "about 85% of a query's weight on average (uniform would be 1/16, about 6%); with it, "
        "about 25%. That saturation is what the division by sqrt(d_k) prevents."
    ),
    solution_cell=("answer = saturation[False][HEAD_DIMS.index(64)][0]\nnb03.q7.check(answer)"),
)
