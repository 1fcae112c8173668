"""Masked-language-model pretraining from scratch, and what pretraining buys a classifier.

Used by notebook 04 (the MLM head and loss written out, BERT's masking rule, pretraining a
small BERT on the course's text, filling masks) and notebook 05 (fine-tuning from pretrained
weights against a random start, over a growing number of labelled examples; zero-shot).

Checked in ``tests/test_pretraining.py`` against transformers' ``BertForMaskedLM`` and
``DataCollatorForLanguageModeling``. In a notebook::

    model = MaskedLanguageModel(small_bert_config(tokenizer.vocab_size))
    losses = pretrain(model, tokenize_corpus(sentences, tokenizer), tokenizer, steps=500)
    fill_mask(model, tokenizer, "the acting was [MASK].")   # [(token, probability), ...]
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    BertConfig,
    BertForMaskedLM,
    BertModel,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    get_linear_schedule_with_warmup,
    set_seed,
)

from helpers.assets import resolve_model
from helpers.data import DatasetSplits, SentimentDataset, balanced_subset
from helpers.evaluation import SentimentClassifier
from helpers.modeling import load_classifier, load_tokenizer
from helpers.settings import TrainConfig
from helpers.training import train_classifier

IGNORE_INDEX = -100  # the label of every position the loss skips (transformers' convention)

# --------------------------------------------------------------------------------------
# The MLM head and the MLM loss
# --------------------------------------------------------------------------------------


class MLMHead(nn.Module):
    """BERT's MLM head: dense, GELU, LayerNorm, then a decoder tied to the word embeddings."""

    def __init__(self, word_embeddings: nn.Embedding, layer_norm_eps: float = 1e-12) -> None:
        super().__init__()
        vocab_size, hidden_size = word_embeddings.weight.shape  # (vocab, hidden)
        self.dense = nn.Linear(hidden_size, hidden_size)
        # The exact (erf) GELU, transformers' "gelu" for BERT (Google's code used a tanh form).
        self.activation = nn.GELU()
        self.layer_norm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.decoder = nn.Linear(hidden_size, vocab_size)  # its bias: one number per token
        self.decoder.weight = word_embeddings.weight  # tied: the same tensor, not a copy
        nn.init.zeros_(self.decoder.bias)

    def forward(self, hidden_states: Tensor) -> Tensor:
        """Return one score per vocabulary entry: (..., hidden) -> (..., vocab)."""
        transformed = self.layer_norm(self.activation(self.dense(hidden_states)))  # (..., hidden)
        return self.decoder(transformed)  # transformed @ E^T + bias: (..., vocab)


def mlm_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Return the mean cross-entropy over the masked positions only (labels -100 elsewhere)."""
    targets = labels != IGNORE_INDEX  # (batch, seq): True where the model must guess
    target_logits = logits[targets].float()  # (targets, vocab)
    log_probabilities = torch.log_softmax(target_logits, dim=-1)  # (targets, vocab)
    correct = log_probabilities.gather(-1, labels[targets][:, None])  # (targets, 1)
    return -correct.mean()  # -1/|M| sum_i log p(x_i | corrupted input)


def small_bert_config(
    vocab_size: int,
    hidden_size: int = 128,
    num_layers: int = 2,
    num_heads: int = 2,
    max_positions: int = 64,
) -> BertConfig:
    """Return the configuration of a small BERT to pretrain from scratch."""
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=4 * hidden_size,
        max_position_embeddings=max_positions,
        hidden_act="gelu",
    )


class MaskedLanguageModel(nn.Module):
    """A BERT encoder (transformers' BertModel) with the course's MLM head on top."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)  # initialised as BERT is
        self.head = MLMHead(self.bert.embeddings.word_embeddings, config.layer_norm_eps)
        nn.init.normal_(self.head.dense.weight, std=config.initializer_range)
        nn.init.zeros_(self.head.dense.bias)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None) -> Tensor:
        """Return the scores of every vocabulary entry at every position: (batch, seq, vocab)."""
        output = self.bert(input_ids=input_ids, attention_mask=attention_mask)
        return self.head(output.last_hidden_state)  # (batch, seq, hidden) -> (batch, seq, vocab)

    def target_logits(self, input_ids: Tensor, attention_mask: Tensor, labels: Tensor) -> Tensor:
        """Return the scores at the masked positions only: (targets, vocab); cheaper to train."""
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(hidden[labels != IGNORE_INDEX])  # (targets, hidden) -> (targets, vocab)


