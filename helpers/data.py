"""The course's datasets, one Dataset class for all notebooks, and batches with dynamic padding.

`TextSplit` is one split (texts and label ids); `DatasetSplits` the train, validation and
test splits of a run with their label names. Used by notebooks 00-02 and 04-06, the training
loop, `helpers.evaluation` and `python -m helpers.finetune`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset
from transformers import DataCollatorWithPadding, PreTrainedTokenizerBase

from helpers.assets import HUB_HOST, announce, hub_reachable, sample_data_dir
from helpers.readers import DataError, RawExamples, read_labelled_file

DATASETS = ("sample", "sst2", "imdb")
SENTIMENT_NAMES = ["negative", "positive"]


@dataclass
class TextSplit:
    """One split: its texts, their label ids, and any extra columns (such as hard_case)."""

    texts: list[str]
    labels: list[int]
    extra: dict[str, list[object]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Sequence[int]) -> TextSplit:
        """Return the examples at `indices`, in that order."""
        return TextSplit(
            [self.texts[i] for i in indices],
            [self.labels[i] for i in indices],
            {name: [values[i] for i in indices] for name, values in self.extra.items()},
        )


@dataclass
class DatasetSplits:
    """Train, validation and (optional) test splits with the names of their labels."""

    name: str
    train: TextSplit
    validation: TextSplit
    test: TextSplit | None
    label_names: list[str]

    def summary(self) -> str:
        """Return one line describing the splits."""
        sizes = f"train {len(self.train)}, validation {len(self.validation)}"
        if self.test is not None:
            sizes += f", test {len(self.test)}"
        return f"{self.name}: {sizes}; labels {self.label_names}"


def is_integer_label(label: object) -> bool:
    """Return True for an int or a string of digits (with an optional minus sign)."""
    if isinstance(label, bool):
        return False
    if isinstance(label, int):
        return True
    return isinstance(label, str) and label.lstrip("-").isdigit()


def label_names_from(train: RawExamples) -> list[str]:
    """Return the label names of a training file: '0', '1', ... or its sorted string labels."""
    if all(is_integer_label(label) for label in train.labels):
        values = sorted({int(label) for label in train.labels})
        for label, line in zip(train.labels, train.line_numbers, strict=True):
            if int(label) < 0:
                raise DataError(
                    f"{train.path}, line {line}, column '{train.label_column}': label {label} is "
                    "negative. Unlabelled rows (such as GLUE's test split, labelled -1) cannot "
                    "train a model: use a labelled split."
                )
        return [str(value) for value in range(values[-1] + 1)]
    return sorted({str(label) for label in train.labels})


def encode_labels(data: RawExamples, label_names: list[str], train_path: Path) -> list[int]:
    """Return label ids for `data`, refusing any label the training file never had."""
    ids = {name: index for index, name in enumerate(label_names)}
    encoded = []
    for label, line in zip(data.labels, data.line_numbers, strict=True):
        key = str(int(label)) if is_integer_label(label) else str(label)
        if key not in ids:
            raise DataError(
                f"{data.path}, line {line}, column '{data.label_column}': label '{label}' never "
                f"appears in the training file {train_path} (its labels: "
                f"{', '.join(label_names)}). Fix the label, or add training examples with it."
            )
        encoded.append(ids[key])
    return encoded


def split_from_file(data: RawExamples, label_names: list[str], train_path: Path) -> TextSplit:
    """Return a TextSplit from labelled texts read from a file."""
    return TextSplit(data.texts, encode_labels(data, label_names, train_path), data.extra)


def hold_out(split: TextSplit, fraction: float, seed: int) -> tuple[TextSplit, TextSplit]:
    """Return (rest, held_out): a fixed random `fraction` of `split` held out for validation."""
    order = list(range(len(split)))
    random.Random(seed).shuffle(order)
    cut = max(1, round(len(order) * fraction))
    return split.subset(sorted(order[cut:])), split.subset(sorted(order[:cut]))


def with_test_split(splits: DatasetSplits, seed: int = 0) -> DatasetSplits:
    """Return `splits` with a labelled test split that chooses nothing.

    Where there is none (SST-2: GLUE keeps its test labels private), the validation split
    becomes the test split, and a new validation split of the same size, which picks the
    best epoch, is held out of the training split.
    """
    if splits.test is not None:
        return splits
    train, validation = hold_out(splits.train, len(splits.validation) / len(splits.train), seed)
    return DatasetSplits(splits.name, train, validation, splits.validation, splits.label_names)


def load_files(
    train: str | Path,
    validation: str | Path | None = None,
    test: str | Path | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    name: str | None = None,
    seed: int = 0,
) -> DatasetSplits:
    """Load splits from local CSV/TSV/JSONL files; without a validation file, hold out 10%."""
    train_path = Path(train)
    train_data = read_labelled_file(train_path, text_column, label_column)
    label_names = label_names_from(train_data)
    train_split = split_from_file(train_data, label_names, train_path)

    def other(path: str | Path | None) -> TextSplit | None:
        if path is None:
            return None
        data = read_labelled_file(path, train_data.text_column, train_data.label_column)
        return split_from_file(data, label_names, train_path)

    validation_split = other(validation)
    if validation_split is None:
        train_split, validation_split = hold_out(train_split, 0.1, seed)
        print(f"No validation file: holding out {len(validation_split)} training examples.")
    return DatasetSplits(
        name or train_path.stem, train_split, validation_split, other(test), label_names
    )


def load_sample() -> DatasetSplits:
    """Load the course's own 1,700 reviews with their fixed train/validation/test splits."""
    folder = sample_data_dir()
    splits = load_files(
        folder / "train.csv", folder / "validation.csv", folder / "test.csv", name="sample"
    )
    assert splits.label_names == SENTIMENT_NAMES, splits.label_names
    return splits


