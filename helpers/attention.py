"""Attention and a BERT encoder written from scratch, small enough to read in one sitting.

Used by notebooks 03 and 04 (imported there as `scratch`).

Everything here is plain PyTorch, checked in ``tests/test_attention.py`` against
``torch.nn.functional.scaled_dot_product_attention``, ``torch.nn.MultiheadAttention`` and
transformers' ``BertModel``. Masks follow torch's boolean convention: ``True`` means
"this query may attend to this key", and a mask broadcasts to
``(batch, heads, query_len, key_len)``.

In a notebook::

    from helpers.attention import encoder_from_pretrained
    encoder = encoder_from_pretrained(bert_model)           # the course's own BERT
    hidden_states = encoder(input_ids, attention_mask)      # (batch, seq, hidden)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

# --------------------------------------------------------------------------------------
# Scaled dot-product attention and masks
# --------------------------------------------------------------------------------------


def scaled_dot_product_attention(
    query: Tensor, key: Tensor, value: Tensor, mask: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Return (output, attention_weights) of softmax(query key^T / sqrt(d_k)) value."""
    d_k = query.size(-1)
    scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)  # (..., query_len, key_len)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # forbidden pairs get weight 0
    attention_weights = torch.softmax(scores, dim=-1)  # each row sums to 1
    output = attention_weights @ value  # (..., query_len, value_dim)
    return output, attention_weights


def padding_mask(attention_mask: Tensor) -> Tensor:
    """Turn a tokenizer's (batch, seq) 1/0 attention_mask into a boolean (batch, 1, 1, seq) mask."""
    return attention_mask.bool()[:, None, None, :]  # (batch, heads=1, query=1, key)


def causal_mask(seq_len: int, device: torch.device | str | None = None) -> Tensor:
    """Return a (seq_len, seq_len) boolean mask letting position i attend to positions <= i."""
    return torch.ones(seq_len, seq_len, dtype=torch.bool, device=device).tril()


