"""Dual path (two models taking turns) and tagged uni path."""

from __future__ import annotations

import lightning as L
import pytest
import torch
from conftest import ScriptedAdapter
from conftest import segmented_cot as _cot

from ases.decoding.loops import END, STOP_RULE, DecodeSettings, decode_dual, decode_iterative
from ases.models.factory import build_model, build_tokenizer
from ases.models.seq2seq import Seq2SeqAdapter
from ases.models.spec import ModelSpec
from ases.paths.dual import DualPath
from ases.paths.rows import dual_rows, row_summary, segment_rows
from ases.segment.base import AS, ES
from ases.tasks.mwp import MWPTask
from ases.text.context import add_tag, context, split_tag
from ases.training.datamodule import RowsDataModule

COTS = [
    _cot("a", "Ann has 4 pens and buys 3. How many?",
         [(ES, "Ann has 4 pens."), (AS, "So 4 + 3 = 7 pens."), (ES, "The answer is 7.")]),
    _cot("b", "Bo reads 10 pages a day. How many in 2 days?",
         [(AS, "In 2 days he reads 10 x 2 = 20 pages."), (ES, "The answer is 20.")]),
]


def test_tags_round_trip():
    for tag in (ES, AS):
        assert split_tag(add_tag(tag, "So 4 + 3 = 7.")) == (tag, "So 4 + 3 = 7.")
    assert split_tag("no tag here") == (None, "no tag here")
    assert add_tag(AS, "") == ""  # the stop target stays empty
    rows = segment_rows(COTS, tagged=True)
    assert rows[1].target == "[AS] So 4 + 3 = 7 pens." and rows[1].kind == AS
    assert rows[3].kind == "STOP" and rows[3].target == ""


def test_dual_rows_pass_only_where_a_cot_opens_with_as_and_the_last_writer_ends():
    rows = dual_rows(COTS)
    a = [(r.kind, r.target) for r in rows if r.qid == "a"]
    assert a == [(ES, "Ann has 4 pens."), (AS, "So 4 + 3 = 7 pens."), (ES, "The answer is 7. [END]")]
    b = [(r.kind, r.target) for r in rows if r.qid == "b"]
    assert b == [(ES, ""), (AS, "In 2 days he reads 10 x 2 = 20 pages."), (ES, "The answer is 20. [END]")]
    first_b = next(r for r in rows if r.qid == "b")
    assert first_b.source == context(COTS[1].question, [])
    summary = row_summary(rows)
    assert summary["data/rows_empty_share"] == pytest.approx(1 / 6)
    assert summary["data/rows_empty_share_es"] == pytest.approx(1 / 4)
    assert summary["data/rows_empty_share_as"] == 0.0
    assert summary["data/rows_train_es"] == 4 and summary["data/rows_train_as"] == 2


def test_dual_decoder_follows_the_rows():
    table = {(r.kind, r.source): r.target for r in dual_rows(COTS)}
    calls = []

    def perfect(model, sources):
        calls.append((model, len(sources)))
        return [table[(model, s)] for s in sources]

    questions = [c.question for c in COTS]
    for is_finished, reason in ((lambda t: False, END), (MWPTask().is_finished, STOP_RULE)):
        calls.clear()
        traces = decode_dual(ScriptedAdapter(perfect), "ES", "AS", questions, is_finished, 128,
                             DecodeSettings(max_rounds=10))
        for cot, tr in zip(COTS, traces, strict=True):
            assert tr.segments == [s.text for s in cot.segments]
            assert tr.types == [s.tag for s in cot.segments]
            assert tr.stop_reason == reason
        assert traces[0].rounds == 3 and traces[1].rounds == 3  # b: pass, AS, ES (end)
        assert traces[1].turns == [(ES, False), (AS, True), (ES, True)]
        assert calls[0] == ("ES", 2)  # every example starts with the ES model, in one batch


def test_tagged_decoder_records_types():
    table = {r.source: r.target for r in segment_rows(COTS, tagged=True)}
    scripted = ScriptedAdapter(lambda m, sources: [table[s] for s in sources])
    traces = decode_iterative(scripted, None, [c.question for c in COTS], lambda t: False, 128,
                              DecodeSettings(), tagged=True)
    assert traces[0].segments == [s.text for s in COTS[0].segments]
    assert traces[0].types == [ES, AS, ES]
    assert traces[1].types == [AS, ES]


SPEC = ModelSpec(vocab_size=200, d_model=32, d_ff=64, d_kv=8, num_heads=2, num_layers=1,
                 num_decoder_layers=1, max_source_len=64, max_target_len=32, dropout=0.0)


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    texts = [c.question for c in COTS] + [s.text for c in COTS for s in c.segments]
    return build_tokenizer(SPEC, texts * 10, tmp_path_factory.mktemp("cache"))


