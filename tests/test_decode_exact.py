"""Batched iterative decoding gives the same text as one example at a time."""

import torch

from ases.decode import DecodeSettings, decode_iterative
from ases.models.factory import build_model, build_tokenizer
from ases.models.spec import ModelSpec

QUESTIONS = [
    "Ann has 4 pens.",
    "Bo buys 12 apples at $1.50 each and gives 3 away. How many are left?",
    "A train leaves at 2:30 and rides for 95 minutes. When does it arrive?",
    "Cy saves $1,200 a year for 3 years.",
    "Di runs 3.5 miles a day. How far in a week?",
]


def test_batched_equals_one_at_a_time(tmp_path):
    spec = ModelSpec(vocab_size=200, d_model=64, d_ff=128, d_kv=16, num_heads=4,
                     num_layers=2, num_decoder_layers=2, dropout=0.0)
    tok = build_tokenizer(spec, QUESTIONS * 20, tmp_path)
    torch.manual_seed(3)
    model = build_model(spec, tok).eval()
    with torch.no_grad():  # a random model ends at once; make it write something first
        for special in (tok.pad_token_id, tok.eos_token_id, tok.unk_token_id):
            model.lm_head.weight[special] = 0.0
    settings = DecodeSettings(max_new_tokens=12, max_rounds=3)
    # a stop rule that holds on some texts and not others, so examples finish at different rounds
    stop = lambda text: sum(map(ord, text)) % 7 == 0  # noqa: E731
    batched = decode_iterative(model, tok, QUESTIONS, stop, 128, settings)
    single = [decode_iterative(model, tok, [q], stop, 128, settings)[0] for q in QUESTIONS]
    assert [t.segments for t in batched] == [t.segments for t in single]
    assert [t.stop_reason for t in batched] == [t.stop_reason for t in single]
    # the check is not vacuous: the model writes text, and examples finish differently
    assert any(t.segments for t in batched)
    assert len({t.stop_reason for t in batched}) == 2
