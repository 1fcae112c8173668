"""Score a classifier on a split (the one evaluation path), and judge it: reports and plots.

`evaluate` is what the training loop calls after every epoch, what `python -m helpers.finetune`
writes to metrics.json, and what notebooks 05 and 06 report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from accelerate import Accelerator
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
)
from torch.utils.data import DataLoader
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from helpers.data import SentimentDataset, dataset_order, make_loader
from helpers.environment import autocast_for
from helpers.modeling import load_finetuned, save_classifier


def f1_average(num_classes: int) -> str:
    """Return scikit-learn's F1 averaging: 'binary' for two classes, 'macro' for more."""
    return "binary" if num_classes == 2 else "macro"


@torch.inference_mode()
def predict_logits(
    model: PreTrainedModel,
    loader: DataLoader,
    precision: str = "fp32",
    accelerator: Accelerator | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Return (logits, labels or None) for every example of `loader`, in the dataset's order."""
    model.eval()
    device = accelerator.device if accelerator else next(model.parameters()).device
    all_logits, all_labels = [], []
    for batch in loader:
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        with autocast_for(device, precision):
            logits = model(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).logits.float()
        labels = batch.get("labels")
        if accelerator is not None:  # several processes: each example once, in batch order
            logits, labels = accelerator.gather_for_metrics((logits, labels))
        all_logits.append(logits.cpu())
        if labels is not None:
            all_labels.append(labels.cpu())
    order = torch.tensor(dataset_order(loader))
    in_order = torch.empty_like(order)
    in_order[order] = torch.arange(len(order))  # position of each dataset index in the loader
    logits = torch.cat(all_logits)[in_order]
    labels = torch.cat(all_labels)[in_order] if all_labels else None
    return logits, labels


@dataclass
class Evaluation:
    """Predictions on a labelled split, with the metrics and plots made from them."""

    labels: np.ndarray
    predictions: np.ndarray
    probabilities: np.ndarray
    label_names: list[str]
    loss: float

    @classmethod
    def from_logits(
        cls, logits: torch.Tensor, labels: torch.Tensor, label_names: list[str]
    ) -> Evaluation:
        """Return the Evaluation of logits against their true labels."""
        return cls(
            labels.numpy(),
            logits.argmax(dim=-1).numpy(),
            torch.softmax(logits, dim=-1).numpy(),
            label_names,
            float(torch.nn.functional.cross_entropy(logits, labels)),
        )

    @property
    def accuracy(self) -> float:
        """Share of correct predictions."""
        return float(accuracy_score(self.labels, self.predictions))

    @property
    def f1(self) -> float:
        """F1 of the positive class for two classes, the macro average for more."""
        return float(
            f1_score(
                self.labels,
                self.predictions,
                labels=list(range(len(self.label_names))),
                average=f1_average(len(self.label_names)),
                zero_division=0,
            )
        )

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


def label_names_of(model: PreTrainedModel) -> list[str]:
    """Return the names of a classifier's classes, in id order."""
    id2label = model.config.id2label
    return [id2label[index] for index in range(len(id2label))]


def evaluate(
    model: PreTrainedModel,
    loader: DataLoader,
    precision: str = "fp32",
    accelerator: Accelerator | None = None,
) -> Evaluation:
    """Score `model` on every labelled example of `loader`: loss, accuracy, F1, predictions."""
    logits, labels = predict_logits(model, loader, precision, accelerator)
    if labels is None:
        raise ValueError("evaluate needs labelled examples; use predict_logits for raw texts.")
    return Evaluation.from_logits(logits, labels, label_names_of(model))


@dataclass
class SentimentClassifier:
    """A fine-tuned model with its tokenizer: predict labels for new texts."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase

    max_length: int = 128  # truncate texts as in training
    precision: str = "fp32"  # the precision of the forward pass (fp32, bf16 or fp16)

    @property
    def label_names(self) -> list[str]:
        """The names of the classes, in id order."""
        return label_names_of(self.model)

    def loader(
        self, texts: Sequence[str], labels: Sequence[int] | None, batch_size: int = 64
    ) -> DataLoader:
        """Return a fixed-order loader of `texts` tokenised as in training."""
        dataset = SentimentDataset(texts, labels, self.tokenizer, self.max_length)
        return make_loader(dataset, self.tokenizer, batch_size)

    def predict_probabilities(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return class probabilities, shape (len(texts), num_labels), in the order of `texts`."""
        loader = self.loader(texts, None, batch_size)
        logits, _ = predict_logits(self.model, loader, self.precision)
        return torch.softmax(logits, dim=-1).numpy()

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
        """Score a labelled split and return its Evaluation."""
        return evaluate(self.model, self.loader(texts, labels, batch_size), self.precision)

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