def from_hub_split(rows: object, text_column: str) -> TextSplit:
    """Return a TextSplit from a `datasets` split with a 0/1 'label' column."""
    return TextSplit(list(rows[text_column]), [int(label) for label in rows["label"]])


def load_sst2_from_hub() -> DatasetSplits:
    """Load GLUE SST-2 train and validation from the Hub (its test split has no labels)."""
    import datasets

    glue = datasets.load_dataset("nyu-mll/glue", "sst2")
    train = from_hub_split(glue["train"], "sentence")
    validation = from_hub_split(glue["validation"], "sentence")
    return DatasetSplits("sst2", train, validation, None, SENTIMENT_NAMES)


def load_imdb_from_hub(seed: int = 0) -> DatasetSplits:
    """Load IMDB from the Hub: 10% of train held out for validation, its test split as test."""
    import datasets

    imdb = datasets.load_dataset("stanfordnlp/imdb")
    train, validation = hold_out(from_hub_split(imdb["train"], "text"), 0.1, seed)
    test = from_hub_split(imdb["test"], "text")
    return DatasetSplits("imdb", train, validation, test, SENTIMENT_NAMES)


def load_named(dataset: str, seed: int = 0) -> DatasetSplits:
    """Load 'sample', 'sst2' or 'imdb'; a Hub dataset falls back to the sample offline."""
    if dataset not in DATASETS:
        raise DataError(
            f"unknown dataset '{dataset}'. Use one of {', '.join(DATASETS)}, "
            "or give files with --train/--validation/--test."
        )
    if dataset == "sample":
        return load_sample()
    if not hub_reachable():
        announce(
            f"dataset '{dataset}'",
            "the course's own reviews (data/reviews, shipped inside the course package)",
            f"the Hugging Face Hub ({HUB_HOST}) cannot be reached",
        )
        return load_sample()
    return load_sst2_from_hub() if dataset == "sst2" else load_imdb_from_hub(seed)


def limit_train(splits: DatasetSplits, max_train_examples: int | None, seed: int) -> DatasetSplits:
    """Keep a fixed random sample of at most `max_train_examples` training examples."""
    if max_train_examples is None or max_train_examples >= len(splits.train):
        return splits
    if max_train_examples < 1:
        raise DataError(f"--max-train-examples must be at least 1, got {max_train_examples}.")
    chosen = sorted(random.Random(seed).sample(range(len(splits.train)), max_train_examples))
    splits.train = splits.train.subset(chosen)
    return splits


def balanced_subset(split: TextSplit, size: int | None, seed: int = 0) -> TextSplit:
    """Return `size` examples, classes as equal as possible; a smaller size is a subset of a larger."""
    by_class: dict[int, list[int]] = {}
    for index, label in enumerate(split.labels):
        by_class.setdefault(label, []).append(index)
    rng = random.Random(seed)
    for indices in by_class.values():
        rng.shuffle(indices)
    turns = zip_longest(*(by_class[label] for label in sorted(by_class)))  # one of each class
    order = [index for turn in turns for index in turn if index is not None]
    return split.subset(sorted(order[:size]))


def load_dataset_splits(
    dataset: str = "sample",
    train: str | Path | None = None,
    validation: str | Path | None = None,
    test: str | Path | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    max_train_examples: int | None = None,
    seed: int = 0,
) -> DatasetSplits:
    """Load a named dataset or local files, optionally keeping a sample of the training set."""
    if train is not None:
        splits = load_files(train, validation, test, text_column, label_column, seed=seed)
    elif validation is not None or test is not None:
        raise DataError("--validation and --test need --train too (the labels come from it).")
    else:
        splits = load_named(dataset, seed)
    return limit_train(splits, max_train_examples, seed)


