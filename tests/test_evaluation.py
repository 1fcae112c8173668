import numpy as np
import pytest
import torch

from helpers.evaluation import Evaluation, SentimentClassifier, evaluate

TEXTS = [
    "Fine.",
    "A long and winding review that goes on about the score, the light and the ending.",
    "Not for me.",
    "Warm, funny and sad at once; I will watch it again.",
]


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
        loss=0.7,
    )
    assert evaluation.accuracy == pytest.approx(0.6)
    assert evaluation.f1 == pytest.approx(2 / 3)  # binary: the positive class (P = R = 2/3)
    assert evaluation.confusion().tolist() == [[1, 1], [1, 2]]
    report = evaluation.report()
    assert "negative" in report and "positive" in report and "f1-score" in report
    figure = evaluation.plot_confusion_matrix()
    axes = figure.axes[0]
    assert axes.get_title() == "Confusion matrix"
    assert axes.get_xlabel() == "predicted label" and axes.get_ylabel() == "true label"


def test_f1_is_macro_averaged_for_more_than_two_classes():
    logits = torch.tensor([[3.0, 0, 0], [0, 3.0, 0], [0, 0, 3.0], [3.0, 0, 0]])
    evaluation = Evaluation.from_logits(logits, torch.tensor([0, 1, 2, 2]), ["a", "b", "c"])
    assert evaluation.accuracy == pytest.approx(0.75)
    assert evaluation.f1 == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)  # F1 per class: 2/3, 1, 2/3
    expected_loss = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 2, 2]))
    assert evaluation.loss == pytest.approx(float(expected_loss))


def test_evaluate_gives_the_classifier_scores_in_the_texts_order(tiny_model, tokenizer):
    classifier = SentimentClassifier(tiny_model.eval(), tokenizer)
    labels = [1, 0, 0, 1]
    evaluation = classifier.evaluate(TEXTS, labels, batch_size=3)
    probabilities = classifier.predict_probabilities(TEXTS)
    assert evaluation.labels.tolist() == labels
    assert np.allclose(evaluation.probabilities, probabilities, atol=1e-6)
    assert evaluation.accuracy == pytest.approx(np.mean(probabilities.argmax(axis=1) == labels))
    assert evaluate(classifier.model, classifier.loader(TEXTS, labels)).loss == pytest.approx(
        evaluation.loss, abs=1e-6
    )
