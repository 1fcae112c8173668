"""Diagrams the course draws itself: boxes and arrows with matplotlib, nothing fetched.

Each function returns a matplotlib Figure with a title: the encoder block, multi-head
attention, BERT's input embeddings, the classification head, pretraining then fine-tuning,
and the three model families. Used by notebook 07; drawn for notebooks 03-05 too.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

BOX_WIDTH = 3.2
BOX_HEIGHT = 0.7
COLORS = {
    "input": "#dbe9f6",
    "attention": "#fde2c4",
    "norm": "#e4f2dc",
    "dense": "#eadcf2",
    "output": "#f6dbdb",
    "data": "#f2f2f2",
}
_LABEL_BACKGROUND = {"facecolor": "white", "edgecolor": "none", "pad": 1.5}  # text over arrows


def _canvas(title: str, width: float, height: float, size: tuple[float, float]) -> Axes:
    """Return an empty axes of `width` x `height` units, without ticks, under `title`."""
    figure, axes = plt.subplots(figsize=size)
    axes.set(xlim=(0, width), ylim=(0, height), title=title)
    axes.axis("off")
    figure.tight_layout()
    return axes


def _box(
    axes: Axes,
    center: tuple[float, float],
    text: str,
    kind: str = "input",
    width: float = BOX_WIDTH,
    height: float = BOX_HEIGHT,
) -> None:
    """Draw a rounded box of `kind`'s colour centred on `center`, with `text` inside."""
    x, y = center
    patch = FancyBboxPatch(
        (x - width / 2, y - height / 2),
        width,
        height,
        boxstyle="round,pad=0.02,rounding_size=0.12",
        facecolor=COLORS[kind],
        edgecolor="#444444",
    )
    axes.add_patch(patch)
    axes.text(x, y, text, ha="center", va="center", fontsize=9)


def _arrow(
    axes: Axes, start: tuple[float, float], end: tuple[float, float], label: str = ""
) -> None:
    """Draw an arrow from `start` to `end`, with an optional label beside its middle."""
    axes.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "#444444"})
    if label:
        middle = ((start[0] + end[0]) / 2 + 0.1, (start[1] + end[1]) / 2)
        axes.text(*middle, label, ha="left", va="center", fontsize=8, color="#444444")


def _column(axes: Axes, x: float, steps: list[tuple[str, str]], top: float, gap: float) -> None:
    """Draw `steps` (text, kind) as boxes from `top` downwards, each joined to the next."""
    for index, (text, kind) in enumerate(steps):
        y = top - index * gap
        _box(axes, (x, y), text, kind)
        if index:
            _arrow(axes, (x, y + gap - BOX_HEIGHT / 2), (x, y + BOX_HEIGHT / 2))


def _residual(axes: Axes, x: float, bottom: float, top: float) -> None:
    """Draw a skip connection on the right of a column, from height `bottom` to `top`."""
    right = x + 0.5
    axes.plot([x, right, right], [bottom, bottom, top], color="#444444", linewidth=1)
    axes.annotate("", xy=(x, top), xytext=(right, top), arrowprops={"arrowstyle": "->"})


def encoder_block() -> Figure:
    """Return one Transformer encoder block, bottom-up, with its two residual connections."""
    axes = _canvas("One Transformer encoder block (as in BERT)", 7, 7.4, (5.5, 5.5))
    steps = [
        ("Input: one vector per token", "input"),
        ("Multi-head attention", "attention"),
        ("Add & LayerNorm", "norm"),
        ("Feed-forward (dense, GELU, dense)", "dense"),
        ("Add & LayerNorm", "norm"),
        ("Output: one vector per token", "output"),
    ]
    heights = [0.6 + 1.25 * index for index in range(len(steps))]
    for index, ((text, kind), y) in enumerate(zip(steps, heights, strict=True)):
        _box(axes, (3, y), text, kind)
        if index:
            _arrow(axes, (3, heights[index - 1] + BOX_HEIGHT / 2), (3, y - BOX_HEIGHT / 2))
    edge = 3 + BOX_WIDTH / 2
    _residual(axes, edge, (heights[0] + heights[1]) / 2, heights[2])
    _residual(axes, edge, (heights[2] + heights[3]) / 2, heights[4])
    axes.text(edge + 0.65, 3.1, "residual\n(skip)\nconnections", va="center", fontsize=8)
    return axes.figure


