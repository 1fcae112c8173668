"""Exercises for notebook 03, the mathematics of self-attention: masks, attention, heads, cost.

Used by notebooks/03_self_attention_math.ipynb. The keys are in answers/nb03.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from helpers.exercises import Exercise, as_bool_mask, fraction_form, number_form

# --- q1: the causal mask ----------------------------------------------------------------

_Q1_SEQ_LEN = 5


def _mask_form(answer: Any) -> str | None:
    if as_bool_mask(answer).shape != (_Q1_SEQ_LEN, _Q1_SEQ_LEN):
        return f"the mask should have shape ({_Q1_SEQ_LEN}, {_Q1_SEQ_LEN}), one row per query."
    return None


q1 = Exercise(
    name="nb03.q1",
    question=(
        f"Build the causal mask for a sequence of {_Q1_SEQ_LEN} tokens: a boolean "
        f"({_Q1_SEQ_LEN}, {_Q1_SEQ_LEN}) tensor whose entry [i, j] is True when query i may "
        "attend to key j."
    ),
    hints=(
        "Row i is query i and column j is key j. Which keys may query i see: those before it, "
        "itself, those after it? Draw the 5 x 5 grid and shade the allowed cells.",
        "The allowed cells form a triangle of the square, diagonal included. Compare two index "
        "grids: one of query positions, one of key positions; or look through torch's "
        "functions that keep one triangle of a matrix.",
    ),
    starter="answer = None  # your code here\nnb03.q1.check(answer)",
    diagnose=_mask_form,
)

# --- q2: attention by hand --------------------------------------------------------------

QUERY = torch.tensor([[1.0, 0.0], [0.0, 2.0]])  # 2 queries, d_k = 2
KEY = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # 3 keys
VALUE = torch.tensor([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])  # one value per key


def _output_form(answer: Any) -> str | None:
    if torch.as_tensor(answer, dtype=torch.float32).shape != (2, 2):
        return "the output has one row per query and one column per value feature: shape (2, 2)."
    return None


q2 = Exercise(
    name="nb03.q2",
    question=(
        "With nb03.QUERY (2 x 2), nb03.KEY (3 x 2) and nb03.VALUE (3 x 2), compute the attention "
        "output softmax(QUERY KEY^T / sqrt(d_k)) VALUE step by step with @, / and torch.softmax "
        "(not with a ready-made attention function)."
    ),
    hints=(
        "Follow section 1 of the notebook: scores first, then weights, then the output. Write "
        "down the shape after each step: (2 queries, 3 keys), then ..., then (2, 2).",
        "The scores are every query dotted with every key, divided by the square root of the "
        "head size: here d_k = 2, so divide by sqrt(2). Each query's weights must sum to 1 over "
        "the keys, so the softmax runs along the last axis; the output mixes the rows of VALUE "
        "with those weights.",
    ),
    starter=(
        'print(f"QUERY:\\n{nb03.QUERY}\\nKEY:\\n{nb03.KEY}\\nVALUE:\\n{nb03.VALUE}")\n'
        "answer = None  # your code here: a (2, 2) tensor\n"
        "nb03.q2.check(answer)"
    ),
    diagnose=_output_form,
)

# --- q3: split_heads --------------------------------------------------------------------


def _sample_hidden_states() -> torch.Tensor:
    """Return a fixed random (batch, seq, hidden) = (2, 5, 12) tensor to try split_heads on."""
    generator = torch.Generator().manual_seed(3)
    return torch.randn(2, 5, 12, generator=generator)  # (batch, seq, hidden)


def _split_heads_form(answer: Callable[[torch.Tensor, int], torch.Tensor]) -> str | None:
    result = answer(_sample_hidden_states(), 3)
    if result is None:
        return "your function returns None: write its body (and return the reshaped tensor)."
    if not isinstance(result, torch.Tensor):
        return "your function should return a tensor."
    if result.shape == (2, 5, 3, 4):
        return "almost: after view(batch, seq, heads, head_dim), swap the seq and heads axes."
    if result.shape != (2, 3, 5, 4):
        return "the result should have shape (batch, heads, seq, head_dim) = (2, 3, 5, 4) here."
    return None


q3 = Exercise(
    name="nb03.q3",
    kind="function",
    points=2,
    question=(
        "Write split_heads(hidden_states, num_heads) that turns a (batch, seq, hidden) tensor "
        "into (batch, heads, seq, head_dim), head h holding features h*head_dim ... "
        "(h+1)*head_dim - 1. Pass the function itself as the answer."
    ),
    hints=(
        "Two moves. First cut each token's vector of `hidden` numbers into num_heads pieces of "
        "hidden // num_heads, keeping batch and seq where they are. Then reorder the axes.",
        "After the cut the shape is (batch, seq, heads, head_dim); the answer wants heads before "
        "seq. A reshape straight to (batch, heads, seq, head_dim) has the right shape but mixes "
        "the features of different tokens: swap two axes instead.",
    ),
    starter=(
        "def my_split_heads(hidden_states: torch.Tensor, num_heads: int) -> torch.Tensor:\n"
        "    return None  # your code here\n\n\n"
        "nb03.q3.check(my_split_heads)"
    ),
    diagnose=_split_heads_form,
)

# --- q4: parameters of a multi-head attention layer -------------------------------------

_Q4_HIDDEN_SIZE = 768
_Q4_NUM_HEADS = 12

q4 = Exercise(
    name="nb03.q4",
    question=(
        f"How many parameters (weights and biases) does MultiHeadAttention(hidden_size="
        f"{_Q4_HIDDEN_SIZE}, num_heads={_Q4_NUM_HEADS}) have? That is one attention layer of "
        "bert-base."
    ),
    hints=(
        "List the module's layers (print it, or read its __init__): which of them hold "
        "parameters? Do the 12 heads have weights of their own?",
        "There are four projections (query, key, value, output), each from 768 features to 768. "
        "A Linear(n, m) holds an (m, n) weight matrix and a bias of m numbers. The split into "
        "heads is a reshape: it has no parameters.",
    ),
    starter="answer = None  # your number here\nnb03.q4.check(answer)",
    diagnose=lambda answer: number_form(answer, whole=True),
)

# --- q5: attention with a mask, as a function --------------------------------------------


def _sample_attention_inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return a fixed (query, key, value, mask) to try an attention function on."""
    generator = torch.Generator().manual_seed(5)
    query, key, value = torch.randn(3, 2, 1, 4, 8, generator=generator).unbind(0)
    mask = torch.ones(4, 4, dtype=torch.bool).tril()  # (query, key): True = may attend
    return query, key, value, mask  # each (batch=2, heads=1, seq=4, d_k=8)


