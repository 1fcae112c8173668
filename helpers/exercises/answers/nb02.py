"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 02's exercises."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from functools import cache
from typing import Any

import torch
from torch import nn

from helpers import recurrent
from helpers.exercises import Case, Credit, Key, as_float, is_close
from helpers.exercises.nb02 import (
    _FIT_RANGE,
    _FORGET_BIAS,
    _FORGET_STEPS,
    _LSTM_HIDDEN_SIZE,
    _LSTM_INPUT_SIZE,
    _TARGET_SHRINK,
    _gru_example,
)

# --- q1: parameters of an LSTM layer ----------------------------------------------------


def _lstm_parameter_count(input_size: int, hidden_size: int) -> int:
    """Return the parameters of one torch.nn.LSTM layer: 4 gates of W_ih, W_hh, b_ih, b_hh."""
    return 4 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)


def _diagnose_lstm_parameters(answer: Any) -> str | Credit | None:
    value = as_float(answer)
    if value is None:
        return "Give a whole number."
    one_gate = _lstm_parameter_count(_LSTM_INPUT_SIZE, _LSTM_HIDDEN_SIZE) // 4
    if value == one_gate:
        return "That is one gate, or a plain RNN. An LSTM has four gates: i, f, g and o."
    if value == 4 * (one_gate - _LSTM_HIDDEN_SIZE):
        return Credit("Close: PyTorch keeps two bias vectors per gate (b_ih and b_hh).", 0.5)
    if value == 4 * (one_gate - 2 * _LSTM_HIDDEN_SIZE):
        return "Close: you left out the biases (PyTorch has b_ih and b_hh, 4 * hidden each)."
    return None


q1 = Key(
    is_correct=is_close(_lstm_parameter_count(_LSTM_INPUT_SIZE, _LSTM_HIDDEN_SIZE), 1e-9),
    diagnose=_diagnose_lstm_parameters,
    solution_text=(
        "answer = 4 * (64 * 32 + 64 * 64 + 2 * 64)  # = 25,088\n"
        "weight_ih_l0 is (4*64, 32), weight_hh_l0 is (4*64, 64), and bias_ih_l0 and "
        "bias_hh_l0 are (4*64,) each."
    ),
    solution_cell=(
        "answer = sum(p.numel() for p in torch.nn.LSTM(32, 64).parameters())\nnb02.q1.check(answer)"
    ),
)

# --- q2: a GRU cell, from its equations -------------------------------------------------


def _gru_reference(*arguments: torch.Tensor) -> torch.Tensor:
    """Return torch.nn.GRUCell's step for (inputs, hidden, W_ih, W_hh, b_ih, b_hh)."""
    inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden = arguments
    cell = nn.GRUCell(inputs.shape[1], hidden.shape[1])
    with torch.no_grad():
        cell.weight_ih.copy_(weight_input)
        cell.weight_hh.copy_(weight_hidden)
        cell.bias_ih.copy_(bias_input)
        cell.bias_hh.copy_(bias_hidden)
        return cell(inputs, hidden)  # (batch, hidden)


def _gru_arguments(
    batch: int, input_size: int, hidden_size: int, seed: int, scale: float = 1.0
) -> tuple[torch.Tensor, ...]:
    """Return random (inputs, hidden, W_ih, W_hh, b_ih, b_hh) of the given sizes."""
    generator = torch.Generator().manual_seed(seed)

    def draw(*shape: int) -> torch.Tensor:
        return scale * torch.randn(*shape, generator=generator)

    rows = 3 * hidden_size
    return (
        draw(batch, input_size),
        draw(batch, hidden_size),
        draw(rows, input_size),
        draw(rows, hidden_size),
        draw(rows),
        draw(rows),
    )


def _gru_case(name: str, arguments: tuple[torch.Tensor, ...]) -> Case:
    return Case(name, arguments, _gru_reference(*arguments))


