"""Lean encoder pass and greedy decoder step for T5-family models (T5, mT5, Flan-T5).

One step of ``T5ForConditionalGeneration.forward`` runs the model's masks, cache classes
and output records for a single new token; with a small model on a CPU that bookkeeping,
not arithmetic, is most of a step. :class:`T5Steps` runs the same layers, through the
model's own modules and the same attention call, on plain tensors: the self-attention
keys and values of the tokens written so far, and the cross-attention keys and values
computed once per batch from the encoder's output. Rows leave with :meth:`T5Steps.keep`.

The encoder's forward builds a (batch, heads, length, length) attention bias, the
relative positions with the padding masked out, in every layer; :func:`encode` builds it
once per pass. Iterative decoding re-encodes the grown context every round, so this is
paid per round.

Both compute what the model's forward computes, with the same operations on the same
layouts: the logits and encoder states are equal bit for bit (tested), so the tokens are
those of ``generate``. :func:`supports` names the models they handle; every other model
keeps the generic path, and so does a model whose forward the lean path does not
reproduce on its first batch (``ases.decoding.loops`` checks that once per model: a transformers
release that changes T5 falls back instead of decoding differently).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F
from transformers import PreTrainedModel

_ATTENTION = ("sdpa", "eager")


def supports(model: PreTrainedModel) -> bool:
    """Whether :func:`encode` and :class:`T5Steps` can decode ``model``: a T5-family model
    with every module in eval mode, SDPA or eager attention in encoder and decoder, not in
    float16 (where T5 clamps hidden states), and not compiled (``model.compile()``: the
    lean path would bypass the compiled forward the user asked for)."""
    encoder, decoder = getattr(model, "encoder", None), getattr(model, "decoder", None)
    return (getattr(model.config, "model_type", None) in ("t5", "mt5")
            and encoder is not None and decoder is not None and hasattr(model, "lm_head")
            and hasattr(encoder, "block") and hasattr(decoder, "block")
            # each stack's own config: the attention that stack runs
            and getattr(encoder.config, "_attn_implementation", None) in _ATTENTION
            and getattr(decoder.config, "_attn_implementation", None) in _ATTENTION
            and not any(m.training for m in model.modules())
            and model.dtype != torch.float16
            and getattr(model, "_compiled_call_impl", None) is None)


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(b, t, H*d_kv) -> (b, H, t, d_kv), a view."""
    return x.view(x.shape[0], x.shape[1], heads, -1).transpose(1, 2)


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor,
            eager: bool) -> torch.Tensor:
    """T5 attention (no 1/sqrt(d) scaling; ``bias`` carries positions and the mask), back
    to (b, t, H*d_kv)."""
    if eager:
        weights = torch.softmax(torch.matmul(q, k.transpose(2, 3)) + bias, dim=-1)
        out = torch.matmul(weights, v)
    else:
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.contiguous(),
                                             dropout_p=0.0, scale=1.0, is_causal=False)
    return out.transpose(1, 2).contiguous().reshape(out.shape[0], out.shape[2], -1)


def _mask_bias(bias: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """``bias`` with the padded keys set to the dtype's minimum, as the model masks them
    (unchanged where nothing is padded)."""
    if bool(attention_mask.all()):
        return bias
    visible = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, S)
    return torch.where(visible, bias, torch.finfo(bias.dtype).min)


def encode(model: PreTrainedModel, input_ids: torch.Tensor,
           attention_mask: torch.Tensor) -> torch.Tensor:
    """The encoder's last hidden state (B, S, d), as ``model.get_encoder()`` gives it,
    with the attention bias built once for all layers."""
    encoder = model.get_encoder()
    eager = encoder.config._attn_implementation == "eager"
    hidden = encoder.embed_tokens(input_ids)  # (B, S, d)
    length = input_ids.shape[1]
    first = encoder.block[0].layer[0].SelfAttention
    bias = _mask_bias(first.compute_bias(length, length, device=input_ids.device),
                      attention_mask).contiguous()  # (B or 1, H, S, S), laid out once
    for block in encoder.block:
        layer, ff_layer = block.layer[0], block.layer[-1]
        attn = layer.SelfAttention
        normed = layer.layer_norm(hidden)
        q, k, v = (_heads(proj(normed), attn.n_heads) for proj in (attn.q, attn.k, attn.v))
        hidden = ff_layer(hidden + attn.o(_attend(q, k, v, bias, eager)))
    return encoder.final_layer_norm(hidden)


