"""Use and judge a trained classifier: probabilities, predictions, reports and plots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import ConfusionMatrixDisplay, classification_report, confusion_matrix
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from helpers.modeling import load_finetuned, save_classifier


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Return batches of indices, longest texts first, so each batch needs little padding."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__, reverse=True)
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


@torch.inference_mode()
def predict_probabilities(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    batch_size: int = 64,
    max_length: int = 128,
) -> np.ndarray:
    """Return class probabilities, shape (len(texts), num_labels), in the order of `texts`."""
    model.eval()
    device = next(model.parameters()).device
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    probabilities = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    for batch in length_sorted_batches([len(ids) for ids in encoded], batch_size):
        padded = tokenizer.pad({"input_ids": [encoded[i] for i in batch]}, return_tensors="pt")
        logits = model(
            input_ids=padded["input_ids"].to(device),
            attention_mask=padded["attention_mask"].to(device),
        ).logits
        probabilities[batch] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
    return probabilities


@dataclass
class Evaluation:
    """Predictions on a labelled split, with the metrics and plots made from them."""

    labels: np.ndarray
    predictions: np.ndarray
    probabilities: np.ndarray
    label_names: list[str]

    @property
    def accuracy(self) -> float:
        """Share of correct predictions."""
        return float((self.labels == self.predictions).mean())

    def report(self) -> str:
        """Return scikit-learn's classification report (precision, recall, F1 per class)."""
        return classification_report(
            self.labels,
            self.predictions,
            labels=list(range(len(self.label_names))),
            target_names=self.label_names,
            digits=3,
            zero_division=0,
        )

    def confusion(self) -> np.ndarray:
        """Return the confusion matrix: rows are true labels, columns predictions."""
        return confusion_matrix(
            self.labels, self.predictions, labels=list(range(len(self.label_names)))
        )

    def plot_confusion_matrix(self, title: str = "Confusion matrix") -> plt.Figure:
        """Draw the confusion matrix with counts."""
        figure, axes = plt.subplots(figsize=(4.5, 4))
        ConfusionMatrixDisplay(self.confusion(), display_labels=self.label_names).plot(
            ax=axes, cmap="Blues", colorbar=False
        )
        axes.set(title=title, xlabel="predicted label", ylabel="true label")
        figure.tight_layout()
        return figure


@dataclass
class SentimentClassifier:
    """A fine-tuned model with its tokenizer: predict labels for new texts."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase

    @property
    def label_names(self) -> list[str]:
        """The names of the classes, in id order."""
        id2label = self.model.config.id2label
        return [id2label[index] for index in range(len(id2label))]

    max_length: int = 128  # truncate texts as in training

    def predict_probabilities(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return class probabilities for each text."""
        return predict_probabilities(self.model, self.tokenizer, texts, batch_size, self.max_length)

    def predict(self, texts: Sequence[str] | str, batch_size: int = 64) -> list[dict[str, object]]:
        """Return {'text', 'label', 'score'} for each text (the label's probability as score)."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        probabilities = self.predict_probabilities(texts, batch_size)
        names = self.label_names
        return [
            {"text": text, "label": names[int(row.argmax())], "score": float(row.max())}
            for text, row in zip(texts, probabilities, strict=True)
        ]

    def evaluate(
        self, texts: Sequence[str], labels: Sequence[int], batch_size: int = 64
    ) -> Evaluation:
        """Predict a labelled split and return its Evaluation."""
        probabilities = self.predict_probabilities(texts, batch_size)
        return Evaluation(
            np.asarray(labels), probabilities.argmax(axis=1), probabilities, self.label_names
        )

    def save(self, folder: str | Path) -> Path:
        """Save model (safetensors) and tokenizer to `folder`, with the truncation length."""
        self.tokenizer.model_max_length = self.max_length  # reloads truncate the same way
        return save_classifier(self.model, self.tokenizer, folder)

    @classmethod
    def load(
        cls, folder: str | Path, device: torch.device | str = "cpu", max_length: int | None = None
    ) -> SentimentClassifier:
        """Load a classifier saved with `save` (truncating as it was saved, unless told)."""
        tokenizer, model = load_finetuned(folder, device)
        return cls(model, tokenizer, max_length or min(tokenizer.model_max_length, 512))