def from_bert_for_masked_lm(theirs: BertForMaskedLM) -> MaskedLanguageModel:
    """Return a MaskedLanguageModel carrying the weights of a transformers BertForMaskedLM."""
    ours = MaskedLanguageModel(theirs.config)
    ours.bert.load_state_dict(theirs.bert.state_dict())  # the decoder follows: it is tied
    transform = theirs.cls.predictions.transform
    ours.head.dense.load_state_dict(transform.dense.state_dict())
    ours.head.layer_norm.load_state_dict(transform.LayerNorm.state_dict())
    with torch.no_grad():
        ours.head.decoder.bias.copy_(theirs.cls.predictions.bias)
    return ours.to(theirs.device).train(theirs.training)


def to_bert_for_masked_lm(ours: MaskedLanguageModel) -> BertForMaskedLM:
    """Return a transformers BertForMaskedLM carrying the weights of a MaskedLanguageModel."""
    theirs = BertForMaskedLM(ours.config)
    theirs.bert.load_state_dict(ours.bert.state_dict())
    transform = theirs.cls.predictions.transform
    transform.dense.load_state_dict(ours.head.dense.state_dict())
    transform.LayerNorm.load_state_dict(ours.head.layer_norm.state_dict())
    with torch.no_grad():
        theirs.cls.predictions.bias.copy_(ours.head.decoder.bias)
        theirs.cls.predictions.decoder.bias.copy_(ours.head.decoder.bias)  # same tensor in v5
    return theirs.to(next(ours.parameters()).device).train(ours.training)


# --------------------------------------------------------------------------------------
# BERT's masking rule
# --------------------------------------------------------------------------------------


def never_chosen(
    input_ids: Tensor, tokenizer: PreTrainedTokenizerBase, attention_mask: Tensor | None = None
) -> Tensor:
    """Return True where a token may not be a target: special tokens and padding."""
    special_ids = torch.tensor(tokenizer.all_special_ids, device=input_ids.device)
    never = torch.isin(input_ids, special_ids)  # [CLS], [SEP], [PAD], [MASK], [UNK]
    if attention_mask is not None:
        never |= attention_mask == 0  # padding, whatever its id
    return never


def draw_targets(
    input_ids: Tensor,
    tokenizer: PreTrainedTokenizerBase,
    attention_mask: Tensor | None = None,
    mlm_probability: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Return (chosen, fate, random_ids): the targets, one draw per token, a random id per token."""
    probability = torch.full(input_ids.shape, mlm_probability)
    probability.masked_fill_(never_chosen(input_ids, tokenizer, attention_mask).cpu(), 0.0)
    chosen = torch.bernoulli(probability, generator=generator).bool()  # (batch, seq)
    fate = torch.rand(input_ids.shape, generator=generator)  # decides what a target becomes
    random_ids = torch.randint(tokenizer.vocab_size, input_ids.shape, generator=generator)
    return chosen, fate, random_ids


def corrupt(
    input_ids: Tensor, chosen: Tensor, fate: Tensor, random_ids: Tensor, mask_token_id: int
) -> tuple[Tensor, Tensor]:
    """Apply the 80/10/10 rule at the chosen positions; return (corrupted ids, labels)."""
    to_mask = chosen & (fate < 0.8)
    to_random = chosen & (fate >= 0.8) & (fate < 0.9)
    corrupted = input_ids.clone()  # the input stays as it was
    corrupted[to_mask] = mask_token_id
    corrupted[to_random] = random_ids[to_random]  # the other 10% of targets stay unchanged
    labels = torch.where(chosen, input_ids, IGNORE_INDEX)  # the original id, or -100
    return corrupted, labels


def mask_tokens(
    input_ids: Tensor,
    tokenizer: PreTrainedTokenizerBase,
    attention_mask: Tensor | None = None,
    mlm_probability: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Return (corrupted ids, labels): 15% chosen; of those 80% [MASK], 10% random, 10% kept."""
    chosen, fate, random_ids = draw_targets(
        input_ids, tokenizer, attention_mask, mlm_probability, generator
    )
    corrupted, labels = corrupt(input_ids.cpu(), chosen, fate, random_ids, tokenizer.mask_token_id)
    return corrupted.to(input_ids.device), labels.to(input_ids.device)


# --------------------------------------------------------------------------------------
# Pretraining
# --------------------------------------------------------------------------------------


def tokenize_corpus(
    texts: Sequence[str], tokenizer: PreTrainedTokenizerBase, max_length: int = 64
) -> list[list[int]]:
    """Return the token ids of each text, [CLS] and [SEP] included, truncated to max_length."""
    return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]


