"""Rows of the exercise table for notebook 04."""

import torch

from helpers.exercises import nb04

from .common import Computed, course_tokenizer, unfinished


def sentence_token_count() -> int:
    """Return how many tokens the tokenizer makes of nb04.Q1_SENTENCE."""
    return len(course_tokenizer()(nb04.Q1_SENTENCE)["input_ids"])


def pair_token_type_ids() -> list[int]:
    """Return the tokenizer's token_type_ids for the sentence pair of nb04.q2."""
    return course_tokenizer()("Where is it?", "Under the bed.")["token_type_ids"]


def wordpiece(word: str, vocabulary: set[str]) -> list[str]:
    """Greedy longest-match WordPiece, written as a learner would (a while loop on the end)."""
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start and (("##" if start else "") + word[start:end]) not in vocabulary:
            end -= 1
        if end == start:
            return ["[UNK]"]
        pieces.append(("##" if start else "") + word[start:end])
        start = end
    return pieces


def wordpiece_without_hashes(word: str, vocabulary: set[str]) -> list[str]:
    """Look continuation pieces up without their '##'."""
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start and word[start:end] not in vocabulary:
            end -= 1
        if end == start:
            return ["[UNK]"]
        pieces.append(word[start:end])
        start = end
    return pieces


def wordpiece_shortest_first(word: str, vocabulary: set[str]) -> list[str]:
    """Take the shortest matching piece first instead of the longest."""
    pieces, start = [], 0
    while start < len(word):
        end = start + 1
        while end <= len(word) and (("##" if start else "") + word[start:end]) not in vocabulary:
            end += 1
        if end > len(word):
            return ["[UNK]"]
        pieces.append(("##" if start else "") + word[start:end])
        start = end
    return pieces


def wordpiece_partial_unknown(word: str, vocabulary: set[str]) -> list[str]:
    """Put [UNK] only where a piece is missing, keeping the pieces found before it."""
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start and (("##" if start else "") + word[start:end]) not in vocabulary:
            end -= 1
        if end == start:
            return [*pieces, "[UNK]"]
        pieces.append(("##" if start else "") + word[start:end])
        start = end
    return pieces


def corrupt(input_ids, chosen, fate, random_ids, mask_token_id):
    """The 80/10/10 rule with torch.where throughout."""
    corrupted = torch.where(chosen & (fate < 0.8), mask_token_id, input_ids)
    corrupted = torch.where(chosen & (fate >= 0.8) & (fate < 0.9), random_ids, corrupted)
    return corrupted, torch.where(chosen, input_ids, torch.full_like(input_ids, -100))


def corrupt_labels_from_corrupted(input_ids, chosen, fate, random_ids, mask_token_id):
    """Right corruption, but the labels copy the corrupted ids."""
    corrupted, _ = corrupt(input_ids, chosen, fate, random_ids, mask_token_id)
    return corrupted, torch.where(chosen, corrupted, -100)


def corrupt_thresholds_swapped(input_ids, chosen, fate, random_ids, mask_token_id):
    """Random ids below 0.1 and [MASK] from 0.1 to 0.9: the right shares, the wrong rule."""
    corrupted = torch.where(chosen & (fate >= 0.1) & (fate < 0.9), mask_token_id, input_ids)
    corrupted = torch.where(chosen & (fate < 0.1), random_ids, corrupted)
    return corrupted, torch.where(chosen, input_ids, -100)


def corrupt_every_label(input_ids, chosen, fate, random_ids, mask_token_id):
    """Right corruption, but labels keep every original id."""
    corrupted, _ = corrupt(input_ids, chosen, fate, random_ids, mask_token_id)
    return corrupted, input_ids.clone()


def corrupt_in_place(input_ids, chosen, fate, random_ids, mask_token_id):
    """Right results, but input_ids itself is overwritten (no .clone())."""
    labels = torch.where(chosen, input_ids, -100)
    input_ids[chosen & (fate < 0.8)] = mask_token_id
    to_random = chosen & (fate >= 0.8) & (fate < 0.9)
    input_ids[to_random] = random_ids[to_random]
    return input_ids, labels


WRITTEN = (
    "The held-out loss fell from 10.35, near ln V, to 6.42, level with the best frequency-only "
    "guess at 6.44, so the model learned which pieces are common and no context that carries "
    "over; on its training texts it scores 6.13 against 6.30, so it memorises. It needs far "
    "more text to read context."
)

ROWS = [
    (
        nb04.q1,
        [Computed(sentence_token_count), 16],
        [(16 - 2, "[CLS]"), (7, "counts words")],
    ),
    (
        nb04.q2,
        [Computed(pair_token_type_ids), Computed(lambda: torch.tensor(pair_token_type_ids()))],
        [
            ([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], "closes sentence A"),
            ([0] * 11, "are segment 1"),
            ([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2], "every id is 0 or 1"),
        ],
    ),
    (
        nb04.q3,
        [wordpiece],
        [
            (unfinished, "returns None"),
            (wordpiece_without_hashes, "'##' prefix"),
            (wordpiece_shortest_first, "longest piece"),
            (wordpiece_partial_unknown, "whole word becomes"),
        ],
    ),
    (
        nb04.q4,
        [corrupt],
        [
            (unfinished, "returns None"),
            (corrupt_labels_from_corrupted, "ORIGINAL id"),
            (corrupt_thresholds_swapped, "the labels are right"),
            (corrupt_every_label, "loss skips it"),
            (corrupt_in_place, "changed input_ids in place"),
        ],
    ),
    (nb04.q5, [WRITTEN], [("Common pieces win.", "write at least"), (6.01, "between quotes")]),
]


def corrupt_with_python_floats(input_ids, chosen, fate, random_ids, mask_token_id):
    """A right answer written as a loop over Python numbers, for any shape."""
    corrupted, labels = input_ids.clone().flatten(), torch.full_like(input_ids, -100).flatten()
    for i, (is_target, f) in enumerate(
        zip(chosen.flatten().tolist(), fate.flatten().tolist(), strict=True)
    ):
        if is_target:
            labels[i] = input_ids.flatten()[i]
            if f < 0.8:
                corrupted[i] = mask_token_id
            elif f < 0.9:
                corrupted[i] = random_ids.flatten()[i]
    return corrupted.view(input_ids.shape), labels.view(input_ids.shape)


def corrupt_one_sentence_only(input_ids, chosen, fate, random_ids, mask_token_id):
    """Right for a 1-D sentence, wrong for a batch (looks at the first row only)."""
    if input_ids.dim() == 1:
        return corrupt(input_ids, chosen, fate, random_ids, mask_token_id)
    return corrupt(input_ids[0], chosen[0], fate[0], random_ids[0], mask_token_id)


ROWS[3][1].append(corrupt_with_python_floats)
ROWS[3][2].append((corrupt_one_sentence_only, "work on a batch"))


def corrupt_changing_fate(input_ids, chosen, fate, random_ids, mask_token_id):
    """Right results, but it overwrites `fate` where nothing is chosen."""
    result = corrupt(input_ids, chosen, fate, random_ids, mask_token_id)
    fate[~chosen] = 1.0
    return result


ROWS[3][2].append((corrupt_changing_fate, "changed fate in place"))