def load_corpus(max_sentences: int | None = None, seed: int = 0, use_hub: bool = True) -> list[str]:
    """Return movie-review sentences: SST-2 from the Hub, or the course's reviews offline."""
    if use_hub and hub_reachable():
        import datasets

        sentences = list(datasets.load_dataset("nyu-mll/glue", "sst2", split="train")["sentence"])
    else:
        announce(
            "the SST-2 sentences",
            "the course's own 1,700 reviews (data/reviews, shipped inside the course package)",
            "use_hub=False was given"
            if not use_hub
            else f"the Hugging Face Hub ({HUB_HOST}) cannot be reached",
        )
        splits = load_sample()
        sentences = splits.train.texts + splits.validation.texts + splits.test.texts
    random.Random(seed).shuffle(sentences)
    return sentences[:max_sentences] if max_sentences else sentences


class SentimentDataset(Dataset):
    """Texts tokenised once, each item the token ids and label of one example (unpadded).

    Without labels (texts to predict), items carry token ids only.
    """

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[int] | None,
        tokenizer: PreTrainedTokenizerBase,
        max_length: int = 128,
    ) -> None:
        if len(texts) == 0:
            raise DataError("cannot build a dataset from zero examples.")
        encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
        self.input_ids: list[list[int]] = encoded["input_ids"]
        self.labels = None if labels is None else list(labels)
        self.lengths = [len(ids) for ids in self.input_ids]

    @classmethod
    def from_split(
        cls, split: TextSplit, tokenizer: PreTrainedTokenizerBase, max_length: int = 128
    ) -> SentimentDataset:
        """Build the dataset of one TextSplit."""
        return cls(split.texts, split.labels, tokenizer, max_length)

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, index: int) -> dict[str, object]:
        ids = self.input_ids[index]
        item = {"input_ids": ids, "attention_mask": [1] * len(ids)}
        if self.labels is not None:
            item["labels"] = self.labels[index]
        return item


class LengthGroupedBatches:
    """Batches of indices in a fixed random order per (seed, epoch), grouped by length if asked.

    Grouping sorts each window of `window_batches` batches by length, so a batch holds
    examples of similar length and needs little padding; batch order is then shuffled.
    Why not transformers' `get_length_grouped_indices`: it keeps each window's batches in
    descending length (no shuffle of the batches) and draws from the global random generator,
    which would change the dropout draws of the training loop; resuming mid-epoch uses
    accelerate's `skip_first_batches` on this sampler.
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        seed: int = 0,
        shuffle: bool = True,
        group_by_length: bool = True,
        window_batches: int = 50,
    ) -> None:
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.group_by_length = group_by_length
        self.window = batch_size * window_batches
        self.epoch = 0

    def start_epoch(self, epoch: int) -> None:
        """Choose the epoch whose order the next iteration gives."""
        # Not named set_epoch: accelerate would call that with its own counter.
        self.epoch = epoch

    def batches(self) -> list[list[int]]:
        """Return this epoch's batches of indices."""
        generator = torch.Generator().manual_seed(self.seed * 1000 + self.epoch)
        count = len(self.lengths)
        order = (
            torch.randperm(count, generator=generator).tolist()
            if self.shuffle
            else list(range(count))
        )
        if self.group_by_length:
            windows = [order[start : start + self.window] for start in range(0, count, self.window)]
            order = [
                i
                for window in windows
                for i in sorted(window, key=self.lengths.__getitem__, reverse=True)
            ]
        batches = [
            order[start : start + self.batch_size] for start in range(0, count, self.batch_size)
        ]
        if self.group_by_length and self.shuffle:
            shuffled = torch.randperm(len(batches), generator=generator).tolist()
            batches = [batches[i] for i in shuffled]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.batches())

    def __len__(self) -> int:
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size


def make_collate(tokenizer: PreTrainedTokenizerBase) -> DataCollatorWithPadding:
    """Return the collate function: pad each batch to its own longest example."""
    return DataCollatorWithPadding(tokenizer, return_tensors="pt")


def make_loader(
    dataset: SentimentDataset,
    tokenizer: PreTrainedTokenizerBase,
    batch_size: int = 32,
    shuffle: bool = False,
    group_by_length: bool = True,
    seed: int = 0,
) -> DataLoader:
    """Return a DataLoader of padded batches: shuffled for training, fixed order otherwise."""
    batches = LengthGroupedBatches(dataset.lengths, batch_size, seed, shuffle, group_by_length)
    # Its own generator: starting an epoch draws a seed from it, not from torch's global one,
    # so evaluating between epochs leaves the training's dropout draws unchanged.
    return DataLoader(
        dataset,
        batch_sampler=batches,
        collate_fn=make_collate(tokenizer),
        generator=torch.Generator().manual_seed(seed),
    )


def dataset_order(loader: DataLoader) -> list[int]:
    """Return the dataset indices in the order `loader` yields them (one epoch)."""
    batches = loader.batch_sampler
    batches = getattr(batches, "batch_sampler", batches)  # accelerate's shard wraps ours
    return [index for batch in batches for index in batch]
