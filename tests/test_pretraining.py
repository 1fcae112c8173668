"""The MLM head, loss, masking rule, pretraining loop, fill-mask and ablation of helpers.pretraining."""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace

import pytest
import torch
from transformers import BertForMaskedLM, DataCollatorForLanguageModeling

from helpers.data import DatasetSplits, TextSplit, load_sample
from helpers.modeling import load_tokenizer
from helpers.pretraining import (
    IGNORE_INDEX,
    SMOOTHINGS,
    MaskedLanguageModel,
    balanced_subset,
    blanked_batches,
    build_classifier,
    epochs_for,
    fill_mask,
    finetune_and_test,
    frequency_baseline_loss,
    from_bert_for_masked_lm,
    held_out_loss,
    mask_probabilities,
    mask_tokens,
    mlm_batch,
    mlm_loss,
    piece_counts,
    pretrain,
    small_bert_config,
    to_bert_for_masked_lm,
    tokenize_corpus,
    zero_shot_predictions,
)
from helpers.settings import MAIN_JOB

REVIEWS = [
    "A warm, funny film with a wonderful lead performance.",
    "Two hours of my life I will never get back.",
    "The plot was thin but the music carried it.",
    "Not as bad as the trailer suggested.",
]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer()


@pytest.fixture(scope="module")
def tiny_config(tokenizer):
    return small_bert_config(tokenizer.vocab_size, hidden_size=32, num_layers=2, num_heads=2)


def real_batch(tokenizer, seed: int = 0) -> dict[str, torch.Tensor]:
    """Real token ids of the reviews, padded and masked by the course's rule."""
    generator = torch.Generator().manual_seed(seed)
    return mlm_batch(tokenize_corpus(REVIEWS, tokenizer), tokenizer, generator)


