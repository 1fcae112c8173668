"""INSTRUCTOR ONLY in an assessed release: the keys of notebook 04's exercises."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import torch
from transformers import PreTrainedTokenizerBase

from helpers.exercises import Case, Credit, Key
from helpers.exercises.nb04 import (
    MASK_TOKEN_ID,
    Q1_SENTENCE,
    Q2_TOKENS,
    _as_int_list,
    _changed_argument,
    _sample_masking_inputs,
)
from helpers.modeling import load_tokenizer
from helpers.pretraining import corrupt


@cache
def _tokenizer() -> PreTrainedTokenizerBase:
    """Return the course's tokenizer (BERT's uncased WordPiece vocabulary, no download)."""
    return load_tokenizer()


# --- q1: count the tokens of a sentence -------------------------------------------------


def _token_count() -> int:
    return len(_tokenizer()(Q1_SENTENCE)["input_ids"])  # 16 with BERT's uncased vocabulary


def _is_token_count(answer: Any) -> bool:
    return int(answer) == _token_count()


def _diagnose_token_count(answer: Any) -> str | None:
    if int(answer) == _token_count() - 2:
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


def _token_type_ids() -> list[int]:
    return _tokenizer()("Where is it?", "Under the bed.")["token_type_ids"]


def _is_token_type_ids(answer: Any) -> bool:
    return _as_int_list(answer) == _token_type_ids()


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

# --- q3: WordPiece, written by hand -----------------------------------------------------


def _wordpiece(word: str, vocabulary: set[str]) -> list[str]:
    """Cut `word` into the longest pieces of `vocabulary`, greedily; ['[UNK]'] if stuck."""
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):  # the longest candidate first
            candidate = word[start:end] if start == 0 else "##" + word[start:end]
            if candidate in vocabulary:
                pieces.append(candidate)
                start = end
                break
        else:  # not even one letter matched
            return ["[UNK]"]
    return pieces


_TOY_VOCABULARY = {"play", "playing", "##ing", "##s", "##er", "un", "##aff", "##a", "##able"}
_TOY_VOCABULARY |= {"a", "ab", "##bc", "x", "##y", "##z"}


def _wordpiece_case(name: str, word: str, vocabulary: set[str]) -> Case:
    return Case(name, (word, vocabulary), _wordpiece(word, vocabulary))


@cache
def _wordpiece_cases() -> tuple[Case, ...]:
    real = set(_tokenizer().vocab)  # BERT's 30,522 pieces
    return (
        _wordpiece_case("a word that is in the vocabulary", "playing", _TOY_VOCABULARY),
        _wordpiece_case("a word and a suffix", "plays", _TOY_VOCABULARY),
        _wordpiece_case("three pieces, longest first", "unaffable", _TOY_VOCABULARY),
        _wordpiece_case("one letter", "x", _TOY_VOCABULARY),
        _wordpiece_case("letters one by one", "xyz", _TOY_VOCABULARY),
        _wordpiece_case("a letter missing at the end", "playq", _TOY_VOCABULARY),
        _wordpiece_case("no start matches", "qplay", _TOY_VOCABULARY),
        _wordpiece_case("greedy gets stuck", "abc", _TOY_VOCABULARY),
        _wordpiece_case("BERT's vocabulary: tokenizers", "tokenizers", real),
        _wordpiece_case("BERT's vocabulary: unbelievably", "unbelievably", real),
        _wordpiece_case("BERT's vocabulary: a snowman", "\u2603", real),
    )


def _diagnose_wordpiece(answer: Callable[[str, set[str]], list[str]]) -> str | None:
    if answer("plays", {"play", "s"}) == ["play", "s"]:
        return "every piece but the first is looked up with its '##' prefix ('##s', not 's')."
    if answer("playing", _TOY_VOCABULARY) == ["play", "##ing"]:
        return "take the longest piece that matches first: 'playing' is in the vocabulary."
    stuck = answer("playq", _TOY_VOCABULARY)
    if stuck != ["[UNK]"] and "[UNK]" in stuck:
        return "when a piece cannot be found, the whole word becomes ['[UNK]'], not just its end."
    return None


q3 = Key(
    cases=_wordpiece_cases(),
    diagnose=_diagnose_wordpiece,
    solution_text=(
        "def wordpiece(word, vocabulary):\n"
        "    pieces, start = [], 0\n"
        "    while start < len(word):\n"
        "        for end in range(len(word), start, -1):  # longest candidate first\n"
        "            candidate = word[start:end] if start == 0 else '##' + word[start:end]\n"
        "            if candidate in vocabulary:\n"
        "                pieces.append(candidate)\n"
        "                start = end\n"
        "                break\n"
        "        else:\n"
        "            return ['[UNK]']\n"
        "    return pieces\n"
        "Greedy longest-match is what BERT's tokenizer does inside each word; it can get stuck "
        "where another split exists ('abc' with 'ab', 'a' and '##bc' but no '##c')."
    ),
    solution_cell=(
        "def wordpiece(word: str, vocabulary: set[str]) -> list[str]:\n"
        "    pieces, start = [], 0\n"
        "    while start < len(word):\n"
        "        for end in range(len(word), start, -1):\n"
        '            candidate = word[start:end] if start == 0 else "##" + word[start:end]\n'
        "            if candidate in vocabulary:\n"
        "                pieces.append(candidate)\n"
        "                start = end\n"
        "                break\n"
        "        else:\n"
        '            return ["[UNK]"]\n'
        "    return pieces\n\n\n"
        "nb04.q3.check(wordpiece)"
    ),
)

# --- q4: the 80/10/10 masking rule ------------------------------------------------------


def _pair_equal(result: Any, expected: tuple[torch.Tensor, torch.Tensor]) -> bool:
    return len(result) == 2 and all(
        isinstance(part, torch.Tensor) and part.shape == want.shape and torch.equal(part, want)
        for part, want in zip(result, expected, strict=True)
    )


def _masking_case(name: str, *arguments: torch.Tensor) -> Case:
    return Case(name, (*arguments, MASK_TOKEN_ID), corrupt(*arguments, MASK_TOKEN_ID))


def _random_masking_inputs(shape: tuple[int, ...], seed: int) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(1000, 30_000, shape, generator=generator)
    chosen = torch.rand(shape, generator=generator) < 0.5
    fate = torch.rand(shape, generator=generator, dtype=torch.float64)
    return input_ids, chosen, fate, torch.randint(1000, 30_000, shape, generator=generator)


def _boundary_inputs() -> tuple[torch.Tensor, ...]:
    fate = torch.tensor([0.0, 0.7999, 0.8, 0.8999, 0.9, 0.9999], dtype=torch.float64)
    input_ids = torch.arange(2000, 2006)
    return input_ids, torch.ones(6, dtype=torch.bool), fate, torch.arange(50, 56)


_sample = _sample_masking_inputs()
_MASKING_CASES = (
    _masking_case("the example", *_sample),
    _masking_case("the thresholds 0.8 and 0.9 exactly", *_boundary_inputs()),
    _masking_case("no target", _sample[0], torch.zeros(8, dtype=torch.bool), *_sample[2:]),
    _masking_case(
        "every token a target", _sample[0], torch.ones(8, dtype=torch.bool), *_sample[2:]
    ),
    _masking_case("a batch of 3 x 12", *_random_masking_inputs((3, 12), 1)),
    _masking_case("one token", *_random_masking_inputs((1, 1), 2)),
)


def _diagnose_corrupt(answer: Callable[..., Any]) -> str | Credit | None:
    given = _sample_masking_inputs()  # fresh tensors: the answer may change them
    corrupted, labels = answer(*given, MASK_TOKEN_ID)
    input_ids, chosen, fate, random_ids = _sample_masking_inputs()
    right_corrupted, right_labels = corrupt(input_ids, chosen, fate, random_ids, MASK_TOKEN_ID)
    changed = _changed_argument(given)
    if changed and torch.equal(corrupted, right_corrupted) and torch.equal(labels, right_labels):
        return Credit(
            f"right result, but your function changed {changed} in place: the caller still "
            "needs its tensors as they were (the labels are made from input_ids). Work on a "
            "copy (.clone()).",
            0.5,
        )
    if torch.equal(corrupted, right_corrupted) and not torch.equal(labels, right_labels):
        if torch.equal(labels, torch.where(chosen, corrupted, -100)):
            return "labels hold the ORIGINAL id at each target (what the model must guess)."
        if torch.equal(labels, input_ids):
            return "labels are -100 wherever the token is not a target, so the loss skips it."
        return Credit("the corrupted ids are right; look at the labels again.", 0.5)
    if torch.equal(corrupted, right_corrupted) and torch.equal(labels, right_labels):
        return "right on one sentence: make it work on a batch too (tensors of any shape)."
    if torch.equal(labels, right_labels):
        return Credit(
            "the labels are right; look at which targets get [MASK], a random id or stay "
            "(below 0.8, from 0.8 to below 0.9, 0.9 and above).",
            0.5,
        )
    return None


q4 = Key(
    cases=_MASKING_CASES,
    compare=_pair_equal,
    keeps_arguments=True,
    diagnose=_diagnose_corrupt,
    solution_text=(
        "Two masks from chosen and fate, then a copy of the ids assigned through them:\n"
        "def corrupt(input_ids, chosen, fate, random_ids, mask_token_id):\n"
        "    to_mask = chosen & (fate < 0.8)\n"
        "    to_random = chosen & (fate >= 0.8) & (fate < 0.9)\n"
        "    corrupted = input_ids.clone()  # a copy: the input stays as it was\n"
        "    corrupted[to_mask] = mask_token_id\n"
        "    corrupted[to_random] = random_ids[to_random]\n"
        "    labels = torch.where(chosen, input_ids, -100)\n"
        "    return corrupted, labels\n"
        "helpers.pretraining.corrupt is this function; mask_tokens draws `chosen`, `fate` and "
        "`random_ids` at random (draw_targets) and then calls it."
    ),
    solution_cell=(
        "def corrupt(input_ids, chosen, fate, random_ids, mask_token_id):\n"
        "    to_mask = chosen & (fate < 0.8)\n"
        "    to_random = chosen & (fate >= 0.8) & (fate < 0.9)\n"
        "    corrupted = input_ids.clone()\n"
        "    corrupted[to_mask] = mask_token_id\n"
        "    corrupted[to_random] = random_ids[to_random]\n"
        "    return corrupted, torch.where(chosen, input_ids, -100)\n\n\n"
        "nb04.q4.check(corrupt)"
    ),
)

# --- q5: what the pretraining run learned (written) -------------------------------------

q5 = Key(
    rubric=(
        "Quotes their own numbers: the held-out loss before (close to ln V = 10.33) and after, "
        "and the frequency baseline.",
        "Attributes the drop from ln V to the baseline to learning which pieces are common, "
        "which needs no context.",
        "Sees that on held-out texts the model ends about level with the baseline (no context "
        "that carries over), while on texts it trained on it beats it (memorisation).",
        "Names what is missing: far more text (BERT read 3.3 billion words), and notes that "
        "more steps on the same text mostly memorise it (section 6: 3,000 steps lower the "
        "seen-text loss far more than the held-out one).",
    ),
    solution_text=(
        "One full-mode run offline (a 2-core AVX-512 CPU; yours may differ in the second "
        "decimal, and the ranks more) gave these numbers. The blanked held-out loss fell from 10.35, "
        "about ln V = 10.33, to 6.424, while the best frequency-only guess scores 6.435 on the "
        "same blanks. So practically all of the drop is what a model can learn without reading the "
        "sentence: which pieces are common. On new text the model is level with that guess, "
        "so it learned next to nothing about context that carries over. On texts it trained "
        "on it scores 6.131 against the baseline's 6.299: it has started to memorise them. "
        "The ranks fit: 'hours' rose to 27th, above its 92nd place by frequency alone, but "
        "'two hours' occurs 38 times in the pretraining texts, so the model may simply have "
        "seen that phrase (on an AVX2 CPU 'hours' ended 96th, just behind its 92nd place by frequency). To read context it needs far more text, "
        "not more steps on the same 49,000 tokens (those mostly memorise them): BERT read "
        "3.3 billion words."
    ),
    solution_cell=(
        "answer = (\n"
        '    "The drop from about ln V to the frequency baseline is learning which pieces are "\n'
        '    "common, which needs no context. On held-out texts the model ends level with the "\n'
        '    "baseline, so it learned almost no context that carries over, while on texts it "\n'
        '    "trained on it beats the baseline: it memorises. Reading context would need far "\n'
        '    "more text, not more steps on the same few tens of thousands of tokens."\n'
        ")\n"
        "nb04.q5.check(answer)"
    ),
)
