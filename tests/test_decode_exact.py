"""Batched iterative decoding gives the same text as one example at a time."""

import pytest
import torch
from transformers import LogitsProcessorList
from transformers.cache_utils import DynamicCache, EncoderDecoderCache
from transformers.modeling_outputs import BaseModelOutput

from ases.decoding.loops import DecodeSettings, decode_iterative
from ases.models import greedy as decode
from ases.models import t5_lean as decode_t5
from ases.models.factory import build_model, build_tokenizer
from ases.models.greedy import (
    ENGINES,
    HoldEndUntilText,
    blank_token_ids,
    greedy_generate,
    plain_greedy,
)
from ases.models.seq2seq import Seq2SeqAdapter
from ases.models.spec import ModelSpec
from ases.text.context import Prompt

QUESTIONS = [
    "Ann has 4 pens.",
    "Bo buys 12 apples at $1.50 each and gives 3 away. How many are left?",
    "A train leaves at 2:30 and rides for 95 minutes. When does it arrive?",
    "Cy saves $1,200 a year for 3 years.",
    "Di runs 3.5 miles a day. How far in a week?",
]


def _tiny_model(tmp_path, seed: int):
    spec = ModelSpec(vocab_size=200, d_model=64, d_ff=128, d_kv=16, num_heads=4,
                     num_layers=2, num_decoder_layers=2, dropout=0.0)
    tok = build_tokenizer(spec, QUESTIONS * 20, tmp_path)
    torch.manual_seed(seed)
    return build_model(spec, tok).eval(), tok


def test_batched_equals_one_at_a_time(tmp_path):
    model, tok = _tiny_model(tmp_path, seed=11)  # a seed whose examples end at rounds 1, 2 and 3
    with torch.no_grad():  # a random model ends at once; make it write something first
        for special in (tok.pad_token_id, tok.eos_token_id, tok.unk_token_id):
            model.lm_head.weight[special] = 0.0
    settings = DecodeSettings(max_new_tokens=12, max_rounds=3)
    # a stop rule that holds on some texts and not others, so examples finish at different rounds
    stop = lambda text: sum(map(ord, text)) % 7 == 0  # noqa: E731
    adapter = Seq2SeqAdapter(tok)
    batched = decode_iterative(adapter, model, QUESTIONS, stop, 128, settings)
    single = [decode_iterative(adapter, model, [q], stop, 128, settings)[0] for q in QUESTIONS]
    assert [t.segments for t in batched] == [t.segments for t in single]
    assert [t.stop_reason for t in batched] == [t.stop_reason for t in single]
    # the check is not vacuous: the model writes text, and examples finish differently
    assert any(t.segments for t in batched)
    assert len({t.stop_reason for t in batched}) == 2


def _model_and_batch(tmp_path):
    model, tok = _tiny_model(tmp_path, seed=5)
    with torch.no_grad():  # T5's own small init writes one token over and over; wider varies
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    enc = tok(QUESTIONS, padding=True, return_tensors="pt")
    return model, tok, enc


def _hf(model, enc, max_new, min_new=None):
    out = model.generate(**enc, max_new_tokens=max_new, num_beams=1, do_sample=False,
                         min_new_tokens=min_new)
    eos = model.generation_config.eos_token_id
    ends = {*(eos if isinstance(eos, list) else [eos]), model.generation_config.pad_token_id}
    return [[t for t in row[1:] if t not in ends] for row in out.tolist()]


def _second_end_token(model, eos_id: int, enc, steps: int) -> None:
    """Make rows end at many different steps: add a second end token, the one the model
    writes first at the most different steps across rows."""
    free = _hf(model, enc, steps)

    def spread(token):
        return len({row.index(token) if token in row else steps for row in free})

    extra = max({t for row in free for t in row}, key=spread)
    model.generation_config.eos_token_id = [eos_id, extra]


