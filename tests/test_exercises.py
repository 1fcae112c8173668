"""The exercise checker, and one table of right and wrong answers for every course exercise."""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score, precision_score, recall_score
from transformers import BertConfig, PreTrainedTokenizerBase, get_linear_schedule_with_warmup

import helpers.exercises
from helpers.attention import CourseBertEncoder, EncoderConfig, MultiHeadAttention
from helpers.data import load_sample
from helpers.exercises import Exercise, Key, is_close, nb00, nb01, nb02, nb03, nb04, nb05, nb06
from helpers.modeling import load_tokenizer

# --- the checker itself, on a made-up exercise ---------------------------------------------

square = Exercise(
    name="demo.q1",
    question="What is 3 squared?",
    hints=("multiply the number by itself.", "3 * 3."),
    starter="answer = None  # your code here\ndemo.q1.check(answer)",
    key=Key(
        is_correct=is_close(9.0),
        solution_text="answer = 3 * 3",
        solution_cell="answer = 3 * 3\ndemo.q1.check(answer)",
        diagnose=lambda answer: "that is 3 doubled." if answer == 6 else None,
    ),
)


def test_right_and_wrong_answers():
    assert square.check(9) and "correct" in square.check(9).message
    wrong = square.check(10)
    assert not wrong and "multiply the number by itself" in wrong.message
    assert "solution()" in wrong.message


def test_a_targeted_hint_for_a_known_mistake():
    assert "3 doubled" in square.check(6).message


def test_the_placeholder_gets_a_friendly_message():
    result = square.check(None)
    assert not result and "placeholder None" in result.message and "Hint:" in result.message


def test_an_answer_that_crashes_the_check_is_wrong_not_an_error():
    result = square.check("nine")
    assert not result and "ValueError" in result.message


def test_hint_and_solution_on_request():
    assert "multiply" in repr(square.hint())
    assert "3 * 3." in repr(square.hint()) and "3 * 3." in repr(square.hint())  # the last stays
    assert "answer = 3 * 3" in repr(square.solution())


# --- answers worked out with the libraries, when a test runs -------------------------------


@dataclass(frozen=True)
class Computed:
    """An answer worked out when its test runs (with the data, a tokenizer, sklearn ...)."""

    compute: Callable[[], Any]


def unpack(answer: Any) -> Any:
    """Return the answer to give the exercise, working a `Computed` one out first."""
    return answer.compute() if isinstance(answer, Computed) else answer


@cache
def course_tokenizer() -> PreTrainedTokenizerBase:
    """Return the embedded model's tokenizer (BERT's uncased WordPiece vocabulary)."""
    return load_tokenizer()


def parameter_count(module: torch.nn.Module) -> int:
    """Return the number of parameters of `module`."""
    return sum(parameter.numel() for parameter in module.parameters())


def training_reviews() -> int:
    """Return the number of reviews in the course's training split."""
    return len(load_sample().train)


def hard_case_share() -> float:
    """Return the share of all the course's reviews with a hard-case tag."""
    splits = load_sample()
    tags = [
        tag
        for split in (splits.train, splits.validation, splits.test)
        for tag in split.extra["hard_case"]
    ]
    return sum(tag != "none" for tag in tags) / len(tags)


def lstm_parameters() -> int:
    """Return the parameter count of torch.nn.LSTM(32, 64)."""
    return parameter_count(torch.nn.LSTM(32, 64))


def transformer_layer_parameters() -> int:
    """Return the parameter count of torch.nn.TransformerEncoderLayer(64, 4, 256)."""
    return parameter_count(torch.nn.TransformerEncoderLayer(64, 4, 256))


def attention_parameters() -> int:
    """Return the parameter count of the course's MultiHeadAttention(768, 12)."""
    return parameter_count(MultiHeadAttention(768, 12))


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


def transformers_learning_rate() -> float:
    """Return transformers' linear-with-warmup rate at step 775 (peak 2e-5, 100 of 1000)."""
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=2e-5)
    scheduler = get_linear_schedule_with_warmup(optimizer, 100, 1000)
    for _ in range(775):
        optimizer.step()
        scheduler.step()
    return scheduler.get_last_lr()[0]


