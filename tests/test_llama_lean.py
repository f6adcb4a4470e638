"""The lean decoder-only step (``ases.models.llama_lean``): the logits of the model's own
forward on Llama and Qwen2 shapes (grouped keys, biased projections, LoRA), and a model
it does not reproduce decodes through its forward."""

from __future__ import annotations

import dataclasses
import logging

import pytest
import torch
from transformers import (
    Gemma3ForCausalLM,
    Gemma3TextConfig,
    LlamaConfig,
    LlamaForCausalLM,
    Qwen2Config,
    Qwen2ForCausalLM,
)
from transformers.cache_utils import DynamicCache

from ases.decoding.loops import DecodeSettings, decode_iterative
from ases.models import llama_lean
from ases.models.factory import build_adapter, build_model, build_tokenizer
from ases.models.lora import add_lora
from ases.models.spec import LoraSpec, ModelSpec

SHAPE = dict(vocab_size=60, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
             num_attention_heads=4)


def _llama(**extra):
    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(**SHAPE, **extra)).eval()


def _qwen2():
    torch.manual_seed(0)
    return Qwen2ForCausalLM(Qwen2Config(**SHAPE, num_key_value_heads=2)).eval()


def _lora_llama():
    model = _llama()
    torch.manual_seed(1)
    wrapped = add_lora(model, LoraSpec(r=4), causal=True)
    with torch.no_grad():  # adapters that change the logits (peft starts B at zero)
        for name, weight in wrapped.named_parameters():
            if ".lora_B." in name:
                weight.normal_(std=0.5)
    return wrapped.eval()


MODELS = {"llama": _llama, "llama-gqa": lambda: _llama(num_key_value_heads=2),
          "llama-bias": lambda: _llama(attention_bias=True, mlp_bias=True),
          "qwen2": _qwen2, "llama-lora": _lora_llama}


def _forward(model, ids, positions, visible, cache):
    out = model(input_ids=ids, attention_mask=visible, position_ids=positions, use_cache=True,
                cache=cache)
    return out.logits[:, -1]


@pytest.mark.parametrize("name", MODELS)
def test_a_lean_step_gives_the_forwards_logits(name):
    """A left-padded batch read whole, then three greedy tokens: each step's logits are the
    forward's (to float rounding) and so are the tokens chosen."""
    model = MODELS[name]()
    assert llama_lean.supports(model)
    ids = torch.tensor([[0, 0, 0, 7, 8], [1, 2, 3, 4, 5]])
    visible = torch.tensor([[0, 0, 0, 1, 1], [1, 1, 1, 1, 1]])
    positions = (visible.cumsum(-1) - 1).clamp(min=0)
    ours, theirs = DynamicCache(), DynamicCache()
    with torch.inference_mode():
        for _ in range(4):
            expected = _forward(model, ids, positions, visible, theirs)
            got = llama_lean.step(model, ids, positions, visible, ours)
            torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
            assert torch.equal(got.argmax(-1), expected.argmax(-1))
            ids = expected.argmax(-1)[:, None]
            visible = torch.cat([visible, torch.ones_like(ids)], 1)
            positions = positions[:, -1:] + 1
    assert llama_lean.matches(model, [[1, 2, 3, 4, 5], [7, 8]], 0, "cache")


def test_models_it_does_not_reproduce_keep_their_forward():
    assert not llama_lean.supports(_llama().train())
    eager = _llama()
    eager.config._attn_implementation = "eager"
    assert not llama_lean.supports(eager)
    torch.manual_seed(0)
    gemma = Gemma3ForCausalLM(Gemma3TextConfig(**SHAPE, head_dim=8)).eval()
    assert not llama_lean.supports(gemma)


class _Shifted(LlamaForCausalLM):
    """A Llama look-alike whose forward adds to every logit (its tokens are a Llama's)."""

    def forward(self, *args, cache=None, **kwargs):
        out = super().forward(*args, cache=cache, **kwargs)
        out.logits = out.logits + 3.0
        return out


SPEC = ModelSpec(arch="causal", vocab_size=120, d_model=32, d_ff=64, d_kv=8, num_heads=4,
                 num_layers=2, max_source_len=96, max_target_len=48)


def test_a_model_the_lean_step_misreads_is_decoded_through_its_forward(tmp_path, caplog):
    texts = ["Ann has 4 pens and buys 3.", "So 4 + 3 = 7 pens.", "The answer is 7."] * 20
    tok = build_tokenizer(SPEC, texts, tmp_path)
    adapter = build_adapter(SPEC, tok)
    torch.manual_seed(2)
    model = build_model(SPEC, tok)
    shifted = _Shifted(model.config).eval()
    shifted.load_state_dict(model.state_dict())
    questions = ["Ann has 4 pens and buys 3. How many?", "Bo reads 10 pages a day."]
    settings = DecodeSettings(max_new_tokens=6, max_rounds=3)
    stop = lambda text: False  # noqa: E731
    with caplog.at_level(logging.WARNING, logger="ases.models.llama_lean"):
        carried = decode_iterative(adapter, shifted, questions, stop, 96, settings)
    assert "does not reproduce _Shifted's forward" in caplog.text
    assert llama_lean._OK[shifted] == {(torch.float32, "cpu"): False}
    whole = decode_iterative(adapter, shifted, questions, stop, 96,
                             dataclasses.replace(settings, engine="hf"))
    assert [t.segments for t in carried] == [t.segments for t in whole]
    assert any(t.segments for t in carried)