@pytest.mark.parametrize("lean", [True, False], ids=["t5-steps", "forward"])
def test_greedy_loop_writes_what_generate_writes_while_dropping_rows(tmp_path, lean):
    model, tok, enc = _model_and_batch(tmp_path)
    assert decode_t5.supports(model)  # lean=True takes the T5 step
    _second_end_token(model, tok.eos_token_id, enc, 16)
    expected = _hf(model, enc, 16)
    lengths = {len(row) for row in expected}
    assert len(lengths) >= 3, f"rows should end at different steps: {lengths}"
    assert greedy_generate(model, enc["input_ids"], enc["attention_mask"], 16,
                           lean=lean) == expected
    if lean:  # the lean path ran: its check against the forward passed
        assert list(decode._LEAN_OK[model].values()) == [True]
    # min_new_tokens forbids the end token for that many steps, as in generate
    assert (greedy_generate(model, enc["input_ids"], enc["attention_mask"], 16, 6, lean=lean)
            == _hf(model, enc, 16, 6))


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_t5_steps_compute_the_forward_logits_bit_for_bit(tmp_path, attention):
    model, tok, enc = _model_and_batch(tmp_path)
    model.set_attn_implementation(attention)
    assert model.decoder.config._attn_implementation == attention
    assert decode_t5.supports(model)
    ids, mask = enc["input_ids"], enc["attention_mask"]
    assert not bool(mask.all())  # padded rows: the cross-attention mask matters
    with torch.inference_mode():
        hidden = model.get_encoder()(input_ids=ids, attention_mask=mask).last_hidden_state
        lean = decode_t5.T5Steps(model, hidden, mask, max_steps=12)
        cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
        tokens = torch.full((ids.shape[0],), model.config.decoder_start_token_id)
        for step in range(12):
            expected = model(encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                             attention_mask=mask, decoder_input_ids=tokens[:, None],
                             use_cache=True, cache=cache).logits[:, -1, :]
            got = lean.step(tokens)
            assert torch.equal(got, expected), f"step {step}: {(got - expected).abs().max()}"
            tokens = expected.argmax(-1)
            if step == 5:  # drop rows 1 and 3 from both, as the greedy loop does
                keep = torch.tensor([0, 2, 4])
                lean.keep(keep)
                cache.batch_select_indices(keep)
                hidden, mask, tokens = hidden[keep], mask[keep], tokens[keep]
        with pytest.raises(ValueError, match="built for 12 steps"):
            lean.step(tokens)


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("padded", [True, False], ids=["padded", "same-length"])
def test_lean_encoder_pass_equals_the_models_bit_for_bit(tmp_path, attention, padded):
    model, tok, enc = _model_and_batch(tmp_path)
    model.set_attn_implementation(attention)
    ids, mask = enc["input_ids"], enc["attention_mask"]
    if not padded:  # nothing to mask: the bias is the position bias alone
        ids, mask = ids[:, :4], mask[:, :4]
        assert bool(mask.all())
    with torch.inference_mode():
        expected = model.get_encoder()(input_ids=ids, attention_mask=mask).last_hidden_state
        got = decode_t5.encode(model, ids, mask)
    assert got.shape == expected.shape
    assert torch.equal(got, expected), (got - expected).abs().max()


def test_greedy_loop_without_padding_drops_rows(tmp_path):
    """Unpadded sources share one row of cross-attention bias; dropping rows keeps it."""
    model, tok, enc = _model_and_batch(tmp_path)
    ids, mask = enc["input_ids"][:, :4], enc["attention_mask"][:, :4]
    _second_end_token(model, tok.eos_token_id, {"input_ids": ids, "attention_mask": mask}, 12)
    expected = _hf(model, {"input_ids": ids, "attention_mask": mask}, 12)
    assert len({len(row) for row in expected}) >= 2  # some rows leave before others
    assert greedy_generate(model, ids, mask, 12) == expected
    assert list(decode._LEAN_OK[model].values()) == [True]


def test_t5_steps_decline_models_they_do_not_reproduce(tmp_path):
    model, tok, enc = _model_and_batch(tmp_path)
    assert decode_t5.supports(model)
    assert not decode_t5.supports(model.train())  # dropout
    model.eval()
    model.decoder.block[1].layer[-1].train()  # one submodule left in train mode: its dropout
    assert not decode_t5.supports(model)
    model.eval()
    assert not decode_t5.supports(model.half())  # T5 clamps float16 hidden states
    model.float()
    model.encoder.config._attn_implementation = "flex_attention"  # the encoder counts too
    assert not decode_t5.supports(model)
    model.encoder.config._attn_implementation = "sdpa"
    assert decode_t5.supports(model)
    model.decoder.config._attn_implementation = "flex_attention"
    assert not decode_t5.supports(model)


def test_engines_agree_and_settings_that_change_logits_go_to_generate(tmp_path):
    model, tok, enc = _model_and_batch(tmp_path)
    assert plain_greedy(model, 1) and not plain_greedy(model, 4)
    model.generation_config.no_repeat_ngram_size = 2
    assert not plain_greedy(model, 1)
    texts = {engine: Seq2SeqAdapter(tok).generate(model, [Prompt(q) for q in QUESTIONS], 64, 10, engine=engine)
             for engine in ENGINES}
    assert texts["ases"] == texts["hf"]
    model.generation_config.no_repeat_ngram_size = 0
    texts = {engine: Seq2SeqAdapter(tok).generate(model, [Prompt(q) for q in QUESTIONS], 64, 10, engine=engine)
             for engine in ENGINES}
    assert texts["ases"] == texts["hf"] and any(texts["ases"])
    assert list(decode._LEAN_OK[model].values()) == [True]  # "ases" took the lean path