def _attention_form(answer: Callable[..., Any]) -> str | None:
    query, key, value, mask = _sample_attention_inputs()
    result = answer(query, key, value, mask)
    if result is None:
        return "your function returns None: write its body (and return the output)."
    if isinstance(result, tuple):
        return "return the output tensor only, not a tuple such as (output, weights)."
    if not isinstance(result, torch.Tensor):
        return "your function should return a tensor."
    if result.shape != value.shape:
        return (
            "the output has one row per query and one column per value feature: here "
            f"{tuple(value.shape)}, the batch and head axes carried along."
        )
    return None


q5 = Exercise(
    name="nb03.q5",
    kind="function",
    points=2,
    question=(
        "Write my_attention(query, key, value, mask=None) that returns the output of scaled "
        "dot-product attention, softmax(query key^T / sqrt(d_k)) value, for tensors of shape "
        "(..., seq, d) with any leading axes (none, batch, or batch and heads). mask is None "
        "or a boolean tensor that broadcasts to (..., query_len, key_len), True where a query "
        "may attend to a key. The check compares your function with "
        "torch.nn.functional.scaled_dot_product_attention on hidden cases. Write it with @, "
        "torch.softmax and tensor methods; pass the function itself."
    ),
    hints=(
        "Section 1 gives the three steps without a mask. The mask acts between the scores and "
        "the softmax: a forbidden pair must end up with a weight of exactly 0, and each row of "
        "weights must still sum to 1.",
        "Which score has a softmax weight of exactly 0? Put it wherever the mask is False. Then "
        "check two details on batched inputs: transpose only the last two axes of key (batch "
        "and heads must pass through), and take d_k from the size of the last axis of query.",
    ),
    starter=(
        "def my_attention(query, key, value, mask=None):\n"
        "    return None  # your code here: the output, shape (..., query_len, value_dim)\n\n\n"
        "nb03.q5.check(my_attention)"
    ),
    diagnose=_attention_form,
)

# --- q6: where attention's cost overtakes the rest of the layer --------------------------

q6 = Exercise(
    name="nb03.q6",
    question=(
        "Take one encoder layer of the model this notebook loaded (model.config gives its "
        "hidden_size d and intermediate_size f). At which sequence length n do its two "
        "attention matrix products, QK^T and AV, cost as many FLOPs as the rest of the layer's "
        "matrix products (the query, key, value and output projections and the two linear "
        "layers of the feed-forward network)? Give n."
    ),
    hints=(
        "Section 6 counted a bert-base layer. Which sizes does that count depend on, and what "
        "are they for the model loaded in section 5? (It is not bert-base.)",
        "Read hidden_size and intermediate_size from model.config. Then set the attention "
        "products' FLOPs (they grow like n^2) equal to the rest's (they grow like n) and solve "
        "for n, or search for the n where section 6's attention_share reaches one half.",
    ),
    starter="answer = None  # your number here\nnb03.q6.check(answer)",
    diagnose=lambda answer: number_form(answer),
)

# --- q7: the softmax saturation measured in section 2 -------------------------------------

q7 = Exercise(
    name="nb03.q7",
    question=(
        "Read your own measurement in section 2 (the dictionary `saturation`): without the "
        "division by sqrt(d_k), what is the mean largest attention weight a query gives over "
        "NUM_KEYS = 16 random keys at bert-base's head size? (1 means one key takes all the "
        "weight, 1/16 uniform.) The check accepts the value your run measures, within its "
        "sampling noise."
    ),
    hints=(
        "First work out bert-base's head size: its hidden size divided by its number of heads. "
        "Then find that d_k in HEAD_DIMS.",
        "saturation[False] holds one (mean largest weight, mean Jacobian norm) pair per d_k, in "
        "the order of HEAD_DIMS; saturation[True] is the scaled version.",
    ),
    starter="answer = None  # your number here, read from `saturation`\nnb03.q7.check(answer)",
    diagnose=fraction_form,
)