def multi_head_attention_flow() -> Figure:
    """Return multi-head attention: projections, h heads, concatenation, output projection."""
    axes = _canvas("Multi-head attention: h heads side by side", 10, 8.4, (7.5, 6))
    _box(axes, (5, 7.7), "Input X (seq, hidden)", "input", width=4)
    columns = (1.8, 5, 8.2)
    arrow_colors = ("#1f77b4", "#ff7f0e", "#2ca02c")  # query, key, value
    for x, name in zip(columns, ("Query", "Key", "Value"), strict=True):
        _box(axes, (x, 6.3), f"{name} = X W_{name[0]}", "dense", width=2.6)
        _arrow(axes, (5, 7.35), (x, 6.65))
    split = (
        "each split into h slices of d_k = hidden / h features: head m gets slice m of all three"
    )
    axes.text(5, 5.3, split, ha="center", va="center", fontsize=8, bbox=_LABEL_BACKGROUND, zorder=5)
    heads = (("head 1", "1"), ("head 2", "2"), ("head h", "h"))
    for x, (head, index) in zip(columns, heads, strict=True):
        formula = rf"$\mathrm{{softmax}}(Q_{index} K_{index}^\top / \sqrt{{d_k}})\, V_{index}$"
        _box(axes, (x, 3.9), f"{head}:\n{formula}", "attention", 2.9, 1.0)
        for source, color in zip(columns, arrow_colors, strict=True):  # Q, K and V to every head
            axes.annotate(
                "",
                xy=(x + 0.35 * (source - x) / 3.2, 4.42),
                xytext=(source, 5.95),
                arrowprops={"arrowstyle": "->", "color": color, "linewidth": 0.9},
            )
        _arrow(axes, (x, 3.4), (5, 2.75))
    axes.text(6.6, 3.9, "...", ha="center", va="center", fontsize=12)
    _box(axes, (5, 2.4), "Concat the heads (seq, hidden)", "norm", width=4)
    _box(axes, (5, 1.0), "Output projection (linear)", "output", width=4)
    _arrow(axes, (5, 2.05), (5, 1.35))
    return axes.figure


def bert_input_embeddings() -> Figure:
    """Return BERT's input: token + position + segment embeddings, summed, then LayerNorm."""
    axes = _canvas("BERT's input embeddings", 10, 6.5, (7.5, 4.5))
    rows = [
        ("Token embeddings ([CLS], my, dog, [SEP], ...)", 5.6),
        ("Position embeddings (0, 1, 2, 3, ...)", 4.6),
        ("Segment embeddings (A, A, A, A, B, ...)", 3.6),
    ]
    for text, y in rows:
        _box(axes, (3.2, y), text, "input", width=5.6)
        _arrow(axes, (6.0, y), (7.0, 4.6))
    _box(axes, (7.6, 4.6), "sum (+)", "dense", width=1.2)
    _box(axes, (7.6, 2.6), "LayerNorm (then dropout)", "norm", width=3.4)
    _box(axes, (7.6, 0.9), "to the first encoder layer", "output", width=3.4)
    _arrow(axes, (7.6, 4.25), (7.6, 2.95))
    _arrow(axes, (7.6, 2.25), (7.6, 1.25))
    return axes.figure


def classification_head() -> Figure:
    """Return BertForSequenceClassification's head: [CLS], pooler, dropout, linear, logits."""
    axes = _canvas("A classification head on BERT", 6, 9, (5, 6))
    steps = [
        ("Encoder: a vector per token", "attention"),
        ("[CLS] token's final hidden state", "input"),
        ("Pooler (dense + tanh)", "dense"),
        ("Dropout", "norm"),
        ("Linear (hidden -> num_labels)", "dense"),
        ("logits, one per label", "output"),
    ]
    _column(axes, 3, steps, top=8.2, gap=1.45)
    return axes.figure


def pretrain_then_finetune() -> Figure:
    """Return the two stages: MLM pretraining on unlabelled text, then fine-tuning."""
    axes = _canvas("Pretrain once, then fine-tune for each task", 15, 4, (10, 3))
    steps = [
        ("Unlabelled text\n(books, Wikipedia)", "data", 1.6),
        ("MLM pretraining\n(predict masked words)", "attention", 4.6),
        ("Pretrained weights", "norm", 7.6),
        ("Fine-tune on\nlabelled data", "dense", 10.6),
        ("Classifier\n(e.g. sentiment)", "output", 13.5),
    ]
    for index, (text, kind, x) in enumerate(steps):
        _box(axes, (x, 2.2), text, kind, width=2.7, height=1.2)
        if index:
            _arrow(axes, (steps[index - 1][2] + 1.35, 2.2), (x - 1.35, 2.2))
    axes.text(4.6, 0.9, "expensive, done once", ha="center", fontsize=8, style="italic")
    axes.text(10.6, 0.9, "cheap, done per task", ha="center", fontsize=8, style="italic")
    return axes.figure


def model_families() -> Figure:
    """Return the map of encoder, decoder and encoder-decoder models and what each does."""
    axes = _canvas("Three families of pretrained Transformers", 15, 6.5, (10, 4.5))
    families = [
        ("Encoder", "BERT, RoBERTa, ALBERT,\nDistilBERT", "bidirectional attention"),
        ("Decoder", "GPT, GPT-2, GPT-3", "causal attention"),
        ("Encoder-decoder", "T5", "bidirectional encoder +\ncausal decoder"),
    ]
    uses = [
        "classification, extraction\n(labels, spans, entities)",
        "generation\n(continue a text)",
        "translation, summarisation\n(text in, text out)",
    ]
    for index, ((family, models, attention), use) in enumerate(zip(families, uses, strict=True)):
        x = 2.5 + index * 5
        _box(axes, (x, 5.5), family, "attention", width=4)
        _box(axes, (x, 4.1), models, "input", width=4, height=1.0)
        _box(axes, (x, 2.7), attention, "norm", width=4, height=0.9)
        _box(axes, (x, 1.0), use, "output", width=4, height=1.0)
        _arrow(axes, (x, 2.25), (x, 1.5), "used for")
    return axes.figure