class T5Steps:
    """The decoder state of one batch: call :meth:`step` with each row's last token."""

    def __init__(self, model: PreTrainedModel, encoded: torch.Tensor,
                 attention_mask: torch.Tensor, max_steps: int) -> None:
        """``encoded``: the encoder's last hidden state (B, S, d); ``attention_mask``: the
        source mask (B, S), 1 on real tokens; ``max_steps``: tokens written at most."""
        config = model.config
        self.decoder, self.lm_head = model.decoder, model.lm_head
        self.heads = config.num_heads
        self.eager = model.decoder.config._attn_implementation == "eager"
        # T5 scales the decoder output before a tied head; mT5's config has no such flag
        # and its forward does not scale
        scale = getattr(config, "scale_decoder_outputs", False)
        self.scale_out = config.d_model ** -0.5 if scale else None
        blocks = self.decoder.block
        s, dtype = attention_mask.shape[1], encoded.dtype
        # the cross-attention keys/values and mask, fixed for the whole call
        self.cross_kv = []
        for block in blocks:
            attn = block.layer[1].EncDecAttention
            self.cross_kv.append((self._heads(attn.k(encoded)), self._heads(attn.v(encoded))))
        zeros = torch.zeros((1, self.heads, 1, s), dtype=dtype, device=encoded.device)
        self.cross_bias = _mask_bias(zeros, attention_mask)  # (B or 1, H, 1, S)
        self.self_kv: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * len(blocks)
        # the relative position bias of every step, once: the last query's row over keys
        # at distances T-1 .. 0; step t takes its last t+1 entries (distances t .. 0), the
        # embedding rows the model looks up for a query at t over keys 0..t
        self.max_steps = max_steps
        self.position_bias = blocks[0].layer[0].SelfAttention.compute_bias(
            1, max_steps, device=encoded.device, past_seen_tokens=max_steps - 1)  # (1, H, 1, T)
        self.length = 0

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        """(b, t, H*d_kv) -> (b, H, t, d_kv), contiguous as the model's cache lays it
        (the layout decides the kernels' rounding)."""
        return _heads(x, self.heads).contiguous()

    def step(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits (b, V) of the next token after ``ids`` (b,), each row's last token."""
        hidden = self.decoder.embed_tokens(ids[:, None])  # (b, 1, d)
        t = self.length
        if t >= self.max_steps:
            raise ValueError(f"T5Steps was built for {self.max_steps} steps")
        self.length += 1
        position_bias = self.position_bias[:, :, :, self.max_steps - 1 - t:]
        for i, block in enumerate(self.decoder.block):
            sa_layer, ca_layer, ff_layer = block.layer[0], block.layer[1], block.layer[-1]
            attn = sa_layer.SelfAttention
            normed = sa_layer.layer_norm(hidden)
            q, k, v = (self._heads(proj(normed)) for proj in (attn.q, attn.k, attn.v))
            past = self.self_kv[i]
            if past is not None:
                k, v = torch.cat([past[0], k], dim=-2), torch.cat([past[1], v], dim=-2)
            self.self_kv[i] = (k, v)
            hidden = hidden + attn.o(_attend(q, k, v, position_bias, self.eager))
            cross = ca_layer.EncDecAttention
            normed = ca_layer.layer_norm(hidden)
            ck, cv = self.cross_kv[i]
            hidden = hidden + cross.o(_attend(self._heads(cross.q(normed)), ck, cv,
                                              self.cross_bias, self.eager))
            hidden = ff_layer(hidden)
        hidden = self.decoder.final_layer_norm(hidden)
        if self.scale_out is not None:
            hidden = hidden * self.scale_out
        return self.lm_head(hidden)[:, -1, :]

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` (indices into the current batch)."""
        self.cross_kv = [(k[rows], v[rows]) for k, v in self.cross_kv]
        self.self_kv = [None if kv is None else (kv[0][rows], kv[1][rows]) for kv in self.self_kv]
        if self.cross_bias.shape[0] > 1:  # one row of bias serves all when nothing is padded
            self.cross_bias = self.cross_bias[rows]