def mlm_batch(
    token_lists: Sequence[list[int]],
    tokenizer: PreTrainedTokenizerBase,
    generator: torch.Generator | None = None,
) -> dict[str, Tensor]:
    """Pad some tokenised texts and mask them afresh: input_ids, attention_mask, labels."""
    padded = tokenizer.pad({"input_ids": list(token_lists)}, return_tensors="pt")
    input_ids, labels = mask_tokens(
        padded["input_ids"], tokenizer, padded["attention_mask"], generator=generator
    )  # (batch, seq) each
    return {"input_ids": input_ids, "attention_mask": padded["attention_mask"], "labels": labels}


def training_step(
    model: MaskedLanguageModel,
    batch: dict[str, Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
) -> float:
    """One update on one batch: the MLM loss at the targets, backward, clip, step."""
    logits = model.target_logits(**batch)  # (targets, vocab)
    loss = mlm_loss(logits, batch["labels"][batch["labels"] != IGNORE_INDEX])
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return loss.item()


def pretrain(
    model: MaskedLanguageModel,
    token_lists: Sequence[list[int]],
    tokenizer: PreTrainedTokenizerBase,
    steps: int,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Pretrain with MLM on random batches, masked afresh each time; return the step losses."""
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    fused = device.type in ("cuda", "cpu")  # one kernel per step, as in helpers.training
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=learning_rate, weight_decay=0.01, fused=fused
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, max(1, steps // 10), steps)
    model.train()
    losses: list[float] = []
    bar = tqdm(range(steps), desc="pretraining", disable=not progress)
    for step in bar:
        picks = torch.randint(len(token_lists), (batch_size,), generator=generator).tolist()
        batch = mlm_batch([token_lists[i] for i in picks], tokenizer, generator)
        if not (batch["labels"] != IGNORE_INDEX).any():
            continue  # no target drawn in this batch (only happens with tiny batches)
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        losses.append(training_step(model, batch, optimizer, scheduler))
        if step % 10 == 0:
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
    return losses


def blanked_batches(
    token_lists: Sequence[list[int]],
    tokenizer: PreTrainedTokenizerBase,
    batch_size: int = 64,
    seed: int = 0,
) -> list[dict[str, Tensor]]:
    """Return the texts with 15% of their tokens blanked: every target shows [MASK].

    The same targets at every call (for scoring). Unlike training's 80/10/10 rule, no target
    keeps its token, so a score on these batches cannot come from copying the input.
    """
    generator = torch.Generator().manual_seed(seed)
    batches = []
    for start in range(0, len(token_lists), batch_size):
        batch = mlm_batch(token_lists[start : start + batch_size], tokenizer, generator)
        targets = batch["labels"] != IGNORE_INDEX  # (batch, seq)
        batch["input_ids"] = batch["input_ids"].masked_fill(targets, tokenizer.mask_token_id)
        batches.append(batch)
    return batches


@torch.no_grad()
def held_out_loss(
    model: MaskedLanguageModel,
    token_lists: Sequence[list[int]],
    tokenizer: PreTrainedTokenizerBase,
    batch_size: int = 64,
    seed: int = 0,
) -> float:
    """Return the loss of filling blanks in texts the model never trained on (fixed blanks)."""
    device = next(model.parameters()).device
    was_training, total, count = model.training, 0.0, 0
    model.eval()
    for batch in blanked_batches(token_lists, tokenizer, batch_size, seed):
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        targets = batch["labels"] != IGNORE_INDEX  # (batch, seq)
        if targets.any():
            loss = mlm_loss(model.target_logits(**batch), batch["labels"][targets])
            total, count = total + loss.item() * targets.sum().item(), count + targets.sum().item()
    model.train(was_training)
    return total / max(1, count)


SMOOTHINGS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)  # add-k values tried


def piece_counts(token_lists: Sequence[list[int]], tokenizer: PreTrainedTokenizerBase) -> Tensor:
    """Return how often each vocabulary piece occurs in the texts (special tokens left out)."""
    ids = torch.tensor([i for token_ids in token_lists for i in token_ids])  # (tokens,)
    ids = ids[~never_chosen(ids, tokenizer)]
    return torch.zeros(tokenizer.vocab_size).index_add_(0, ids, torch.ones(len(ids)))  # (vocab,)


def frequency_baseline_loss(
    train_lists: Sequence[list[int]],
    held_out: Sequence[list[int]],
    tokenizer: PreTrainedTokenizerBase,
    smoothing: float | None = None,
    batch_size: int = 64,
    seed: int = 0,
) -> tuple[float, float]:
    """Return (loss, k): the held-out blank-filling loss of guessing from word frequencies alone.

    The guess ignores the sentence: every blank gets the training texts' piece frequencies with
    add-k smoothing. With `smoothing=None` the k of SMOOTHINGS that scores best on these very
    blanks is used, which gives the baseline its best case.
    """
    counts = piece_counts(train_lists, tokenizer)
    batches = blanked_batches(held_out, tokenizer, batch_size, seed)  # held_out_loss's blanks
    targets = torch.cat([batch["labels"][batch["labels"] != IGNORE_INDEX] for batch in batches])

    def loss_with(k: float) -> float:
        log_probabilities = torch.log((counts + k) / (counts + k).sum())  # (vocab,)
        return -log_probabilities[targets].mean().item()

    return min((loss_with(k), k) for k in (SMOOTHINGS if smoothing is None else [smoothing]))


@torch.no_grad()
def mask_probabilities(model: nn.Module, tokenizer: PreTrainedTokenizerBase, text: str) -> Tensor:
    """Return the probability of every vocabulary piece at the first [MASK] in `text`: (vocab,)."""
    device = next(model.parameters()).device
    encoding = tokenizer(text, return_tensors="pt").to(device)
    positions = (encoding["input_ids"][0] == tokenizer.mask_token_id).nonzero()
    if len(positions) == 0:
        raise ValueError(f"no {tokenizer.mask_token} in {text!r}")
    was_training = model.training
    model.eval()
    output = model(input_ids=encoding["input_ids"], attention_mask=encoding["attention_mask"])
    model.train(was_training)
    logits = getattr(output, "logits", output)  # ours gives a tensor, transformers an output
    return torch.softmax(logits[0, positions[0, 0]].float(), dim=-1).cpu()  # (vocab,)


def fill_mask(
    model: nn.Module, tokenizer: PreTrainedTokenizerBase, text: str, top_k: int = 5
) -> list[tuple[str, float]]:
    """Return the top_k (token, probability) guesses for the first [MASK] in `text`, best first."""
    top = mask_probabilities(model, tokenizer, text).topk(top_k)
    tokens = tokenizer.convert_ids_to_tokens(top.indices.tolist())
    return list(zip(tokens, top.values.tolist(), strict=True))


# --------------------------------------------------------------------------------------
# What pretraining buys: fine-tuning from pretrained weights or from a random start
# --------------------------------------------------------------------------------------


@dataclass
class AblationRun:
    """One fine-tuning run of the ablation: how it started, on how much data, and its scores."""

    start: str  # "pretrained" or "random init"
    train_examples: int
    epochs: int
    optimizer_steps: int
    validation_accuracy: float  # of the epoch chosen on validation (the weights kept)
    test_accuracy: float  # of those weights on the test split, seen once
    train_seconds: float


def epochs_for(
    train_examples: int, batch_size: int, min_steps: int, epochs: int, max_epochs: int
) -> int:
    """Return enough epochs for at least `min_steps` optimizer steps (within [epochs, max_epochs])."""
    steps_per_epoch = math.ceil(train_examples / batch_size)
    return min(max_epochs, max(epochs, math.ceil(min_steps / steps_per_epoch)))


def build_classifier(
    model_name: str | None, label_names: list[str], pretrained: bool, seed: int = 0
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Return (tokenizer, classifier): pretrained weights, or a random init of the same config."""
    source = resolve_model(model_name)  # the Hub name, or the embedded model offline
    set_seed(seed)  # the same new head (and, from scratch, the same random encoder) every time
    if pretrained:
        return load_classifier(source, label_names)
    config = AutoConfig.from_pretrained(
        source,
        num_labels=len(label_names),
        id2label=dict(enumerate(label_names)),
        label2id={name: index for index, name in enumerate(label_names)},
    )
    return load_tokenizer(source), AutoModelForSequenceClassification.from_config(config)


def finetune_and_test(
    splits: DatasetSplits,
    train_examples: int | None,
    pretrained: bool,
    config: TrainConfig,
    model_name: str | None = None,
    max_length: int = 128,
    min_steps: int = 50,
    max_epochs: int = 20,
) -> AblationRun:
    """Fine-tune on `train_examples` balanced examples; keep the best epoch on validation; test it."""
    train = balanced_subset(splits.train, train_examples, config.seed)
    tokenizer, model = build_classifier(model_name, splits.label_names, pretrained, config.seed)
    epochs = epochs_for(len(train), config.batch_size, min_steps, config.epochs, max_epochs)
    config = replace(config, epochs=epochs, output_dir=None, restore_best=True, progress=False)
    datasets = [
        SentimentDataset.from_split(s, tokenizer, max_length) for s in (train, splits.validation)
    ]
    with contextlib.redirect_stdout(io.StringIO()):  # one line per run instead of one per epoch
        result = train_classifier(model, tokenizer, *datasets, config)
    classifier = SentimentClassifier(model, tokenizer, max_length, precision=result.precision)
    test = classifier.evaluate(splits.test.texts, splits.test.labels)  # as validation was scored
    return AblationRun(
        "pretrained" if pretrained else "random init", len(train), epochs,
        result.optimizer_steps, result.validation.accuracy, test.accuracy, result.train_seconds,
    )  # fmt: skip


def learning_curve(
    splits: DatasetSplits,
    sizes: Sequence[int | None],
    config: TrainConfig,
    model_name: str | None = None,
    progress: bool = True,
    **options: int,
) -> list[AblationRun]:
    """Run `finetune_and_test` for every size, from pretrained weights and from a random init."""
    plan = [(size, pretrained) for size in sizes for pretrained in (True, False)]
    runs = []
    for size, pretrained in tqdm(plan, desc="fine-tuning runs", disable=not progress):
        run = finetune_and_test(splits, size, pretrained, config, model_name, **options)
        print(
            f"{run.start:>11}, {run.train_examples:>5} examples, {run.epochs:>2} epochs: "
            f"validation {run.validation_accuracy:.1%}, test {run.test_accuracy:.1%} "
            f"({run.train_seconds:.0f} s)"
        )
        runs.append(run)
    return runs


def zero_shot_predictions(
    classify: Callable[..., list[dict]],
    texts: Sequence[str],
    label_names: list[str],
    template: str = "This review is {}.",
) -> list[int]:
    """Return the label id a zero-shot pipeline ranks first for each text."""
    outputs = classify(list(texts), candidate_labels=label_names, hypothesis_template=template)
    outputs = [outputs] if isinstance(outputs, dict) else outputs  # one text gives one dict
    return [label_names.index(output["labels"][0]) for output in outputs]