def test_mt5_takes_the_lean_path_and_writes_what_generate_writes():
    """mT5 differs from T5 (no decoder-output scaling, its own config class)."""
    from transformers import MT5Config, MT5ForConditionalGeneration

    torch.manual_seed(0)
    config = MT5Config(vocab_size=100, d_model=32, d_ff=64, d_kv=8, num_heads=4, num_layers=2,
                       num_decoder_layers=2, dropout_rate=0.0, pad_token_id=0, eos_token_id=1,
                       decoder_start_token_id=0)
    model = MT5ForConditionalGeneration(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    assert not getattr(model.config, "scale_decoder_outputs", False)
    ids = torch.randint(2, 100, (4, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    mask[3, 4:] = 0
    enc = {"input_ids": ids, "attention_mask": mask}
    _second_end_token(model, 1, enc, 12)
    assert greedy_generate(model, ids, mask, 12) == _hf(model, enc, 12)
    assert decode_t5.supports(model) and list(decode._LEAN_OK[model].values()) == [True]


def test_a_lean_path_that_disagrees_with_the_forward_falls_back(tmp_path, monkeypatch, caplog):
    """As if a transformers release changed T5: the first batch's check catches it."""
    model, tok, enc = _model_and_batch(tmp_path)
    real_step = decode_t5.T5Steps.step
    monkeypatch.setattr(decode_t5.T5Steps, "step", lambda self, ids: real_step(self, ids) * 1.5)
    with caplog.at_level("WARNING", logger="ases.decoding.loops"):
        out = greedy_generate(model, enc["input_ids"], enc["attention_mask"], 10)
    assert "does not reproduce" in caplog.text
    assert out == _hf(model, enc, 10)  # the generic loop decoded it


def test_a_lean_path_that_fails_on_a_t5_look_alike_falls_back(tmp_path, monkeypatch, caplog):
    model, tok, enc = _model_and_batch(tmp_path)

    def broken(*args, **kwargs):
        raise AttributeError("'Block' object has no attribute 'layer'")

    monkeypatch.setattr(decode_t5, "encode", broken)
    with caplog.at_level("WARNING", logger="ases.decoding.loops"):
        out = greedy_generate(model, enc["input_ids"], enc["attention_mask"], 10)
    assert "AttributeError" in caplog.text
    assert out == _hf(model, enc, 10)


def test_a_compiled_model_keeps_its_compiled_forward(tmp_path):
    model, tok, enc = _model_and_batch(tmp_path)
    model.compile()  # in place and lazy: nothing compiles until a call
    assert not decode_t5.supports(model)


@pytest.mark.parametrize("lean", [True, False], ids=["t5-steps", "forward"])
def test_holding_the_end_until_text_is_the_same_in_both_engines(tmp_path, lean):
    """``must_write`` (the dual path's turns that may not pass): no row ends before it has
    written a token outside the blank set; the greedy loop and ``generate`` with
    :class:`HoldEndUntilText` write the same tokens."""
    model, tok, enc = _model_and_batch(tmp_path)
    _second_end_token(model, tok.eos_token_id, enc, 16)
    free = _hf(model, enc, 16)
    # call "blank" every token some row writes before its first end: the hold then bites
    blank = torch.tensor(sorted({t for row in free for t in row[:3]}), dtype=torch.long)
    held = greedy_generate(model, enc["input_ids"], enc["attention_mask"], 16, lean=lean,
                           blank_ids=blank)
    assert held != free
    for row in held:
        assert len(row) == 16 or any(t not in blank.tolist() for t in row)
    eos = model.generation_config.eos_token_id
    out = model.generate(**enc, max_new_tokens=16, num_beams=1, do_sample=False,
                         logits_processor=LogitsProcessorList([HoldEndUntilText(blank, eos, start=1)]))
    ends = {*eos, model.generation_config.pad_token_id}
    assert held == [[t for t in row[1:] if t not in ends] for row in out.tolist()]


def test_blank_tokens_write_no_visible_character(tmp_path):
    _, tok = _tiny_model(tmp_path, seed=0)
    blank = set(blank_token_ids(tok).tolist())
    assert tok.convert_tokens_to_ids("▁") in blank and tok.eos_token_id in blank
    assert all(tok.decode([i], skip_special_tokens=True).strip() for i in range(len(tok)) if i not in blank)
    assert len(blank) < 10