def _with_zero_hidden(arguments: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    inputs, hidden, *weights = arguments
    return (inputs, torch.zeros_like(hidden), *weights)


def _states_close(result: Any, expected: torch.Tensor) -> bool:
    return (
        isinstance(result, torch.Tensor)
        and result.shape == expected.shape
        and torch.allclose(result.detach().to(expected.dtype), expected, atol=1e-5)
    )


_GRU_CASES = (
    _gru_case("the example", _gru_example()),
    _gru_case("batch 4, input 3, hidden 5", _gru_arguments(4, 3, 5, seed=1)),
    _gru_case("a batch of one", _gru_arguments(1, 6, 3, seed=2)),
    _gru_case("hidden size 1", _gru_arguments(3, 2, 1, seed=3)),
    _gru_case("a zero state", _with_zero_hidden(_gru_arguments(2, 4, 4, seed=4))),
    _gru_case("large weights (saturated gates)", _gru_arguments(2, 3, 3, seed=5, scale=4.0)),
)


def _gru_variant(arguments: tuple[torch.Tensor, ...], mistake: str) -> torch.Tensor:
    """Return the GRU step computed with one known mistake."""
    inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden = arguments
    from_input = (inputs @ weight_input.T + bias_input).chunk(3, dim=1)
    from_hidden = (hidden @ weight_hidden.T + bias_hidden).chunk(3, dim=1)
    first, second = (1, 0) if mistake == "order" else (0, 1)
    reset = torch.sigmoid(from_input[first] + from_hidden[first])
    update = torch.sigmoid(from_input[second] + from_hidden[second])
    hidden_rows = weight_hidden.chunk(3, dim=0)[2]  # (hidden, hidden): W_hn
    if mistake == "reset before product":
        hidden_part = (reset * hidden) @ hidden_rows.T + bias_hidden.chunk(3)[2]
    elif mistake == "bias outside reset":
        hidden_part = reset * (hidden @ hidden_rows.T) + bias_hidden.chunk(3)[2]
    else:
        hidden_part = reset * from_hidden[2]
    candidate = torch.tanh(from_input[2] + hidden_part)
    if mistake == "swapped update":
        return update * candidate + (1 - update) * hidden
    return (1 - update) * candidate + update * hidden


_PARTIAL_GRU_MISTAKES = ("reset before product", "bias outside reset")


def _lost_batch_axis(answer: Callable[..., Any]) -> bool:
    """Return True when the cell is right but drops the batch axis of a batch of one."""
    arguments = _gru_arguments(1, 6, 3, seed=2)
    result = answer(*[argument.clone() for argument in arguments])
    expected = _gru_reference(*arguments)  # (1, hidden)
    return _states_close(result, expected[0])


def _diagnose_gru(answer: Callable[..., Any]) -> str | Credit | None:
    arguments = _gru_arguments(3, 4, 5, seed=9)
    result = answer(*[argument.clone() for argument in arguments])
    if not isinstance(result, torch.Tensor) or result.shape != (3, 5):
        return None  # the public form check says it
    hints = {
        "reset before product": (
            "close: you applied the reset gate to h before the product (Cho et al.'s original "
            "form). PyTorch applies it after: r * (W_hn h + b_hn)."
        ),
        "bias outside reset": (
            "close: b_hn belongs inside the reset gate. PyTorch computes r * (W_hn h + b_hn), "
            "not r * (W_hn h) + b_hn: keep the hidden block's bias in the product you gate."
        ),
        "swapped update": (
            "the roles of z are swapped: in PyTorch z keeps the old state, "
            "h' = (1 - z) * n + z * h."
        ),
        "order": "PyTorch stacks the blocks r, z, n: the first block is the reset gate.",
    }
    for mistake, hint in hints.items():
        if _states_close(result, _gru_variant(arguments, mistake)):
            return Credit(hint, 0.5) if mistake in _PARTIAL_GRU_MISTAKES else hint
    if _lost_batch_axis(answer):
        return (
            "your cell is right but loses the batch axis when the batch has one row: .squeeze() "
            "drops every axis of size 1. Return a (batch, hidden_size) tensor in every case."
        )
    return None


q2 = Key(
    cases=_GRU_CASES,
    compare=_states_close,
    diagnose=_diagnose_gru,
    solution_text=(
        "def gru_cell(inputs, hidden, weight_input, weight_hidden, bias_input, bias_hidden):\n"
        "    from_input = inputs @ weight_input.T + bias_input  # (batch, 3 * hidden)\n"
        "    from_hidden = hidden @ weight_hidden.T + bias_hidden  # (batch, 3 * hidden)\n"
        "    input_r, input_z, input_n = from_input.chunk(3, dim=1)\n"
        "    hidden_r, hidden_z, hidden_n = from_hidden.chunk(3, dim=1)\n"
        "    reset = torch.sigmoid(input_r + hidden_r)\n"
        "    update = torch.sigmoid(input_z + hidden_z)\n"
        "    candidate = torch.tanh(input_n + reset * hidden_n)\n"
        "    return (1 - update) * candidate + update * hidden\n\n"
        "The two products stay apart because the reset gate multiplies only the hidden part "
        "of the candidate, bias b_hn included. With z near 1 the state is copied forward, as "
        "an LSTM's cell is with f near 1 and i near 0."
    ),
    solution_cell=(
        "def gru_cell(\n"
        "    inputs: torch.Tensor,\n"
        "    hidden: torch.Tensor,\n"
        "    weight_input: torch.Tensor,\n"
        "    weight_hidden: torch.Tensor,\n"
        "    bias_input: torch.Tensor,\n"
        "    bias_hidden: torch.Tensor,\n"
        ") -> torch.Tensor:\n"
        "    input_r, input_z, input_n = (inputs @ weight_input.T + bias_input).chunk(3, dim=1)\n"
        "    hidden_r, hidden_z, hidden_n = (hidden @ weight_hidden.T + bias_hidden).chunk(3, dim=1)\n"
        "    reset = torch.sigmoid(input_r + hidden_r)\n"
        "    update = torch.sigmoid(input_z + hidden_z)\n"
        "    candidate = torch.tanh(input_n + reset * hidden_n)\n"
        "    return (1 - update) * candidate + update * hidden\n\n\n"
        "nb02.q2.check(gru_cell)"
    ),
)

# --- q3: how long a forget gate remembers -----------------------------------------------

_FORGET_GATE = 1 / (1 + math.exp(-_FORGET_BIAS))
_SURVIVING_FRACTION = _FORGET_GATE**_FORGET_STEPS


def _diagnose_one_step(answer: Any) -> str | None:
    value = as_float(answer)
    if value is not None and math.isclose(value, _FORGET_GATE, rel_tol=1e-3):
        return (
            f"That is one step. The cell is multiplied by f at each of the {_FORGET_STEPS} steps."
        )
    return None


q3 = Key(
    is_correct=is_close(_SURVIVING_FRACTION, 1e-3),
    diagnose=_diagnose_one_step,
    solution_text=(
        "answer = (1 / (1 + math.exp(-3))) ** 50  # = 0.0881\n"
        "f is about 0.953, and 0.953**50 is about 9%: the content shrinks about 11-fold, "
        "with a half-life of about 14 steps. With f = sigmoid(0) = 0.5 only 0.5**50 (about "
        "1e-15) would survive: the forget gate sets how far the memory reaches, but any f "
        "below 1 still shrinks it geometrically."
    ),
    solution_cell="answer = torch.sigmoid(torch.tensor(3.0)).item() ** 50\nnb02.q3.check(answer)",
)

# --- q4: a bidirectional layer from two one-way layers ----------------------------------

_LAYER_TYPES = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}


