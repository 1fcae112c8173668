import numpy as np
import pytest
import torch

from helpers.evaluation import Evaluation, SentimentClassifier, length_sorted_batches

TEXTS = [
    "Fine.",
    "A long and winding review that goes on about the score, the light and the ending.",
    "Not for me.",
    "Warm, funny and sad at once; I will watch it again.",
]


def test_length_sorted_batches_cover_all_indices_longest_first():
    batches = length_sorted_batches([3, 9, 1, 7, 5], 2)
    assert batches == [[1, 3], [4, 0], [2]]


def test_batched_probabilities_match_one_by_one_and_keep_order(tiny_model, tokenizer):
    torch.manual_seed(0)
    classifier = SentimentClassifier(tiny_model.eval(), tokenizer)
    together = classifier.predict_probabilities(TEXTS, batch_size=3)
    alone = np.concatenate([classifier.predict_probabilities([text]) for text in TEXTS])
    assert together.shape == (4, 2)
    assert np.allclose(together, alone, atol=1e-5)  # padding and reordering change nothing
    assert np.allclose(together.sum(axis=1), 1.0, atol=1e-5)


def test_predict_returns_label_names_and_scores(tiny_model, tokenizer):
    classifier = SentimentClassifier(tiny_model.eval(), tokenizer)
    single = classifier.predict("some new review")
    assert len(single) == 1 and single[0]["label"] in ("negative", "positive")
    assert single[0]["text"] == "some new review" and 0.5 <= single[0]["score"] <= 1.0


def test_save_and_load_round_trip_uses_safetensors(tiny_model, tokenizer, tmp_path):
    classifier = SentimentClassifier(tiny_model.eval(), tokenizer)
    folder = classifier.save(tmp_path / "model")
    assert (folder / "model.safetensors").is_file() and not list(folder.glob("*.bin"))
    reloaded = SentimentClassifier.load(folder)
    assert np.allclose(
        classifier.predict_probabilities(TEXTS), reloaded.predict_probabilities(TEXTS), atol=1e-6
    )
    assert reloaded.label_names == ["negative", "positive"]


def test_loading_a_folder_without_safetensors_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model.safetensors"):
        SentimentClassifier.load(tmp_path)


def test_evaluation_report_confusion_and_plot():
    evaluation = Evaluation(
        labels=np.array([0, 0, 1, 1, 1]),
        predictions=np.array([0, 1, 1, 1, 0]),
        probabilities=np.full((5, 2), 0.5),
        label_names=["negative", "positive"],
    )
    assert evaluation.accuracy == pytest.approx(0.6)
    assert evaluation.confusion().tolist() == [[1, 1], [1, 2]]
    report = evaluation.report()
    assert "negative" in report and "positive" in report and "f1-score" in report
    figure = evaluation.plot_confusion_matrix()
    axes = figure.axes[0]
    assert axes.get_title() == "Confusion matrix"
    assert axes.get_xlabel() == "predicted label" and axes.get_ylabel() == "true label"
