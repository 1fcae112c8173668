import csv
import re

import pytest
import torch

from helpers.assets import sample_data_dir
from helpers.data import (
    DatasetSplits,
    LengthGroupedBatches,
    SentimentDataset,
    TextSplit,
    dataset_order,
    load_corpus,
    load_dataset_splits,
    make_collate,
    make_loader,
    with_test_split,
)
from helpers.readers import DataError


def test_the_course_reviews_have_fixed_balanced_splits():
    splits = load_dataset_splits("sample")
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (1218, 241, 241)
    assert splits.label_names == ["negative", "positive"]
    for split in (splits.train, splits.validation, splits.test):
        assert abs(2 * sum(split.labels) - len(split)) <= 2  # balanced to within one review
    for split in (splits.validation, splits.test):  # the held-out splits keep their hard cases
        hard = [tag for tag in split.extra["hard_case"] if tag != "none"]
        assert len(hard) == 57
    hard = [tag for tag in splits.train.extra["hard_case"] if tag != "none"]
    assert len(hard) / len(splits.train) >= 0.2
    all_texts = splits.train.texts + splits.validation.texts + splits.test.texts
    assert len(set(all_texts)) == 1700  # no two alike, no leak between splits


def word_runs(text: str, length: int = 6) -> set[tuple[str, ...]]:
    """Return every run of `length` consecutive lower-cased words in `text`."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


def review_rows(name: str) -> list[dict[str, str]]:
    """Return the rows of one of the course's review files."""
    with (sample_data_dir() / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_later_training_batch_shares_no_phrase_with_held_out_reviews():
    """r1201-r1700 were written after the split: none may echo a validation or test review."""
    later = [row for row in review_rows("train.csv") if int(row["id"][1:]) > 1200]
    assert len(later) == 500
    held_out = set()
    for row in review_rows("validation.csv") + review_rows("test.csv"):
        held_out |= word_runs(row["text"])
    echoes = [row["id"] for row in later if word_runs(row["text"]) & held_out]
    assert echoes == []


def test_max_train_examples_keeps_a_fixed_random_sample():
    first = load_dataset_splits("sample", max_train_examples=50, seed=3)
    again = load_dataset_splits("sample", max_train_examples=50, seed=3)
    other = load_dataset_splits("sample", max_train_examples=50, seed=4)
    assert len(first.train) == 50 and first.train.texts == again.train.texts
    assert first.train.texts != other.train.texts
    with pytest.raises(DataError, match="at least 1"):
        load_dataset_splits("sample", max_train_examples=0)


def test_corpus_offline_is_the_course_reviews():
    sentences = load_corpus(max_sentences=100)
    assert len(sentences) == 100 and all(isinstance(s, str) and s for s in sentences)


def test_dataset_tokenises_once_without_padding(tokenizer):
    dataset = SentimentDataset(
        ["a fine film", "a much longer and duller film than expected"], [1, 0], tokenizer
    )
    assert dataset.lengths == [len(ids) for ids in dataset.input_ids]
    assert dataset.lengths[0] < dataset.lengths[1]
    item = dataset[0]
    assert item["labels"] == 1 and item["input_ids"][0] == tokenizer.cls_token_id
    assert len(item["attention_mask"]) == dataset.lengths[0]


def test_dataset_truncates_to_max_length(tokenizer):
    dataset = SentimentDataset(["word " * 500], [0], tokenizer, max_length=16)
    assert dataset.lengths == [16]


def test_empty_dataset_is_refused(tokenizer):
    with pytest.raises(DataError, match="zero examples"):
        SentimentDataset([], [], tokenizer)


def test_collate_pads_each_batch_to_its_own_longest(tokenizer):
    dataset = SentimentDataset(["short", "a somewhat longer review text"], [0, 1], tokenizer)
    batch = make_collate(tokenizer)([dataset[0], dataset[1]])
    assert batch["input_ids"].shape == (2, max(dataset.lengths))
    assert batch["attention_mask"].sum().item() == sum(dataset.lengths)
    assert batch["labels"].tolist() == [0, 1]


def test_batch_sampler_covers_every_example_once_per_epoch():
    lengths = [(i * 7) % 50 + 3 for i in range(1000)]
    sampler = LengthGroupedBatches(lengths, batch_size=32, seed=1)
    for epoch in range(2):
        sampler.start_epoch(epoch)
        seen = sorted(i for batch in sampler for i in batch)
        assert seen == list(range(1000))
    assert len(sampler) == 32


def test_batch_order_is_fixed_per_seed_and_epoch_and_changes_between_epochs():
    lengths = list(range(200))
    a, b = LengthGroupedBatches(lengths, 16, seed=5), LengthGroupedBatches(lengths, 16, seed=5)
    assert a.batches() == b.batches()
    a.start_epoch(1)
    assert a.batches() != b.batches()


def padding_share(lengths, batches):
    padded = sum(len(batch) * max(lengths[i] for i in batch) for batch in batches)
    return 1 - sum(lengths) / padded


def test_length_grouping_cuts_padding():
    generator = torch.Generator().manual_seed(0)
    lengths = torch.randint(5, 120, (2000,), generator=generator).tolist()
    grouped = LengthGroupedBatches(lengths, 32, group_by_length=True).batches()
    plain = LengthGroupedBatches(lengths, 32, group_by_length=False).batches()
    assert padding_share(lengths, grouped) < 0.1 < 0.3 < padding_share(lengths, plain)


def test_skipping_batches_resumes_the_same_order(tokenizer):
    """A resumed epoch skips the batches already done with accelerate, in the same order."""
    from accelerate import Accelerator

    texts = [" ".join(["word"] * (i % 13 + 1)) for i in range(100)]
    dataset = SentimentDataset(texts, [i % 2 for i in range(100)], tokenizer)
    loader = Accelerator(cpu=True).prepare(
        make_loader(dataset, tokenizer, 10, shuffle=True, seed=2)
    )
    loader.batch_sampler.start_epoch(3)
    full = [batch["input_ids"].tolist() for batch in loader]
    skipped = Accelerator(cpu=True).skip_first_batches(loader, 4)
    assert [batch["input_ids"].tolist() for batch in skipped] == full[4:] and len(skipped) == 6


def test_dataset_order_lists_the_indices_as_the_loader_yields_them(tokenizer):
    dataset = SentimentDataset(["a", "a b c", "a b", "a b c d"], [0, 1, 0, 1], tokenizer)
    loader = make_loader(dataset, tokenizer, batch_size=2)
    assert dataset_order(loader) == [3, 1, 2, 0]  # fixed order, longest first within a window


def test_unlabelled_dataset_gives_items_without_labels(tokenizer):
    item = SentimentDataset(["no label here"], None, tokenizer)[0]
    assert set(item) == {"input_ids", "attention_mask"}


def test_make_loader_yields_padded_tensors(tokenizer):
    dataset = SentimentDataset(["one", "two words", "three words here"], [0, 1, 0], tokenizer)
    batches = list(make_loader(dataset, tokenizer, batch_size=2))
    assert sum(len(batch["labels"]) for batch in batches) == 3
    assert all(batch["input_ids"].dtype == torch.long for batch in batches)


def test_without_a_test_split_validation_becomes_it_and_train_gives_a_new_validation():
    train = TextSplit([f"train {i}" for i in range(100)], [i % 2 for i in range(100)])
    validation = TextSplit([f"validation {i}" for i in range(10)], [i % 2 for i in range(10)])
    splits = with_test_split(DatasetSplits("sst2", train, validation, None, ["neg", "pos"]), 0)
    assert splits.test.texts == validation.texts  # the old validation chose nothing
    assert len(splits.validation) == 10 and len(splits.train) == 90
    assert not set(splits.validation.texts) & set(splits.train.texts)
    assert set(splits.validation.texts) | set(splits.train.texts) == set(train.texts)
    labelled = DatasetSplits("sample", train, validation, validation, ["neg", "pos"])
    assert with_test_split(labelled) is labelled  # a test split is kept as it is


def test_the_collate_exercise_of_notebook_05_pads_as_the_library_does(tokenizer):
    """nb05.q1 grades a hand-written pad_batch against the key's; both must match the library."""
    from helpers.exercises.answers.nb05 import _pad_batch

    texts = ["A fine film.", "Two hours I will never get back, sadly.", "Dull."]
    examples = [
        {"input_ids": tokenizer(text)["input_ids"], "labels": label}
        for text, label in zip(texts, [1, 0, 0], strict=True)
    ]
    ours = _pad_batch(examples, tokenizer.pad_token_id)
    library = make_collate(tokenizer)(examples)
    assert set(ours) == {"input_ids", "attention_mask", "labels"}
    for name, tensor in ours.items():
        assert torch.equal(tensor, library[name].long()), name
