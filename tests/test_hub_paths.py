"""The Hub code paths (run in Colab), exercised here with an in-memory stand-in for the Hub."""

import datasets
import pytest

from helpers import data


def fake_glue() -> datasets.DatasetDict:
    """A tiny GLUE SST-2 lookalike; its test split has the unlabeled -1 of the real one."""
    return datasets.DatasetDict(
        train=datasets.Dataset.from_dict(
            {"sentence": ["a joy", "a bore", "warm", "cold"], "label": [1, 0, 1, 0]}
        ),
        validation=datasets.Dataset.from_dict({"sentence": ["fine", "awful"], "label": [1, 0]}),
        test=datasets.Dataset.from_dict({"sentence": ["unknown"], "label": [-1]}),
    )


def fake_imdb() -> datasets.DatasetDict:
    """A tiny IMDB lookalike with 20 training and 4 test reviews."""
    return datasets.DatasetDict(
        train=datasets.Dataset.from_dict(
            {"text": [f"review {n}" for n in range(20)], "label": [n % 2 for n in range(20)]}
        ),
        test=datasets.Dataset.from_dict({"text": ["t0", "t1", "t2", "t3"], "label": [0, 1, 0, 1]}),
    )


@pytest.fixture
def online_hub(monkeypatch):
    """Pretend the Hub is reachable and answer load_dataset from memory; record the calls."""
    calls = []

    def load_dataset(path, name=None, split=None):
        calls.append((path, name, split))
        whole = fake_glue() if path == "nyu-mll/glue" else fake_imdb()
        return whole[split] if split else whole

    monkeypatch.setattr(data, "hub_reachable", lambda: True)
    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return calls


def test_sst2_online_uses_glue_train_and_validation_never_test(online_hub):
    splits = data.load_dataset_splits("sst2")
    assert online_hub == [("nyu-mll/glue", "sst2", None)]
    assert splits.train.texts == ["a joy", "a bore", "warm", "cold"]
    assert splits.validation.labels == [1, 0]
    assert splits.test is None  # GLUE's test labels are hidden (-1)
    assert splits.label_names == ["negative", "positive"]


def test_imdb_online_holds_out_a_tenth_of_train_for_validation(online_hub):
    splits = data.load_dataset_splits("imdb", seed=0)
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (18, 2, 4)
    assert not set(splits.train.texts) & set(splits.validation.texts)
    assert sorted(splits.train.texts + splits.validation.texts) == sorted(
        f"review {n}" for n in range(20)
    )


def test_online_training_sample_is_taken_from_the_hub_data(online_hub):
    splits = data.load_dataset_splits("sst2", max_train_examples=2, seed=0)
    assert len(splits.train) == 2
    assert set(splits.train.texts) <= {"a joy", "a bore", "warm", "cold"}


def test_corpus_online_reads_the_sst2_training_sentences(online_hub):
    sentences = data.load_corpus(seed=0)
    assert online_hub == [("nyu-mll/glue", "sst2", "train")]
    assert sorted(sentences) == sorted(["a joy", "a bore", "warm", "cold"])


def test_corpus_stays_offline_when_asked_even_with_the_hub_reachable(online_hub, capsys):
    sentences = data.load_corpus(max_sentences=5, seed=0, use_hub=False)
    assert online_hub == [] and len(sentences) == 5  # the course's reviews, no download
    assert "use_hub=False was given" in capsys.readouterr().out
