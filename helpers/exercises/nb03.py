"""Exercises for notebook 03, the mathematics of self-attention: masks, attention, heads.

Used by notebooks/03_self_attention_math.ipynb. The keys are in answers/nb03.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from helpers.exercises import Exercise, as_bool_mask, number_form

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
        "Position i may look at positions 0, 1, ..., i and never later ones: that is the lower "
        "triangle of a square matrix, diagonal included. Look at torch.tril.",
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
        "Three steps: scores = QUERY @ KEY.T / math.sqrt(2) (shape 2 x 3); "
        "weights = torch.softmax(scores, dim=-1); output = weights @ VALUE.",
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
        "Two moves: .view(batch, seq, num_heads, hidden // num_heads) cuts each token's vector "
        "into pieces, then .transpose(1, 2) brings the heads axis in front of seq.",
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
        "Four Linear(768, 768) layers: query, key, value and output projections. A Linear(n, m) "
        "holds n*m weights and m biases. The heads only reshape; they add no parameters.",
    ),
    starter="answer = None  # your number here\nnb03.q4.check(answer)",
    diagnose=lambda answer: number_form(answer, whole=True),
)