def test_both_dual_models_get_gradients_and_change(tok):
    L.seed_everything(0)
    module = DualPath(build_model(SPEC, tok), build_model(SPEC, tok), Seq2SeqAdapter(tok), MWPTask(),
                      DecodeSettings(max_rounds=3, max_new_tokens=8), 64, 32, lr=1e-2)
    rows = dual_rows(COTS * 4)
    dm = RowsDataModule(rows, rows, [], Seq2SeqAdapter(tok), 64, 32, batch_size=len(rows), eval_batch_size=8)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    L.Trainer(fast_dev_run=1, accelerator="cpu", logger=False, enable_progress_bar=False).fit(module, dm)
    after = module.state_dict()
    for prefix in ("es_model.", "as_model."):
        assert not torch.equal(before[f"{prefix}shared.weight"], after[f"{prefix}shared.weight"])
        assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith(prefix + "decoder."))


def test_batched_dual_equals_one_at_a_time(tok):
    torch.manual_seed(5)
    es, as_ = build_model(SPEC, tok).eval(), build_model(SPEC, tok).eval()
    with torch.no_grad():  # random models end at once; make them write before they stop
        for m in (es, as_):
            for special in (tok.pad_token_id, tok.unk_token_id):
                m.lm_head.weight[special] = 0.0
        es.lm_head.weight[tok.eos_token_id] = 0.0
    qs = [c.question for c in COTS] + ["Cy has 12 apples at $1.50 each."]
    settings = DecodeSettings(max_new_tokens=6, max_rounds=4)
    adapter = Seq2SeqAdapter(tok)
    batched = decode_dual(adapter, es, as_, qs, lambda t: False, 64, settings)
    single = [decode_dual(adapter, es, as_, [q], lambda t: False, 64, settings)[0] for q in qs]
    assert [t.segments for t in batched] == [t.segments for t in single]
    assert [t.types for t in batched] == [t.types for t in single]
    assert [t.turns for t in batched] == [t.turns for t in single]
    assert [t.stop_reason for t in batched] == [t.stop_reason for t in single]
    assert any(t.segments for t in batched)


def test_two_models_built_in_a_row_start_from_different_weights(tok):
    """The dual path's ES and AS models are two initialisations, not one model twice."""
    torch.manual_seed(0)
    a, b = build_model(SPEC, tok), build_model(SPEC, tok)
    assert not torch.equal(a.shared.weight, b.shared.weight)


def test_each_dual_model_can_have_its_own_size():
    from conftest import compose_cfg

    from ases.config import RunConfig

    rc = RunConfig.from_hydra(compose_cfg(["path=dual", "debug=fast",
                                           "path.as_model={d_model: 96, d_kv: 24}"]))
    spec = rc.spec
    es, as_ = rc.specs
    assert es == spec and as_.d_model == 96 and as_.d_kv == 24 and as_.d_ff == spec.d_ff
    assert len(RunConfig.from_hydra(compose_cfg(["path=uni"])).specs) == 1


def test_a_dual_model_can_be_another_model_choice_with_the_same_tokenizer(monkeypatch):
    from conftest import compose_cfg

    import ases.pipeline as pipeline
    from ases.config import RunConfig

    rc = RunConfig.from_hydra(compose_cfg(["path=dual", "model=flan-t5-small",
                                           "+model@path.as_model=flan-t5-base"]))
    spec = rc.spec
    es, as_ = rc.specs
    assert es.pretrained == "google/flan-t5-small" and as_.pretrained == "google/flan-t5-base"

    class Vocab:
        def __init__(self, vocab):
            self.vocab = vocab

        def get_vocab(self):
            return dict(self.vocab)

    run_tokenizer = Vocab({"a": 0, "b": 1})
    monkeypatch.setattr(pipeline, "build_tokenizer", lambda s, texts, cache: Vocab({"a": 0, "b": 1}))
    pipeline.check_shared_tokenizer([es, as_], spec, run_tokenizer, "unused")  # same family: fine
    monkeypatch.setattr(pipeline, "build_tokenizer", lambda s, texts, cache: Vocab({"a": 0, "c": 1}))
    with pytest.raises(ValueError, match=r"path\.as_model \(google/flan-t5-base\) has another tokenizer"):
        pipeline.check_shared_tokenizer([es, as_], spec, run_tokenizer, "unused")


def test_a_decoder_only_model_beside_an_encoder_decoder_is_refused():
    from conftest import compose_cfg

    from ases import pipeline
    from ases.config import RunConfig

    rc = RunConfig.from_hydra(compose_cfg(["path=dual", "model=tiny", "+model@path.as_model=tiny-causal"]))
    with pytest.raises(ValueError, match=r"path\.as_model \(tiny-causal\) is causal but model \(tiny\) "
                                         r"is seq2seq.*both decoder-only"):
        pipeline.check_shared_tokenizer(rc.specs, rc.spec, None, "unused", arch="seq2seq")