def _one_way_pair(
    kind: str, input_size: int, hidden_size: int, seed: int
) -> tuple[nn.Module, nn.Module, nn.Module]:
    """Return (bidirectional layer, forward layer, backward layer) sharing the same weights."""
    layer_type = _LAYER_TYPES[kind]
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        both = layer_type(input_size, hidden_size, batch_first=True, bidirectional=True)
        forward_layer = layer_type(input_size, hidden_size, batch_first=True)
        backward_layer = layer_type(input_size, hidden_size, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(forward_layer, name).copy_(getattr(both, name))
            getattr(backward_layer, name).copy_(getattr(both, f"{name}_reverse"))
    return both, forward_layer, backward_layer


def _bidirectional_case(
    name: str, kind: str, batch: int, time: int, input_size: int, hidden_size: int, seed: int
) -> Case:
    both, forward_layer, backward_layer = _one_way_pair(kind, input_size, hidden_size, seed)
    inputs = torch.randn(batch, time, input_size, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        expected, _ = both(inputs)  # (batch, time, 2 * hidden)
    return Case(name, (forward_layer, backward_layer, inputs), expected)


_BIDIRECTIONAL_CASES = (
    _bidirectional_case("an RNN, 5 steps", "RNN", 2, 5, 3, 4, seed=1),
    _bidirectional_case("a GRU, 7 steps", "GRU", 3, 7, 2, 3, seed=2),
    _bidirectional_case("an LSTM, 6 steps", "LSTM", 2, 6, 4, 5, seed=3),
    _bidirectional_case("a single step", "RNN", 2, 1, 3, 2, seed=4),
    _bidirectional_case("a batch of one", "LSTM", 1, 4, 2, 2, seed=5),
    _bidirectional_case("hidden size 1", "GRU", 2, 5, 3, 1, seed=6),
)


def _bidirectional_variant(
    forward_layer: nn.Module, backward_layer: nn.Module, inputs: torch.Tensor, mistake: str
) -> torch.Tensor:
    """Return the bidirectional outputs computed with one known mistake."""
    forward_half, _ = forward_layer(inputs)  # (batch, time, hidden)
    if mistake == "no reversal":
        backward_half, _ = backward_layer(inputs)
    else:
        backward_half, _ = backward_layer(inputs.flip(1))
        if mistake != "outputs not flipped back":
            backward_half = backward_half.flip(1)
    if mistake == "backward first":
        return torch.cat([backward_half, forward_half], dim=-1)
    return torch.cat([forward_half, backward_half], dim=-1)


def _diagnose_bidirectional(answer: Callable[..., Any]) -> str | None:
    case = _BIDIRECTIONAL_CASES[0]
    result = answer(*copy.deepcopy(case.args))
    if not isinstance(result, torch.Tensor) or result.shape != case.expected.shape:
        return None  # the public form check says it
    hints = {
        "outputs not flipped back": (
            "the backward layer's outputs come out in reversed order: its first output belongs "
            "to the last position. Put them back in time order before concatenating."
        ),
        "no reversal": (
            "your backward layer reads the sequence forwards: feed it the inputs reversed in "
            "time, so that it starts from the last position."
        ),
        "backward first": "the forward half comes first in the last axis, then the backward half.",
    }
    with torch.no_grad():
        for mistake, hint in hints.items():
            if _states_close(result, _bidirectional_variant(*case.args, mistake)):
                return hint
    return None


q4 = Key(
    cases=_BIDIRECTIONAL_CASES,
    compare=_states_close,
    diagnose=_diagnose_bidirectional,
    solution_text=(
        "def bidirectional(forward_layer, backward_layer, inputs):\n"
        "    forward_half, _ = forward_layer(inputs)  # (batch, time, hidden)\n"
        "    backward_half, _ = backward_layer(inputs.flip(1))  # reads x_T first\n"
        "    backward_half = backward_half.flip(1)  # back to time order\n"
        "    return torch.cat([forward_half, backward_half], dim=-1)  # (batch, time, 2 * hidden)\n\n"
        "The two directions never meet inside the layer: each half of a position's vector sees "
        "one side of the sentence only. ELMo works this way; BERT's layers see both sides at "
        "once."
    ),
    solution_cell=(
        "def bidirectional(\n"
        "    forward_layer: nn.Module, backward_layer: nn.Module, inputs: torch.Tensor\n"
        ") -> torch.Tensor:\n"
        "    forward_half, _ = forward_layer(inputs)  # (batch, time, hidden)\n"
        "    backward_half, _ = backward_layer(inputs.flip(1))  # reads the last step first\n"
        "    return torch.cat([forward_half, backward_half.flip(1)], dim=-1)\n\n\n"
        "nb02.q4.check(bidirectional)"
    ),
)

# --- q5: how far the gradient reaches, measured ------------------------------------------

_GRADIENT_LENGTH = 60  # as section 5 of the notebook: GRADIENT_LENGTH, SEED = 0


@cache
def _measured_norms() -> tuple[tuple[float, ...], ...]:
    """Return section 5's gradient norms (forget bias 3, plain RNN, default LSTM), rebuilt."""
    with torch.random.fork_rng():
        torch.manual_seed(0)  # the notebook's set_seed(SEED), SEED = 0
        inputs = torch.randn(16, _GRADIENT_LENGTH, 32)  # (batch, time, input)
        remembering_lstm = recurrent.LSTMFromScratch(input_size=32, hidden_size=64)
        recurrent.set_forget_bias(remembering_lstm, 3.0)
        layers = [
            remembering_lstm,
            recurrent.RNNFromScratch(input_size=32, hidden_size=64),
            recurrent.LSTMFromScratch(input_size=32, hidden_size=64),
        ]
        return tuple(
            tuple(recurrent.gradient_norms_through_time(layer, inputs)) for layer in layers
        )


def _fitted_rate(norms: tuple[float, ...], first: int, last: int) -> float:
    """Return exp(slope) of the least-squares line of log norm against steps back."""
    by_distance = torch.tensor(norms[::-1], dtype=torch.float64)  # index = steps back
    steps_back = torch.arange(first, last + 1, dtype=torch.float64)  # (last - first + 1,)
    log_norms = by_distance[first : last + 1].log()
    centred = steps_back - steps_back.mean()
    slope = (centred * (log_norms - log_norms.mean())).sum() / (centred**2).sum()
    return slope.exp().item()


def _end_point_rate(norms: tuple[float, ...]) -> float:
    """Return (first / last) ** (1 / (T - 1)): step 0, the all-ones start, included."""
    return (norms[0] / norms[-1]) ** (1 / (len(norms) - 1))


def _steps_to_shrink(rate: float) -> float:
    return math.log(1 / _TARGET_SHRINK) / math.log(rate)


def _expected_reach() -> float:
    return _steps_to_shrink(_fitted_rate(_measured_norms()[2], *_FIT_RANGE))


def _is_reach(answer: Any) -> bool:
    return abs(float(answer) - _expected_reach()) <= 0.02 * _expected_reach()


def _diagnose_reach_with_key(answer: Any) -> str | None:
    value = float(answer)
    remembering, plain, default = _measured_norms()
    if math.isclose(value, _steps_to_shrink(_end_point_rate(default)), rel_tol=1e-2):
        return (
            "that rate comes from the two end points, step 0 included. Step 0 is the loss's own "
            "all-ones gradient (norm 32 by construction) and the first steps back fall steeply, "
            f"so the end points overstate the decay: fit the slope over steps {_FIT_RANGE[0]} "
            f"to {_FIT_RANGE[1]} back instead."
        )
    if math.isclose(value, _steps_to_shrink(0.5), rel_tol=5e-3):
        return (
            "that uses sigmoid(0) = 0.5, the forget gate alone. Fit r to the measured norms: the "
            "whole LSTM's gradient does not shrink at exactly that rate."
        )
    if math.isclose(value, _steps_to_shrink(_fitted_rate(plain, *_FIT_RANGE)), rel_tol=5e-3):
        return "that is the plain RNN's rate: use gradient_norms['LSTM, default init']."
    remembering_answers = (
        _steps_to_shrink(_fitted_rate(remembering, *_FIT_RANGE)),
        _steps_to_shrink(_end_point_rate(remembering)),
    )
    if any(math.isclose(value, other, rel_tol=2e-2) for other in remembering_answers):
        return (
            "that is the LSTM with forget bias 3, whose norm barely decays over these steps: "
            "use gradient_norms['LSTM, default init']."
        )
    return None


q5 = Key(
    is_correct=_is_reach,
    diagnose=_diagnose_reach_with_key,
    solution_text=(
        "rate = per_step_rate(norms, 5, 50)  # section 5's least-squares fit: about 0.63\n"
        "answer = math.log(1 / 1000) / math.log(rate)  # about 15 steps\n"
        "The fit skips step 0 (the all-ones start) and the steep first steps back, which the "
        "end-point ratio would count. At about 0.63 per step the default LSTM loses a factor "
        "of 1,000 in about 15 steps, a little slower than sigmoid(0) = 0.5 alone would "
        "predict (10 steps) and than the plain RNN (about 0.49 per step, 10 steps). With a "
        "forget bias of 3 the same measurement barely decays over 60 steps: the bias buys "
        "distance. Attention's path is one step at any distance."
    ),
    solution_cell=(
        'norms = gradient_norms["LSTM, default init"]  # first step first, as section 5 has them\n'
        "rate = per_step_rate(norms, 5, 50)\n"
        "answer = math.log(1 / 1000) / math.log(rate)\n"
        "nb02.q5.check(answer)"
    ),
)
