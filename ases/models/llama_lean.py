"""Lean decoding steps for Llama-family decoder-only models (Llama, SmolLM2, Qwen2).

A call of ``LlamaForCausalLM.forward`` builds a 4-D mask, runs its output-capturing and
argument decorators and wraps every layer and cache update; with a small model on a CPU
that bookkeeping is about a third of a decoding step. :func:`step` runs the same modules
(norms, projections, rotary embedding, MLP, the model's own attention function) in the
same order on plain tensors, with one mask built from the carry's padding mask, so the
cache carry (:mod:`ases.models.carry`) pays for arithmetic only.

:func:`supports` names the models it handles; every other decoder-only model keeps its
forward. :func:`matches` checks once per model that a step gives the forward's logits
(a transformers release or a look-alike model that computes otherwise falls back instead
of decoding differently).
"""

from __future__ import annotations

import logging
import sys
import weakref

import torch
from torch import nn
from torch.nn import functional as F
from transformers import PreTrainedModel
from transformers.cache_utils import Cache, DynamicCache
from transformers.integrations.sdpa_attention import sdpa_attention_forward

from ases.models.greedy import logits_close

log = logging.getLogger(__name__)

_TYPES = ("llama", "qwen2")
_PARTS = ("q_proj", "k_proj", "v_proj", "o_proj", "head_dim", "scaling")


def _base(model: PreTrainedModel) -> PreTrainedModel:
    """The model a LoRA wrapper (peft) holds; its adapted layers run inside its modules."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def supports(model: PreTrainedModel) -> bool:
    """Whether :func:`step` can run ``model``: a Llama or Qwen2 causal LM with SDPA
    attention, every module in eval mode, no sliding window, not compiled."""
    base = _base(model)
    inner, config = getattr(base, "model", None), base.config
    layers = getattr(inner, "layers", None)
    return (getattr(config, "model_type", None) in _TYPES
            and getattr(config, "_attn_implementation", None) == "sdpa"
            and not getattr(config, "use_sliding_window", False)
            and layers is not None and len(layers) == config.num_hidden_layers
            and all(hasattr(inner, part) for part in ("embed_tokens", "rotary_emb", "norm"))
            and hasattr(base, "lm_head")
            and all(hasattr(layer.self_attn, part) for layer in layers for part in _PARTS)
            and not any(m.training for m in model.modules())
            and getattr(base, "_compiled_call_impl", None) is None)


def _linear(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A plain ``nn.Linear`` without the module call's hooks machinery; any other module
    (a LoRA layer) as it is."""
    if type(module) is nn.Linear:
        return F.linear(x, module.weight, module.bias)
    return module(x)


def _norm(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Llama's and Qwen2's RMSNorm, the operations of their ``forward``; any other norm
    as it is."""
    if type(module).__name__ not in ("LlamaRMSNorm", "Qwen2RMSNorm"):
        return module(x)
    dtype = x.dtype
    x = x.to(torch.float32)
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + module.variance_epsilon)
    return module.weight * x.to(dtype)


def _mlp(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Llama's and Qwen2's gated MLP, the operations of their ``forward``; any other MLP
    as it is."""
    if type(module).__name__ not in ("LlamaMLP", "Qwen2MLP"):
        return module(x)
    gate = module.act_fn(_linear(module.gate_proj, x))
    return _linear(module.down_proj, gate * _linear(module.up_proj, x))


def step(model: PreTrainedModel, ids: torch.Tensor, positions: torch.Tensor,
         visible: torch.Tensor, cache: Cache) -> torch.Tensor:
    """Reads ``ids`` (B, N) at ``positions`` (B, N) after what ``cache`` holds and returns
    the logits of each row's last token (B, V). ``visible`` (B, T): which of the T = cached
    + N keys each row may see (its padding is not); ``cache`` is updated in place."""
    base = _base(model)
    inner = base.model
    rotate = sys.modules[type(inner.layers[0].self_attn).__module__].apply_rotary_pos_emb
    n, total = ids.shape[1], visible.shape[1]
    causal = torch.ones((n, total), dtype=torch.bool, device=ids.device).tril(total - n)
    mask = visible.bool()[:, None, None, :] & causal  # (B, 1, N, T)
    hidden = inner.embed_tokens(ids)  # (B, N, d)
    cos, sin = inner.rotary_emb(hidden, position_ids=positions)
    for index, layer in enumerate(inner.layers):
        attn = layer.self_attn
        normed = _norm(layer.input_layernorm, hidden)
        shape = (*normed.shape[:-1], -1, attn.head_dim)
        query = _linear(attn.q_proj, normed).view(shape).transpose(1, 2)
        key = _linear(attn.k_proj, normed).view(shape).transpose(1, 2)
        value = _linear(attn.v_proj, normed).view(shape).transpose(1, 2)
        query, key = rotate(query, key, cos, sin)
        key, value = cache.update(key, value, index)
        out, _ = sdpa_attention_forward(attn, query, key, value, mask, dropout=0.0, scaling=attn.scaling)
        hidden = hidden + _linear(attn.o_proj, out.reshape(*normed.shape[:-1], -1).contiguous())
        hidden = hidden + _mlp(layer.mlp, _norm(layer.post_attention_layernorm, hidden))
    return _linear(base.lm_head, _norm(inner.norm, hidden[:, -1:]))[:, -1]


# whether :func:`step` reproduced a model's forward, per model and (dtype, device)
_OK: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def matches(model: PreTrainedModel, sequences: list[list[int]], pad: int,
            cache_arg: str) -> bool:
    """Whether :func:`step` gives the model's forward's logits on these token sequences
    (left-padded into one batch), read whole and then one greedy token more. Checked once
    per model, dtype and device; a mismatch is logged and the caller keeps the forward."""
    device = model.device
    key = (model.dtype, device.type)
    verdicts = _OK.setdefault(model, {})
    if key in verdicts:
        return verdicts[key]
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad, dtype=torch.long, device=device)
    visible = torch.zeros_like(ids)
    for row, seq in enumerate(sequences):
        ids[row, width - len(seq):] = torch.tensor(seq, device=device)
        visible[row, width - len(seq):] = 1
    positions = (visible.cumsum(-1) - 1).clamp(min=0)
    tol = 1e-4 if model.dtype == torch.float32 else 1e-2

    def close(got: torch.Tensor, expected: torch.Tensor) -> bool:
        return logits_close(got, expected, tol)

    failure = None
    try:
        with torch.inference_mode():
            ours, theirs = DynamicCache(), DynamicCache()
            expected = model(input_ids=ids, attention_mask=visible, position_ids=positions,
                             use_cache=True, **{cache_arg: theirs}).logits[:, -1]
            ok = close(step(model, ids, positions, visible, ours), expected)
            if ok:
                token = expected.argmax(-1)[:, None]
                visible = torch.cat([visible, torch.ones_like(token)], 1)
                positions = positions[:, -1:] + 1
                expected = model(input_ids=token, attention_mask=visible, position_ids=positions,
                                 use_cache=True, **{cache_arg: theirs}).logits[:, -1]
                ok = close(step(model, token, positions, visible, ours), expected)
    except Exception as err:  # a look-alike whose modules differ: the forward copes
        ok, failure = False, f"{type(err).__name__}: {err}"
    if not ok:
        log.warning("the lean decoder-only step does not reproduce %s's forward (%s); "
                    "decoding it through its forward instead", type(_base(model)).__name__,
                    failure or f"dtype {key[0]}, {key[1]}")
    verdicts[key] = ok
    return ok