def perturb_head(model: BertForMaskedLM | MaskedLanguageModel) -> None:
    """Give every head tensor non-default values, so copying a wrong one would show."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "cls." in name or "head." in name:
                parameter.add_(torch.randn_like(parameter) * 0.5)


def test_decoder_weight_is_the_word_embedding_matrix(tiny_config):
    model = MaskedLanguageModel(tiny_config)
    embedding = model.bert.embeddings.word_embeddings.weight
    assert model.head.decoder.weight is embedding
    assert model.head.decoder.weight.data_ptr() == embedding.data_ptr()
    with torch.no_grad():
        embedding[7].fill_(3.0)  # a change to the input table is a change to the output layer
    assert torch.equal(model.head.decoder.weight[7], torch.full((32,), 3.0))
    # counted once: the tied matrix is one parameter, not two
    assert sum(p.numel() for p in model.parameters()) < 2 * embedding.numel()


def test_our_head_and_loss_reproduce_bert_for_masked_lm(tokenizer, tiny_config):
    torch.manual_seed(0)
    theirs = BertForMaskedLM(tiny_config).eval()
    perturb_head(theirs)
    ours = from_bert_for_masked_lm(theirs).eval()
    batch = real_batch(tokenizer)
    assert (batch["labels"] != IGNORE_INDEX).sum() > 0
    with torch.no_grad():
        expected = theirs(**batch)
        logits = ours(batch["input_ids"], batch["attention_mask"])  # (batch, seq, vocab)
    assert logits.shape == expected.logits.shape
    assert torch.allclose(logits, expected.logits, atol=1e-5)
    assert abs(mlm_loss(logits, batch["labels"]).item() - expected.loss.item()) < 1e-5
    assert ours.head.decoder.weight is ours.bert.embeddings.word_embeddings.weight


def test_copying_back_into_bert_for_masked_lm_keeps_logits_and_loss(tokenizer, tiny_config):
    torch.manual_seed(1)
    ours = MaskedLanguageModel(tiny_config).eval()
    perturb_head(ours)
    theirs = to_bert_for_masked_lm(ours).eval()
    batch = real_batch(tokenizer, seed=1)
    with torch.no_grad():
        expected = theirs(**batch)
        logits = ours(batch["input_ids"], batch["attention_mask"])
    assert torch.allclose(logits, expected.logits, atol=1e-5)
    assert abs(mlm_loss(logits, batch["labels"]).item() - expected.loss.item()) < 1e-5
    predictions = theirs.cls.predictions
    assert predictions.decoder.weight is theirs.bert.embeddings.word_embeddings.weight


def test_target_logits_are_the_full_logits_at_the_targets(tokenizer, tiny_config):
    model = MaskedLanguageModel(tiny_config).eval()
    batch = real_batch(tokenizer)
    with torch.no_grad():
        everywhere = model(batch["input_ids"], batch["attention_mask"])
        at_targets = model.target_logits(**batch)
    assert torch.allclose(at_targets, everywhere[batch["labels"] != IGNORE_INDEX], atol=1e-6)


def test_mlm_loss_is_cross_entropy_over_the_targets_only():
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 11)  # (batch, seq, vocab)
    labels = torch.full((2, 5), IGNORE_INDEX)
    labels[0, 1], labels[1, 3], labels[1, 4] = 4, 0, 10
    expected = torch.nn.functional.cross_entropy(logits.view(-1, 11), labels.view(-1))
    assert abs(mlm_loss(logits, labels).item() - expected.item()) < 1e-6
    changed = logits.clone()
    changed[labels == IGNORE_INDEX] = 100.0  # scores where nothing is asked must not matter
    assert abs(mlm_loss(changed, labels).item() - expected.item()) < 1e-6


def large_padded_sample(tokenizer, rows: int = 400) -> dict[str, torch.Tensor]:
    """Rows of ordinary token ids of varied lengths, with [CLS], [SEP] and padding."""
    generator = torch.Generator().manual_seed(0)
    token_lists = []
    for row in range(rows):
        length = 20 + row % 60
        middle = torch.randint(1000, tokenizer.vocab_size, (length,), generator=generator)
        token_lists.append([tokenizer.cls_token_id, *middle.tolist(), tokenizer.sep_token_id])
    return tokenizer.pad({"input_ids": token_lists}, return_tensors="pt")


def proportions(original, corrupted, labels, mask_token_id) -> dict[str, float]:
    """The share of tokens chosen, and of the chosen: [MASK], random, unchanged."""
    chosen = labels != IGNORE_INDEX
    as_mask = (corrupted[chosen] == mask_token_id).float().mean().item()
    unchanged = (corrupted[chosen] == original[chosen]).float().mean().item()
    return {
        "chosen": chosen.sum().item(),
        "mask": as_mask,
        "random": 1 - as_mask - unchanged,
        "unchanged": unchanged,
    }


def assert_bert_rule(found: dict[str, float], candidates: int) -> None:
    assert abs(found["chosen"] / candidates - 0.15) < 0.01
    assert abs(found["mask"] - 0.8) < 0.03
    assert abs(found["random"] - 0.1) < 0.02
    assert abs(found["unchanged"] - 0.1) < 0.02


def test_masking_rule_proportions_and_what_is_never_chosen(tokenizer):
    padded = large_padded_sample(tokenizer)
    ids, attention_mask = padded["input_ids"], padded["attention_mask"]
    generator = torch.Generator().manual_seed(0)
    corrupted, labels = mask_tokens(ids, tokenizer, attention_mask, generator=generator)
    special = torch.isin(ids, torch.tensor(tokenizer.all_special_ids))
    candidates = (~special & attention_mask.bool()).sum().item()
    assert candidates > 15_000 and (attention_mask == 0).sum() > 5_000
    assert_bert_rule(proportions(ids, corrupted, labels, tokenizer.mask_token_id), candidates)
    chosen = labels != IGNORE_INDEX
    assert not (chosen & special).any() and not (chosen & (attention_mask == 0)).any()
    assert torch.equal(labels[chosen], ids[chosen])  # the original id is what must be guessed
    assert torch.equal(corrupted[~chosen], ids[~chosen])  # nothing else is touched


def test_transformers_collator_follows_the_same_rule(tokenizer):
    padded = large_padded_sample(tokenizer)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=0)
    rows = [{"input_ids": [i for i in row if i != 0]} for row in padded["input_ids"].tolist()]
    masked = collator(rows)
    assert masked["input_ids"].shape == padded["input_ids"].shape
    candidates = sum(len(row["input_ids"]) - 2 for row in rows)  # all but [CLS] and [SEP]
    found = proportions(padded["input_ids"], masked["input_ids"], masked["labels"], 103)
    assert not (masked["labels"][padded["attention_mask"] == 0] != IGNORE_INDEX).any()
    assert_bert_rule(found, candidates)


def test_a_few_pretraining_steps_lower_the_mlm_loss(tokenizer, tiny_config):
    torch.manual_seed(0)
    model = MaskedLanguageModel(tiny_config)
    token_lists = tokenize_corpus(load_sample().train.texts[:32], tokenizer)
    before = held_out_loss(model, token_lists, tokenizer)
    assert abs(before - math.log(tokenizer.vocab_size)) < 0.5  # a random start guesses uniformly
    losses = pretrain(model, token_lists, tokenizer, 20, 8, learning_rate=1e-2, progress=False)
    after = held_out_loss(model, token_lists, tokenizer)
    assert len(losses) == 20 and after < before - 2.0, (before, after)


def test_frequency_baseline_is_a_model_that_ignores_context(tokenizer, tiny_config):
    texts = load_sample().train.texts
    train_lists, held_out = (
        tokenize_corpus(texts[:200], tokenizer),
        tokenize_corpus(texts[200:240], tokenizer),
    )
    add_one, k = frequency_baseline_loss(train_lists, held_out, tokenizer, smoothing=1.0)
    assert k == 1.0 and 4 < add_one < math.log(tokenizer.vocab_size) - 2
    model = MaskedLanguageModel(tiny_config)
    counts = piece_counts(train_lists, tokenizer) + 1.0  # add-one
    with torch.no_grad():  # zero token table (hence zero decoder): the scores are the bias alone
        model.bert.embeddings.word_embeddings.weight.zero_()
        model.head.decoder.bias.copy_(torch.log(counts / counts.sum()))
    assert abs(held_out_loss(model, held_out, tokenizer) - add_one) < 1e-4
    best, best_k = frequency_baseline_loss(train_lists, held_out, tokenizer)
    assert best <= add_one and best_k in SMOOTHINGS  # the baseline gets its best smoothing


def test_held_out_blanks_hide_every_target(tokenizer):
    token_lists = tokenize_corpus(load_sample().train.texts[:50], tokenizer)
    for batch in blanked_batches(token_lists, tokenizer, batch_size=16):
        targets = batch["labels"] != -100
        assert targets.any() and (batch["input_ids"][targets] == tokenizer.mask_token_id).all()
        assert (batch["input_ids"][~targets] != tokenizer.mask_token_id).all()
    again = blanked_batches(token_lists, tokenizer, batch_size=16)
    assert all(torch.equal(a["labels"], b["labels"]) for a, b in zip(again, blanked_batches(token_lists, tokenizer, batch_size=16), strict=True))  # fmt: skip


def test_fill_mask_returns_top_k_sorted_probabilities(tokenizer, tiny_config):
    torch.manual_seed(0)
    ours = MaskedLanguageModel(tiny_config)
    guesses = fill_mask(ours, tokenizer, "the film was [MASK] and long.", top_k=7)
    assert len(guesses) == 7 and all(isinstance(token, str) for token, _ in guesses)
    probabilities = [probability for _, probability in guesses]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0 <= p <= 1 for p in probabilities) and sum(probabilities) <= 1 + 1e-6
    assert ours.training  # the model's mode is put back
    everything = mask_probabilities(ours, tokenizer, "the film was [MASK] and long.")
    assert everything.shape == (tokenizer.vocab_size,) and abs(everything.sum().item() - 1) < 1e-4
    assert abs(everything.max().item() - probabilities[0]) < 1e-6
    same = fill_mask(to_bert_for_masked_lm(ours), tokenizer, "the film was [MASK] and long.", 7)
    assert [token for token, _ in same] == [token for token, _ in guesses]
    with pytest.raises(ValueError, match="no \\[MASK\\]"):
        fill_mask(ours, tokenizer, "nothing to fill", top_k=3)


def test_balanced_subset_is_balanced_nested_and_complete():
    split = TextSplit([f"text {i}" for i in range(30)], [int(i % 3 == 0) for i in range(30)])
    small, large = balanced_subset(split, 6, seed=0), balanced_subset(split, 12, seed=0)
    assert sorted(small.labels) == [0, 0, 0, 1, 1, 1]
    assert set(small.texts) <= set(large.texts)
    assert len(balanced_subset(split, None).texts) == 30
    assert balanced_subset(split, 6, seed=1).texts != small.texts


def test_epochs_for_gives_small_sets_enough_steps():
    assert epochs_for(1218, 16, min_steps=50, epochs=4, max_epochs=20) == 4
    assert epochs_for(50, 16, min_steps=50, epochs=4, max_epochs=20) == 13  # 4 steps an epoch
    assert epochs_for(16, 16, min_steps=50, epochs=4, max_epochs=20) == 20


def test_random_init_has_the_pretrained_architecture_but_not_its_weights():
    _, pretrained = build_classifier(None, ["negative", "positive"], pretrained=True)
    _, scratch = build_classifier(None, ["negative", "positive"], pretrained=False)
    assert scratch.config.to_dict()["hidden_size"] == pretrained.config.hidden_size
    assert [name for name, _ in scratch.named_parameters()] == [
        name for name, _ in pretrained.named_parameters()
    ]
    name = "bert.encoder.layer.0.attention.self.query.weight"
    weights = dict(pretrained.named_parameters()), dict(scratch.named_parameters())
    assert not torch.allclose(weights[0][name], weights[1][name])
    assert abs(weights[1][name].std().item() - scratch.config.initializer_range) < 0.005


def test_ablation_runs_on_a_tiny_case():
    sample = load_sample()
    tiny = DatasetSplits(
        "tiny",
        balanced_subset(sample.train, 8),
        balanced_subset(sample.validation, 8),
        balanced_subset(sample.test, 8),
        sample.label_names,
    )
    config = replace(MAIN_JOB, epochs=1, batch_size=8, precision="fp32", output_dir=None)
    for pretrained in (True, False):
        run = finetune_and_test(tiny, 8, pretrained, config, max_length=16, min_steps=1)
        assert run.start == ("pretrained" if pretrained else "random init")
        assert run.train_examples == 8 and run.epochs == 1 and run.optimizer_steps == 1
        assert 0 <= run.validation_accuracy <= 1 and run.test_accuracy in {i / 8 for i in range(9)}


def test_the_ablation_scores_test_in_the_precision_validation_was_scored_in(monkeypatch):
    """A run trained (and validated) in bf16 is tested in bf16 too, not in fp32."""
    import helpers.pretraining as ablation

    sample = load_sample()
    tiny = DatasetSplits("tiny", *(balanced_subset(s, 4) for s in (
        sample.train, sample.validation, sample.test)), sample.label_names)  # fmt: skip
    seen = []
    monkeypatch.setattr(
        ablation.SentimentClassifier, "evaluate",
        lambda self, texts, labels: seen.append(self.precision) or SimpleNamespace(accuracy=0.5),
    )  # fmt: skip
    config = replace(MAIN_JOB, epochs=1, batch_size=4, precision="bf16", output_dir=None)
    finetune_and_test(tiny, 4, True, config, max_length=8, min_steps=1)
    assert seen == ["bf16"]


def test_zero_shot_predictions_read_the_top_label():
    def fake_pipeline(texts, candidate_labels, hypothesis_template):
        assert "{}" in hypothesis_template
        ranked = [["positive", "negative"], ["negative", "positive"]]
        return [{"sequence": t, "labels": ranked[i % 2]} for i, t in enumerate(texts)]

    assert zero_shot_predictions(fake_pipeline, ["a", "b", "c"], ["negative", "positive"]) == [
        1,
        0,
        1,
    ]