def sinusoidal_position_encoding(num_positions: int, dim: int) -> Tensor:
    """Return the (num_positions, dim) sine/cosine position table of 'Attention Is All You Need'."""
    positions = torch.arange(num_positions, dtype=torch.float32)[:, None]  # (positions, 1)
    even_dims = torch.arange(0, dim, 2, dtype=torch.float32)  # (dim / 2,)
    frequencies = torch.exp(-math.log(10000.0) * even_dims / dim)  # 1 / 10000^(2i/dim)
    angles = positions * frequencies  # (positions, dim / 2)
    table = torch.zeros(num_positions, dim)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles[:, : dim // 2])
    return table


# --------------------------------------------------------------------------------------
# Multi-head attention
# --------------------------------------------------------------------------------------


def split_heads(hidden_states: Tensor, num_heads: int) -> Tensor:
    """Reshape (batch, seq, hidden) into (batch, heads, seq, head_dim)."""
    batch, seq, hidden = hidden_states.shape
    head_dim = hidden // num_heads
    # Cut each token's vector into num_heads pieces: (batch, seq, heads, head_dim)
    hidden_states = hidden_states.view(batch, seq, num_heads, head_dim)
    return hidden_states.transpose(1, 2)  # (batch, heads, seq, head_dim)


def merge_heads(hidden_states: Tensor) -> Tensor:
    """Reshape (batch, heads, seq, head_dim) back into (batch, seq, hidden)."""
    batch, heads, seq, head_dim = hidden_states.shape
    hidden_states = hidden_states.transpose(1, 2)  # (batch, seq, heads, head_dim)
    return hidden_states.reshape(batch, seq, heads * head_dim)  # (batch, seq, hidden)


class MultiHeadAttention(nn.Module):
    """Multi-head attention: project, split into heads, attend in each head, merge, project."""

    def __init__(self, hidden_size: int, num_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if hidden_size % num_heads != 0:
            raise ValueError(f"hidden_size {hidden_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.query_projection = nn.Linear(hidden_size, hidden_size)
        self.key_projection = nn.Linear(hidden_size, hidden_size)
        self.value_projection = nn.Linear(hidden_size, hidden_size)
        self.output_projection = nn.Linear(hidden_size, hidden_size)
        self.dropout = nn.Dropout(dropout)  # drops attention weights while training

    def forward(
        self, query: Tensor, key: Tensor, value: Tensor, mask: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        """Return (output (batch, seq, hidden), attention_weights (batch, heads, query, key))."""
        query = split_heads(self.query_projection(query), self.num_heads)
        key = split_heads(self.key_projection(key), self.num_heads)
        value = split_heads(self.value_projection(value), self.num_heads)
        # query, key, value: (batch, heads, seq, head_dim)
        context, attention_weights = scaled_dot_product_attention(query, key, value, mask)
        if self.training and self.dropout.p > 0:  # as in BERT: drop weights, then mix values
            context = self.dropout(attention_weights) @ value
        context = merge_heads(context)  # (batch, seq, hidden)
        return self.output_projection(context), attention_weights

    @classmethod
    def from_torch(cls, torch_attention: nn.MultiheadAttention) -> MultiHeadAttention:
        """Build a copy of a torch.nn.MultiheadAttention (same weights) in the course's module."""
        hidden_size, num_heads = torch_attention.embed_dim, torch_attention.num_heads
        course_attention = cls(hidden_size, num_heads)
        # torch stores the three input projections stacked: rows are [query; key; value].
        weights = torch_attention.in_proj_weight.detach().chunk(3, dim=0)
        biases = torch_attention.in_proj_bias.detach().chunk(3, dim=0)
        projections = [
            course_attention.query_projection,
            course_attention.key_projection,
            course_attention.value_projection,
        ]
        with torch.no_grad():
            for projection, weight, bias in zip(projections, weights, biases, strict=True):
                projection.weight.copy_(weight)
                projection.bias.copy_(bias)
        course_attention.output_projection.load_state_dict(torch_attention.out_proj.state_dict())
        return course_attention


# --------------------------------------------------------------------------------------
# A BERT encoder
# --------------------------------------------------------------------------------------


@dataclass
class EncoderConfig:
    """The sizes of a BERT encoder (bert-base defaults)."""

    vocab_size: int = 30522
    hidden_size: int = 768
    num_layers: int = 12
    num_heads: int = 12
    intermediate_size: int = 3072
    max_positions: int = 512
    num_segments: int = 2
    layer_norm_eps: float = 1e-12
    dropout: float = 0.1

    @classmethod
    def from_bert_config(cls, config: Any) -> EncoderConfig:
        """Read the sizes from a transformers BertConfig."""
        return cls(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            num_layers=config.num_hidden_layers,
            num_heads=config.num_attention_heads,
            intermediate_size=config.intermediate_size,
            max_positions=config.max_position_embeddings,
            num_segments=config.type_vocab_size,
            layer_norm_eps=config.layer_norm_eps,
            dropout=config.hidden_dropout_prob,
        )


class Embeddings(nn.Module):
    """Token + position + segment embeddings, then LayerNorm and dropout."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.token_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position_embeddings = nn.Embedding(config.max_positions, config.hidden_size)
        self.segment_embeddings = nn.Embedding(config.num_segments, config.hidden_size)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None) -> Tensor:
        """Return (batch, seq, hidden) embeddings of the token ids."""
        seq_len = input_ids.size(1)
        positions = torch.arange(seq_len, device=input_ids.device)[None, :]  # (1, seq)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)  # one segment: sentence A everywhere
        embeddings = (
            self.token_embeddings(input_ids)
            + self.position_embeddings(positions)
            + self.segment_embeddings(token_type_ids)
        )  # (batch, seq, hidden)
        return self.dropout(self.layer_norm(embeddings))


class FeedForward(nn.Module):
    """Position-wise feed-forward network: Linear, GELU, Linear."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.expand = nn.Linear(config.hidden_size, config.intermediate_size)
        # The exact (erf) GELU, transformers' "gelu" for BERT (Google's code used a tanh form).
        self.activation = nn.GELU()
        self.contract = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, hidden_states: Tensor) -> Tensor:
        """Apply the same two-layer network to every position."""
        return self.contract(self.activation(self.expand(hidden_states)))


class EncoderLayer(nn.Module):
    """One BERT block: self-attention, add & norm, feed-forward, add & norm (post-LayerNorm)."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.attention = MultiHeadAttention(config.hidden_size, config.num_heads, config.dropout)
        self.attention_dropout = nn.Dropout(config.dropout)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.feed_forward = FeedForward(config)
        self.feed_forward_dropout = nn.Dropout(config.dropout)
        self.feed_forward_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Return (new hidden_states, attention_weights (batch, heads, seq, seq))."""
        attended, attention_weights = self.attention(
            hidden_states, hidden_states, hidden_states, mask
        )
        hidden_states = self.attention_norm(hidden_states + self.attention_dropout(attended))
        transformed = self.feed_forward(hidden_states)
        hidden_states = self.feed_forward_norm(
            hidden_states + self.feed_forward_dropout(transformed)
        )
        return hidden_states, attention_weights


class CourseBertEncoder(nn.Module):
    """The course's BERT encoder: embeddings followed by a stack of encoder layers."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.num_layers))

    def forward(
        self,
        input_ids: Tensor,
        attention_mask: Tensor | None = None,
        token_type_ids: Tensor | None = None,
        return_attention: bool = False,
    ) -> Tensor | tuple[Tensor, tuple[Tensor, ...]]:
        """Return the last hidden states (batch, seq, hidden); with return_attention, also
        a tuple holding each layer's attention_weights (batch, heads, seq, seq)."""
        mask = None if attention_mask is None else padding_mask(attention_mask)
        hidden_states = self.embeddings(input_ids, token_type_ids)  # (batch, seq, hidden)
        all_attention_weights = []
        for layer in self.layers:
            hidden_states, attention_weights = layer(hidden_states, mask)
            all_attention_weights.append(attention_weights)
        if return_attention:
            return hidden_states, tuple(all_attention_weights)
        return hidden_states


def _copy_layer_weights(course_layer: EncoderLayer, bert_layer: nn.Module) -> None:
    """Copy one transformers BertLayer's weights into a course EncoderLayer."""
    course_attention, bert_attention = course_layer.attention, bert_layer.attention
    course_attention.query_projection.load_state_dict(bert_attention.self.query.state_dict())
    course_attention.key_projection.load_state_dict(bert_attention.self.key.state_dict())
    course_attention.value_projection.load_state_dict(bert_attention.self.value.state_dict())
    course_attention.output_projection.load_state_dict(bert_attention.output.dense.state_dict())
    course_layer.attention_norm.load_state_dict(bert_attention.output.LayerNorm.state_dict())
    course_layer.feed_forward.expand.load_state_dict(bert_layer.intermediate.dense.state_dict())
    course_layer.feed_forward.contract.load_state_dict(bert_layer.output.dense.state_dict())
    course_layer.feed_forward_norm.load_state_dict(bert_layer.output.LayerNorm.state_dict())


def encoder_from_pretrained(model: nn.Module) -> CourseBertEncoder:
    """Return a CourseBertEncoder carrying the weights of a transformers BertModel.

    Also accepts a model that wraps one in ``.bert`` (e.g. BertForSequenceClassification).
    """
    bert = model.bert if hasattr(model, "bert") else model
    if getattr(bert.config, "hidden_act", "gelu") != "gelu":
        raise ValueError(f"the course encoder uses exact GELU, not {bert.config.hidden_act!r}")
    encoder = CourseBertEncoder(EncoderConfig.from_bert_config(bert.config))
    source = bert.embeddings
    encoder.embeddings.token_embeddings.load_state_dict(source.word_embeddings.state_dict())
    encoder.embeddings.position_embeddings.load_state_dict(source.position_embeddings.state_dict())
    encoder.embeddings.segment_embeddings.load_state_dict(source.token_type_embeddings.state_dict())
    encoder.embeddings.layer_norm.load_state_dict(source.LayerNorm.state_dict())
    for course_layer, bert_layer in zip(encoder.layers, bert.encoder.layer, strict=True):
        _copy_layer_weights(course_layer, bert_layer)
    parameter = next(bert.parameters())
    encoder.to(device=parameter.device, dtype=parameter.dtype)
    return encoder.train(bert.training)
