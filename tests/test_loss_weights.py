"""``path.loss_weights``: what counts once in the training loss (token, row or segment), for
T5 and decoder-only students, and the segmented baseline it makes possible."""

from __future__ import annotations

import pytest
import torch
from conftest import compose_cfg
from conftest import segmented_cot as _cot

from ases.config import RunConfig
from ases.models.factory import build_adapter, build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.paths.rows import segment_rows, whole_rows
from ases.segment.base import AS, ES
from ases.training.datamodule import RowsDataModule, segment_spans

COTS = [
    _cot("a", "Ann has 4 pens and buys 3. How many?",
         [(ES, "Ann has 4 pens."), (AS, "So 4 + 3 = 7 pens."), (ES, "The answer is 7.")]),
    _cot("b", "Bo reads 10 pages a day. How many in 2 days?",
         [(AS, "In 2 days he reads 10 x 2 = 20 pages."), (ES, "The answer is 20.")]),
    _cot("c", "Cy has 12 eggs and eats 5. How many are left?",
         [(ES, "Cy has 12 eggs."), (AS, "He eats 5, so 12 - 5 = 7 are left."),
          (ES, "The answer is 7.")]),
]
SIZES = dict(vocab_size=200, d_model=32, d_ff=64, d_kv=8, num_heads=4, num_layers=1,
             num_decoder_layers=1, max_source_len=128, max_target_len=64)


@pytest.fixture(scope="module", params=["seq2seq", "causal"])
def student(request, tmp_path_factory):
    spec = ModelSpec(arch=request.param, **SIZES)
    texts = [c.question for c in COTS] + [s.text for c in COTS for s in c.segments]
    tok = build_tokenizer(spec, texts * 10, tmp_path_factory.mktemp("cache"))
    adapter = build_adapter(spec, tok)
    torch.manual_seed(0)
    return adapter, build_model(spec, adapter.tokenizer)


def _batch(adapter, rows, loss_weights):
    dm = RowsDataModule(rows, rows, [], adapter, 128, 64, batch_size=len(rows),
                        eval_batch_size=len(rows), loss_weights=loss_weights)
    dm.setup("fit")
    return next(iter(dm.val_dataloader()))


def _row_losses(adapter, model, rows) -> list[torch.Tensor]:
    """Each row's mean token loss, the row alone in its batch."""
    return [adapter.loss(model, _batch(adapter, [r], "token")) for r in rows]


def test_segment_spans_follow_the_segments_and_cover_the_target(student):
    adapter, _ = student
    for row in whole_rows(COTS):
        target = adapter.encode_rows([row])[1][0]
        spans = segment_spans(adapter, row, target)
        assert len(spans) == len(row.parts) > 1
        assert sum(spans) == len(target)
        # every segment but the last ends where its own tokens end
        assert spans[:-1] == [len(adapter.text_ids(p)) for p in row.parts[:-1]]
    plain = whole_rows([type("P", (), {"qid": "p", "question": "q", "pieces": ["a b", "c"]})()])
    assert plain[0].parts == () and segment_spans(adapter, plain[0], [5, 6, 7]) == [3]


def test_token_weights_give_the_token_mean_and_row_weights_the_row_mean(student):
    adapter, model = student
    rows = segment_rows(COTS)
    singles = _row_losses(adapter, model, rows)
    sizes = [int((_batch(adapter, [r], "token")["labels"] != -100).sum()) for r in rows]
    token_mean = sum(loss * n for loss, n in zip(singles, sizes, strict=True)) / sum(sizes)
    row_mean = sum(singles) / len(singles)
    assert len(set(sizes)) > 1  # rows differ in length, so the two means differ
    torch.testing.assert_close(adapter.loss(model, _batch(adapter, rows, "token")), token_mean)
    torch.testing.assert_close(adapter.loss(model, _batch(adapter, rows, "row")), row_mean)
    assert not torch.isclose(token_mean, row_mean)
    # the family's default: T5 weighs tokens, a decoder-only model rows
    default = adapter.loss(model, _batch(adapter, rows, None))
    torch.testing.assert_close(default, token_mean if adapter.arch == "seq2seq" else row_mean)


def test_segment_weights_count_each_segment_of_a_whole_cot_once(student):
    adapter, model = student
    rows = whole_rows(COTS)
    batch = _batch(adapter, rows, "segment")
    w = batch["weights"]
    for b, cot in enumerate(COTS):  # each segment's tokens sum to one
        assert float(w[b].sum()) == pytest.approx(len(cot.segments))
    seg = adapter.loss(model, batch)
    row = adapter.loss(model, _batch(adapter, rows, "row"))
    token = adapter.loss(model, _batch(adapter, rows, "token"))
    assert len({round(x.item(), 5) for x in (seg.detach(), row.detach(), token.detach())}) == 3


def test_the_segmented_baseline_is_its_own_cell_and_segments_first():
    rc = RunConfig.from_hydra(compose_cfg(["path=seq2seq", "path.loss_weights=segment",
                                           "seg=location"]))
    assert rc.uses_segments and rc.loss_weights == "segment"
    assert rc.cell["path"] == "seq2seq-wsegment" and rc.cell["seg"] == "location"
    plain = RunConfig.from_hydra(compose_cfg(["path=seq2seq"]))
    assert not plain.uses_segments and plain.loss_weights is None
    assert plain.cell["path"] == "seq2seq" and plain.cell["seg"] is None
    causal = RunConfig.from_hydra(compose_cfg(["path=uni", "path.loss_weights=token"]))
    assert causal.cell["path"] == "uni-wtoken"
    short = RunConfig.from_hydra(compose_cfg(["path=seq2seq", "variant=steps640",
                                              "trainer.max_steps=640"]))
    assert short.cell["path"] == "seq2seq-steps640"  # a cell of its own, beside the baseline
    with pytest.raises(ValueError, match="path.loss_weights='tokens'; choose null"):
        RunConfig.from_hydra(compose_cfg(["path=uni", "path.loss_weights=tokens"]))
