"""The course's attention and BERT encoder agree with torch and transformers."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.attention import (
    CourseBertEncoder,
    EncoderConfig,
    MultiHeadAttention,
    causal_mask,
    encoder_from_pretrained,
    merge_heads,
    padding_mask,
    scaled_dot_product_attention,
    sinusoidal_position_encoding,
    split_heads,
)
from helpers.modeling import load_encoder

TOLERANCE = 1e-4
SENTENCES = [
    "The movie was a delight from start to finish.",
    "Dull.",
    "I expected more from the director, but the actors carried every scene with ease.",
]


def random_query_key_value(batch: int = 2, heads: int = 3, seq: int = 5, head_dim: int = 8):
    """Return three random (batch, heads, seq, head_dim) tensors."""
    generator = torch.Generator().manual_seed(0)
    shape = (batch, heads, seq, head_dim)
    return tuple(torch.randn(shape, generator=generator) for _ in range(3))


# --- scaled dot-product attention -------------------------------------------------------


def test_attention_without_mask_matches_torch():
    query, key, value = random_query_key_value()
    output, attention_weights = scaled_dot_product_attention(query, key, value)
    expected = nn.functional.scaled_dot_product_attention(query, key, value)
    assert torch.allclose(output, expected, atol=1e-6)
    assert torch.allclose(attention_weights.sum(-1), torch.ones(2, 3, 5))


def test_attention_with_padding_mask_matches_torch():
    query, key, value = random_query_key_value()
    attention_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    mask = padding_mask(attention_mask)
    assert mask.shape == (2, 1, 1, 5)
    output, attention_weights = scaled_dot_product_attention(query, key, value, mask)
    expected = nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=mask)
    assert torch.allclose(output, expected, atol=1e-6)
    assert torch.all(attention_weights[1, :, :, 3:] == 0)  # padded keys get no weight


def test_attention_with_causal_mask_matches_torch():
    query, key, value = random_query_key_value()
    mask = causal_mask(5)
    assert torch.equal(mask, torch.tril(torch.ones(5, 5, dtype=torch.bool)))
    output, attention_weights = scaled_dot_product_attention(query, key, value, mask)
    expected = nn.functional.scaled_dot_product_attention(query, key, value, is_causal=True)
    assert torch.allclose(output, expected, atol=1e-6)
    assert torch.all(attention_weights.triu(diagonal=1) == 0)  # nothing from the future


def test_attention_with_causal_and_padding_mask_matches_torch():
    query, key, value = random_query_key_value()
    mask = causal_mask(5) & padding_mask(torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]))
    output, _ = scaled_dot_product_attention(query, key, value, mask)
    expected = nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=mask)
    assert torch.allclose(output, expected, atol=1e-6)


def test_attention_with_different_query_and_key_lengths():
    generator = torch.Generator().manual_seed(1)
    query = torch.randn(2, 4, 3, 16, generator=generator)
    key = torch.randn(2, 4, 7, 16, generator=generator)
    value = torch.randn(2, 4, 7, 10, generator=generator)
    output, attention_weights = scaled_dot_product_attention(query, key, value)
    assert output.shape == (2, 4, 3, 10) and attention_weights.shape == (2, 4, 3, 7)
    assert torch.allclose(
        output, nn.functional.scaled_dot_product_attention(query, key, value), atol=1e-6
    )


# --- heads and multi-head attention -----------------------------------------------------


def test_split_and_merge_heads_are_inverse():
    hidden_states = torch.randn(2, 5, 12)
    heads = split_heads(hidden_states, num_heads=3)
    assert heads.shape == (2, 3, 5, 4)
    assert torch.equal(heads[:, 1], hidden_states[..., 4:8])  # head 1 holds features 4..7
    assert torch.equal(merge_heads(heads), hidden_states)


@pytest.mark.parametrize("use_mask", [False, True])
def test_multi_head_attention_matches_torch(use_mask):
    torch.manual_seed(0)
    torch_attention = nn.MultiheadAttention(embed_dim=16, num_heads=4, batch_first=True).eval()
    course_attention = MultiHeadAttention.from_torch(torch_attention).eval()
    hidden_states = torch.randn(2, 6, 16)
    attention_mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
    mask = padding_mask(attention_mask) if use_mask else None
    # torch's key_padding_mask is the opposite convention: True means "ignore this key".
    key_padding_mask = attention_mask == 0 if use_mask else None
    with torch.no_grad():
        output, attention_weights = course_attention(
            hidden_states, hidden_states, hidden_states, mask
        )
        expected, expected_weights = torch_attention(
            hidden_states,
            hidden_states,
            hidden_states,
            key_padding_mask=key_padding_mask,
            average_attn_weights=False,
        )
    assert torch.allclose(output, expected, atol=1e-5)
    assert torch.allclose(attention_weights, expected_weights, atol=1e-6)


def test_multi_head_attention_causal_matches_torch():
    torch.manual_seed(0)
    torch_attention = nn.MultiheadAttention(embed_dim=16, num_heads=2, batch_first=True).eval()
    course_attention = MultiHeadAttention.from_torch(torch_attention).eval()
    hidden_states = torch.randn(3, 5, 16)
    with torch.no_grad():
        output, _ = course_attention(hidden_states, hidden_states, hidden_states, causal_mask(5))
        expected, _ = torch_attention(
            hidden_states, hidden_states, hidden_states, attn_mask=~causal_mask(5)
        )
    assert torch.allclose(output, expected, atol=1e-5)


def test_multi_head_attention_drops_attention_weights_only_in_training():
    torch.manual_seed(0)
    attention = MultiHeadAttention(hidden_size=16, num_heads=4, dropout=0.5)
    hidden_states = torch.randn(2, 6, 16)
    with torch.no_grad():
        evaluated, weights = attention.eval()(hidden_states, hidden_states, hidden_states)
        trained, trained_weights = attention.train()(hidden_states, hidden_states, hidden_states)
    assert not torch.allclose(evaluated, trained)
    assert torch.allclose(weights, trained_weights)  # the returned weights are before dropout


def test_multi_head_attention_rejects_uneven_heads():
    with pytest.raises(ValueError):
        MultiHeadAttention(hidden_size=10, num_heads=3)


def test_sinusoidal_position_encoding():
    table = sinusoidal_position_encoding(50, 16)
    assert table.shape == (50, 16)
    assert torch.allclose(table[0, 0::2], torch.zeros(8)) and torch.allclose(
        table[0, 1::2], torch.ones(8)
    )
    assert torch.allclose(table[:, 0], torch.sin(torch.arange(50.0)))
    assert sinusoidal_position_encoding(5, 7).shape == (5, 7)  # odd widths work too


# --- the BERT encoder against transformers ----------------------------------------------


def test_random_encoder_runs_with_its_shapes():
    config = EncoderConfig(
        vocab_size=50, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64
    )
    encoder = CourseBertEncoder(config).eval()
    input_ids = torch.randint(0, 50, (2, 7))
    hidden_states, attention_weights = encoder(input_ids, torch.ones(2, 7), return_attention=True)
    assert hidden_states.shape == (2, 7, 32)
    assert len(attention_weights) == 2 and attention_weights[0].shape == (2, 4, 7, 7)


@pytest.fixture(scope="module")
def pretrained():
    """The embedded MiniLM (eager attention, eval mode), its tokenizer and a padded batch."""
    tokenizer, model = load_encoder(attn_implementation="eager")
    model.eval()
    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    assert (batch["attention_mask"] == 0).any(), "the batch should contain padding"
    return tokenizer, model, batch


@pytest.fixture(scope="module")
def outputs(pretrained):
    """Hidden states and attention weights from transformers and from the course encoder."""
    _, model, batch = pretrained
    encoder = encoder_from_pretrained(model)
    with torch.no_grad():
        reference = model(**batch, output_attentions=True)
        hidden_states, attention_weights = encoder(
            batch["input_ids"],
            batch["attention_mask"],
            batch.get("token_type_ids"),
            return_attention=True,
        )
    return reference, hidden_states, attention_weights


def test_encoder_copy_is_in_eval_mode_like_its_source(pretrained):
    _, model, _ = pretrained
    encoder = encoder_from_pretrained(model)
    assert not encoder.training
    assert encoder.config.num_layers == model.config.num_hidden_layers


def test_encoder_matches_transformers_on_real_tokens(pretrained, outputs):
    _, _, batch = pretrained
    reference, hidden_states, _ = outputs
    real_tokens = batch["attention_mask"].bool()
    difference = (hidden_states - reference.last_hidden_state)[real_tokens].abs().max().item()
    print(f"max abs difference on real tokens: {difference:.2e}")
    assert difference < TOLERANCE


def test_encoder_matches_transformers_on_padding_too(outputs):
    # transformers lets padding positions attend to the real tokens, as we do, so even the
    # (meaningless) hidden states at padding positions agree.
    reference, hidden_states, _ = outputs
    difference = (hidden_states - reference.last_hidden_state).abs().max().item()
    print(f"max abs difference on all positions: {difference:.2e}")
    assert difference < TOLERANCE


def test_attention_weights_match_transformers_eager(outputs):
    reference, _, attention_weights = outputs
    assert len(attention_weights) == len(reference.attentions) == 6
    for ours, theirs in zip(attention_weights, reference.attentions, strict=True):
        assert ours.shape == theirs.shape
        assert (ours - theirs).abs().max().item() < TOLERANCE


def test_encoder_matches_transformers_on_sentence_pairs(pretrained):
    # Pairs use both segments, so this also checks the segment (token type) embeddings.
    tokenizer, model, _ = pretrained
    questions = ["Where did the cat sit?", "Is attention all you need?"]
    answers = ["On the mat, all afternoon.", "No."]
    batch = tokenizer(questions, answers, padding=True, return_tensors="pt")
    assert batch["token_type_ids"].any()
    encoder = encoder_from_pretrained(model)
    with torch.no_grad():
        expected = model(**batch).last_hidden_state
        hidden_states = encoder(
            batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
        )
    real_tokens = batch["attention_mask"].bool()
    assert (hidden_states - expected)[real_tokens].abs().max().item() < TOLERANCE


def test_encoder_accepts_a_classification_model(pretrained):
    from transformers import BertForSequenceClassification

    _, model, batch = pretrained
    classifier = BertForSequenceClassification(model.config)
    classifier.bert.load_state_dict(model.state_dict(), strict=False)
    classifier.eval()
    encoder = encoder_from_pretrained(classifier)
    with torch.no_grad():
        expected = classifier.bert(**batch).last_hidden_state
        hidden_states = encoder(batch["input_ids"], batch["attention_mask"])
    assert (hidden_states - expected).abs().max().item() < TOLERANCE
