"""Exercises for notebook 02, from RNN and LSTM to the Transformer: cells, memory, gradients.

Used by notebooks/02_rnn_lstm_transformer.ipynb. The keys are in answers/nb02.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from helpers.exercises import Exercise, as_float, number_form

# --- q1: parameters of an LSTM layer ----------------------------------------------------

_LSTM_INPUT_SIZE = 32
_LSTM_HIDDEN_SIZE = 64

q1 = Exercise(
    name="nb02.q1",
    question=(
        f"How many parameters does torch.nn.LSTM(input_size={_LSTM_INPUT_SIZE}, "
        f"hidden_size={_LSTM_HIDDEN_SIZE}) have?"
    ),
    hints=(
        "Count from the equations of section 2: how many gates (and candidate) are there, and "
        "which weight matrices and bias vectors does each one use?",
        "Take one block, say the forget gate f, and list what its equation multiplies and adds. "
        "Each weight matrix must turn a vector of input_size (or hidden_size) numbers into "
        "hidden_size numbers: what shape does that give it? PyTorch keeps two bias vectors per "
        "block. The other three blocks are built alike.",
    ),
    starter="answer = None  # your code here\nnb02.q1.check(answer)",
    diagnose=lambda answer: number_form(answer, whole=True),
)

# --- q2: a GRU cell, from its equations -------------------------------------------------


def _gru_example() -> tuple[torch.Tensor, ...]:
    """Return (inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden), small."""
    generator = torch.Generator().manual_seed(2)
    inputs = torch.randn(2, 3, generator=generator)  # (batch, input)
    hidden = torch.randn(2, 4, generator=generator)  # (batch, hidden)
    weight_input = torch.randn(12, 3, generator=generator)  # (3 * hidden, input)
    weight_hidden = torch.randn(12, 4, generator=generator)  # (3 * hidden, hidden)
    return inputs, hidden, weight_input, weight_hidden, torch.zeros(12), torch.zeros(12)


def _gru_form(answer: Callable[..., Any]) -> str | None:
    result = answer(*_gru_example())
    if result is None:
        return "your function returns None: write its body, and return the new hidden state."
    if isinstance(result, tuple):
        return "a GRU has no separate cell: return only the new hidden state, one tensor."
    if not isinstance(result, torch.Tensor) or result.shape != (2, 4):
        return "return one tensor of shape (batch, hidden), like the hidden state you got."
    return None


q2 = Exercise(
    name="nb02.q2",
    kind="function",
    points=2,
    question=(
        "Write gru_cell(inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden): "
        "one step of a GRU as section 6 writes it, with PyTorch's layout (weight_input is "
        "(3 * hidden_size, input_size), weight_hidden (3 * hidden_size, hidden_size), and the "
        "biases (3 * hidden_size,); the three blocks are stacked r, z, n). inputs is "
        "(batch, input_size) and hidden (batch, hidden_size); return the new hidden state. The "
        "check compares your cell with torch.nn.GRUCell holding the same weights. Pass the "
        "function itself."
    ),
    hints=(
        "Start as recurrent.lstm_cell does: one product for the inputs and one for the hidden "
        "state, each cut into three blocks. Unlike the LSTM, keep the two products apart: "
        "where does the reset gate act in the candidate's equation?",
        "r and z are sigmoids of (input block + hidden block); the candidate n is the tanh of "
        "the input block plus r times the whole hidden block, bias b_hn included. The new state "
        "mixes n and the old state with z; check which of the two z multiplies.",
    ),
    starter=(
        "def gru_cell(\n"
        "    inputs: torch.Tensor,\n"
        "    hidden: torch.Tensor,\n"
        "    weight_input: torch.Tensor,\n"
        "    weight_hidden: torch.Tensor,\n"
        "    bias_input: torch.Tensor,\n"
        "    bias_hidden: torch.Tensor,\n"
        ") -> torch.Tensor:\n"
        "    return None  # your code here: the new hidden state, (batch, hidden_size)\n\n\n"
        "nb02.q2.check(gru_cell)"
    ),
    diagnose=_gru_form,
)

# --- q3: how long a forget gate remembers -----------------------------------------------

_FORGET_BIAS = 3.0
_FORGET_STEPS = 50


def _diagnose_forget(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number between 0 and 1."
    if math.isclose(value, 0.5**_FORGET_STEPS, rel_tol=1e-2):
        return f"sigmoid({_FORGET_BIAS:g}) is not 0.5: a forget bias of 0 would give 0.5."
    if math.isclose(value, _FORGET_BIAS**_FORGET_STEPS, rel_tol=1e-3):
        return "Pass the bias through the sigmoid first: f = 1 / (1 + exp(-bias))."
    return None


q3 = Exercise(
    name="nb02.q3",
    question=(
        f"An LSTM's forget gate sits at f = sigmoid({_FORGET_BIAS:g}) on every step, and its "
        f"input gate is closed (i = 0). What fraction of the cell content c_0 is left after "
        f"{_FORGET_STEPS} steps? (The same factor multiplies the gradient flowing back "
        "along the cell.)"
    ),
    hints=(
        "With the input gate closed, what is left of the update c_t = f * c_{t-1} + i * g? "
        f"Apply it {_FORGET_STEPS} times in a row.",
        "Each step multiplies the cell by the same f, so the factors pile up as a power. "
        f"Compute f itself first: it is the sigmoid of {_FORGET_BIAS:g}, not "
        f"{_FORGET_BIAS:g} itself.",
    ),
    starter="answer = None  # your code here\nnb02.q3.check(answer)",
    diagnose=_diagnose_forget,
)

# --- q4: a bidirectional layer from two one-way layers ----------------------------------


def _bidirectional_example() -> tuple[nn.Module, nn.Module, torch.Tensor]:
    """Return (forward_layer, backward_layer, inputs): two small RNNs and a (2, 5, 3) batch."""
    generator = torch.Generator().manual_seed(4)
    with torch.random.fork_rng():
        torch.manual_seed(4)
        forward_layer = nn.RNN(3, 2, batch_first=True)
        backward_layer = nn.RNN(3, 2, batch_first=True)
    return forward_layer, backward_layer, torch.randn(2, 5, 3, generator=generator)


def _bidirectional_form(answer: Callable[..., Any]) -> str | None:
    result = answer(*_bidirectional_example())
    if result is None:
        return "your function returns None: write its body, and return the outputs."
    if isinstance(result, tuple):
        return "return only the outputs, one (batch, time, 2 * hidden) tensor, not the states."
    if not isinstance(result, torch.Tensor) or result.shape != (2, 5, 4):
        return (
            "return one tensor of shape (batch, time, 2 * hidden): both directions' states "
            "side by side at every position."
        )
    return None


q4 = Exercise(
    name="nb02.q4",
    kind="function",
    points=2,
    question=(
        "Write bidirectional(forward_layer, backward_layer, inputs) that computes what one "
        "bidirectional recurrent layer computes, from two one-way layers: forward_layer and "
        "backward_layer are one-layer torch.nn.RNN, GRU or LSTM modules (batch_first=True) and "
        "inputs is (batch, time, input_size). Return a (batch, time, 2 * hidden_size) tensor "
        "whose position t holds the forward layer's state after reading x_1 ... x_t, then the "
        "backward layer's state after reading x_T ... x_t. The check compares it with "
        "torch.nn.RNN/GRU/LSTM(..., bidirectional=True) holding the same weights. Pass the "
        "function itself."
    ),
    hints=(
        "The forward half is just forward_layer(inputs)[0]. For the backward half, the layer "
        "must read the sequence from its last position to its first: what do you feed it, and "
        "in which order do its outputs come out?",
        "Reverse the time axis (dim 1) of the inputs, run backward_layer, and its output at "
        "position 0 belongs to position T. Put the outputs back in the original time order "
        "before you concatenate the two halves along the last axis, forward half first.",
    ),
    starter=(
        "def bidirectional(\n"
        "    forward_layer: nn.Module, backward_layer: nn.Module, inputs: torch.Tensor\n"
        ") -> torch.Tensor:\n"
        "    return None  # your code here: (batch, time, 2 * hidden_size)\n\n\n"
        "nb02.q4.check(bidirectional)"
    ),
    diagnose=_bidirectional_form,
)

# --- q5: how far the gradient reaches, measured ------------------------------------------

_TARGET_SHRINK = 1_000
_FIT_RANGE = (5, 50)  # steps back fitted, as section 5's FIT_RANGE


def _diagnose_reach(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number of steps."
    if value < 0:
        return (
            "a negative number of steps: your rate is above 1, the inverted ratio (the norm "
            "read forwards in time, or a slope fitted against t instead of the steps back T - t), "
            "or the 1,000 is upside down. Going back in time the default LSTM's norm shrinks, "
            "so r < 1 and r ** n = 1/1,000 has a positive n."
        )
    if 0 < value < 1:
        return "give a number of steps; a factor between 0 and 1 is only the first half."
    return None


q5 = Exercise(
    name="nb02.q5",
    question=(
        "Measure it. Section 5 fitted a per-step rate r to each layer's gradient norms. For the "
        "LSTM with PyTorch's default initialisation, gradient_norms['LSTM, default init'], fit "
        "r the same way: the least-squares slope of log |dL/dh_t| against the steps back "
        f"T - t, over steps {_FIT_RANGE[0]} to {_FIT_RANGE[1]} back (both included), and "
        "r = exp(slope). At that rate, after how many steps has the gradient norm fallen "
        f"{_TARGET_SHRINK:,}-fold?"
    ),
    hints=(
        "Two steps: the per-step rate r of the default LSTM, fitted over steps "
        f"{_FIT_RANGE[0]} to {_FIT_RANGE[1]} back as section 5 fits it (not from the two end "
        f"points), then the number of steps n at which r ** n = 1/{_TARGET_SHRINK:,}.",
        "r is below 1, since the norm shrinks going back, so r ** n falls as n grows. Take the "
        f"logarithm of both sides of r ** n = 1/{_TARGET_SHRINK:,} and solve for n; a right "
        "answer is positive.",
    ),
    starter=(
        'norms = gradient_norms["LSTM, default init"]  # first step first, as section 5 has them\n'
        "answer = None  # your code here: a number of steps\n"
        "nb02.q5.check(answer)"
    ),
    diagnose=_diagnose_reach,
    needs_earlier_results=True,  # gradient_norms depends on set_seed(SEED) earlier in its cell
)
