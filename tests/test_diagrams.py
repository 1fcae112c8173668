"""The course's own diagrams: each is a Figure with a title and the labels it promises."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from helpers import diagrams

EXPECTED = {
    "encoder_block": ["encoder block", "Multi-head attention", "Add & LayerNorm", "Feed-forward"],
    "multi_head_attention_flow": [
        "Multi-head attention",
        "Query",
        "Key",
        "Value",
        "head 1",
        "head h",
        r"K_h^\top / \sqrt{d_k}",  # each head scales by its own size d_k, not by d
        "slice m of all three",  # every head gets its query, key and value
        "Concat",
        "Output projection",
    ],
    "bert_input_embeddings": [
        "input embeddings",
        "Token embeddings",
        "Position embeddings",
        "Segment embeddings",
        "sum",
        "LayerNorm",
    ],
    "classification_head": ["classification head", "[CLS]", "Pooler (dense + tanh)", "Dropout"],
    "pretrain_then_finetune": [
        "fine-tune",
        "Unlabelled text",
        "MLM pretraining",
        "Pretrained weights",
        "labelled data",
        "Classifier",
    ],
    "model_families": ["families", "Encoder", "Decoder", "Encoder-decoder", "causal", "T5"],
}


def labels(figure: Figure) -> str:
    """Return every text drawn on `figure`, the axes titles included, as one string."""
    return "\n".join(text.get_text() for axes in figure.axes for text in [axes.title, *axes.texts])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_diagram_is_a_titled_figure_with_its_labels(name):
    figure = getattr(diagrams, name)()
    try:
        assert isinstance(figure, Figure) and figure.axes[0].get_title()
        text = labels(figure)
        missing = [word for word in EXPECTED[name] if word not in text]
        assert not missing, f"{name} lacks {missing}"
    finally:
        plt.close(figure)


def test_the_classification_head_goes_from_cls_to_logits_in_order():
    figure = diagrams.classification_head()
    order = [text.get_text() for text in figure.axes[0].texts]
    plt.close(figure)
    steps = ["Encoder", "[CLS]", "Pooler", "Dropout", "Linear", "logits"]
    positions = [next(i for i, label in enumerate(order) if step in label) for step in steps]
    assert positions == sorted(positions)


def test_every_diagram_function_is_tested():
    public = {
        name
        for name, value in vars(diagrams).items()
        if callable(value) and not name.startswith("_") and value.__module__ == diagrams.__name__
    }
    assert public == set(EXPECTED)