def labels_from_confusion(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (true, predicted) label arrays with the given confusion matrix."""
    true, predicted = [], []
    for row in range(2):
        for column in range(2):
            true += [row] * int(confusion[row, column])
            predicted += [column] * int(confusion[row, column])
    return np.array(true), np.array(predicted)


def sklearn_precision_recall() -> tuple[float, float]:
    """Return sklearn's (precision, recall) of the positive class of nb06.CONFUSION."""
    true, predicted = labels_from_confusion(nb06.CONFUSION)
    return precision_score(true, predicted), recall_score(true, predicted)


def sklearn_f1() -> float:
    """Return sklearn's F1 of the positive class of nb06.CONFUSION."""
    return f1_score(*labels_from_confusion(nb06.CONFUSION))


# --- answers that are functions (the exercises ask for one) ---------------------------------


def split_heads(hidden_states: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Cut each token's vector into heads: (batch, seq, hidden) -> (batch, heads, seq, dim)."""
    batch, seq, hidden = hidden_states.shape
    return hidden_states.view(batch, seq, num_heads, hidden // num_heads).transpose(1, 2)


def split_heads_by_one_view(hidden_states: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Reshape straight to (batch, heads, seq, dim): right shape, features of mixed tokens."""
    batch, seq, hidden = hidden_states.shape
    return hidden_states.view(batch, num_heads, seq, hidden // num_heads)


def unfinished(*arguments: Any) -> None:
    """A function whose body the learner has not written yet."""
    return None


def precision_for(capability: tuple[int, int]) -> str:
    """Return 'bf16' from compute capability 8.0 on, else 'fp16'."""
    major, _minor = capability
    return "bf16" if major >= 8 else "fp16"


def trusts_is_bf16_supported(capability: tuple[int, int]) -> str:
    """Answer 'bf16' everywhere, as torch.cuda.is_bf16_supported() suggests on a T4."""
    return "bf16"


# --- the table ------------------------------------------------------------------------------

CAUSAL_4 = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)  # True = may NOT attend
ALLOWED_5 = torch.tril(torch.ones(5, 5, dtype=torch.bool))  # True = may attend
SCORES = nb03.QUERY @ nb03.KEY.T / math.sqrt(2)
FORGET_GATE = 1 / (1 + math.exp(-3))

# One row per exercise: the exercise, answers it must accept, and wrong answers it must refuse,
# each with a fragment of the targeted hint it must get (None: the exercise's general hint).
EXERCISES = [
    (
        nb00.q1,
        [Computed(training_reviews), 1218],
        [(1700, "all the reviews"), (241, "validation or test split")],
    ),
    (
        nb00.q2,
        ["fp16", "float16"],
        [("bf16", "7.5"), ("fp32", "wastes the T4's tensor cores")],
    ),
    (
        nb00.q3,
        [Computed(hard_case_share), 601 / 1700],
        [(100 * 601 / 1700, "percentage"), (487 / 1218, "training split only")],
    ),
    (nb00.q4, ["validation", "Dev"], [("test", "once")]),
    (nb01.q1, [0.2 * 0.5 * 0.4], [(0.2 + 0.5 + 0.4, "multiplies")]),
    (nb01.q2, [30_522], [(math.log(30_522), "cross-entropy in nats")]),
    (nb01.q3, [[0.0, 0.0, 0.0, 1.0]], [([0.25] * 4, "infinity")]),
    (
        nb01.q4,
        [[9 / 14, 3 / 14, 1 / 14, 1 / 14]],
        [([0.8, 0.2, 0.0, 0.0], "unsmoothed"), ([9 / 10, 3 / 10, 1 / 10, 1 / 10], "sum to 1")],
    ),
    (
        nb02.q1,
        [Computed(lstm_parameters)],
        [
            (64 * (32 + 64) + 64, None),
            (64 * (32 + 64) + 2 * 64, "An LSTM has four gates"),
            (4 * (64 * (32 + 64) + 64), "two bias vectors per gate"),
        ],
    ),
    (
        nb02.q2,
        [CAUSAL_4, CAUSAL_4.int()],
        [(CAUSAL_4.T, "Transposed"), (torch.triu(torch.ones(4, 4), diagonal=0), "itself")],
    ),
    (
        nb02.q3,
        [FORGET_GATE**50],
        [(0.5**50, "sigmoid(3) is not 0.5"), (FORGET_GATE, "one step")],
    ),
    (
        nb02.q4,
        [Computed(transformer_layer_parameters)],
        [(4 * 49_984, "does not change the parameter count")],
    ),
    (
        nb03.q1,
        [ALLOWED_5, ALLOWED_5.int().tolist()],  # 0/1 lists work too
        [
            (torch.triu(torch.ones(5, 5, dtype=torch.bool)), "rows are queries"),
            (~ALLOWED_5, "MultiheadAttention's convention"),
        ],
    ),
    (
        nb03.q2,
        [torch.softmax(SCORES, dim=-1) @ nb03.VALUE],
        [
            (torch.softmax(nb03.QUERY @ nb03.KEY.T, dim=-1) @ nb03.VALUE, "sqrt(d_k)"),
            (torch.softmax(SCORES, dim=-1), "those are the attention weights"),
        ],
    ),
    (
        nb03.q3,
        [split_heads],
        [(unfinished, "returns None"), (split_heads_by_one_view, "shuffled")],
    ),
    (
        nb03.q4,
        [Computed(attention_parameters), 2_362_368],
        [(4 * 768 * 768, "also has a bias of 768")],
    ),
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
    (
        nb05.q1,
        [1 - sum(nb05.Q1_LENGTHS) / (len(nb05.Q1_LENGTHS) * max(nb05.Q1_LENGTHS)), 20 / 48],
        [(28 / 48, "share of real tokens"), (20, "number of padding tokens")],
    ),
    (
        nb05.q2,
        [math.ceil(67_349 / 32) * 3],  # 6315
        [((67_349 // 32) * 3, "round up"), (2105, "that is one epoch")],
    ),
    (
        nb05.q3,
        [precision_for],
        [(trusts_is_bf16_supported, "emulated"), (unfinished, "returns None")],
    ),
    (
        nb05.q4,
        [Computed(transformers_learning_rate), 5e-6],
        [(2e-5 * (1 - 775 / 1000), "starts after the warmup")],
    ),
    (
        nb06.q1,
        [Computed(sklearn_precision_recall), [45 / 55, 45 / 50]],
        [((45 / 50, 45 / 55), "swapped"), ((40 / 45, 40 / 50), "negative class")],
    ),
    (
        nb06.q2,
        [Computed(sklearn_f1)],
        [((45 / 55 + 45 / 50) / 2, "arithmetic mean"), (0.85, "that is the accuracy")],
    ),
    (
        nb06.q3,
        [4 / 6 * 0.125 + 2 / 6 * 0.425, 0.225],
        [((0.125 + 0.425) / 2, "share of the examples"), (abs(5 / 6 - 0.775), "one bin")],
    ),
    (nb06.q4, [120 / 241], [(0.5, None), (120, "241")]),
]

RIGHT_ANSWERS = [
    pytest.param(exercise, answer, id=f"{exercise.name}-{index}")
    for exercise, right, _wrong in EXERCISES
    for index, answer in enumerate(right)
]
WRONG_ANSWERS = [
    pytest.param(exercise, answer, hint, id=f"{exercise.name}-{index}")
    for exercise, _right, wrong in EXERCISES
    for index, (answer, hint) in enumerate(wrong)
]


@pytest.mark.parametrize(("exercise", "answer"), RIGHT_ANSWERS)
def test_a_right_answer_is_accepted(exercise: Exercise, answer: Any) -> None:
    result = exercise.check(unpack(answer))
    assert result, result.message
    assert result.message == f"✓ {exercise.name}: correct!"


@pytest.mark.parametrize(("exercise", "answer", "hint"), WRONG_ANSWERS)
def test_a_wrong_answer_is_refused_with_its_hint(
    exercise: Exercise, answer: Any, hint: str | None
) -> None:
    result = exercise.check(unpack(answer))
    assert not result, f"{exercise.name} accepted a wrong answer"
    if hint is None:
        assert f"Hint: {exercise.hints[0]}" in result.message
    else:
        assert hint not in exercise.hints[0], "the fragment must come from the targeted hint"
        assert hint in result.message


@pytest.mark.parametrize(("exercise", "answer"), RIGHT_ANSWERS)
def test_without_its_key_a_right_answer_passes_the_public_checks(
    exercise: Exercise, answer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In an assessed release (no keys installed) a right answer is recorded, never refused."""
    monkeypatch.setattr("helpers.exercises.capture.load_key", lambda name, hidden=None: None)
    result = exercise.check(unpack(answer))
    assert not result and result.status == "recorded", result.message
    assert "released" in repr(exercise.solution())


def test_the_sentence_pair_of_nb04_is_tokenised_as_shown() -> None:
    encoding = course_tokenizer()("Where is it?", "Under the bed.")
    assert course_tokenizer().convert_ids_to_tokens(encoding["input_ids"]) == nb04.Q2_TOKENS


# --- every course exercise, whether or not the table has it ---------------------------------


def course_exercises() -> list[tuple[str, Exercise]]:
    """Return (the notebook's spelling, like 'nb01.q1', exercise) for every course exercise."""
    found = []
    for module_info in pkgutil.iter_modules(helpers.exercises.__path__):
        module = importlib.import_module(f"helpers.exercises.{module_info.name}")
        for attribute, value in vars(module).items():
            if isinstance(value, Exercise):
                found.append((f"{module_info.name}.{attribute}", value))
    return found


COURSE_EXERCISES = [
    pytest.param(spelling, exercise, id=spelling) for spelling, exercise in course_exercises()
]


def test_every_course_exercise_has_a_row_in_the_table() -> None:
    in_the_table = [exercise.name for exercise, right, wrong in EXERCISES if right and wrong]
    assert sorted(in_the_table) == sorted(spelling for spelling, _ in course_exercises())


@pytest.mark.parametrize(("spelling", "exercise"), COURSE_EXERCISES)
def test_every_exercise_answers_the_placeholder_kindly(spelling: str, exercise: Exercise) -> None:
    result = exercise.check(None)
    assert not result and "placeholder" in result.message


@pytest.mark.parametrize(("spelling", "exercise"), COURSE_EXERCISES)
def test_every_exercise_is_named_as_the_notebook_calls_it(
    spelling: str, exercise: Exercise
) -> None:
    """Messages say `nb01.q1.solution()`, so the name must be the notebook's spelling."""
    assert exercise.name == spelling


@pytest.mark.parametrize(("spelling", "exercise"), COURSE_EXERCISES)
def test_every_exercise_has_a_real_hint_and_solution(spelling: str, exercise: Exercise) -> None:
    assert len(exercise.hints[0]) > 30 and len(exercise.answer_key().solution_text) > 10
    assert exercise.name in repr(exercise.hint()) and exercise.name in repr(exercise.solution())
