"""The scorer stage and the entropy and loss segmenters."""

from __future__ import annotations

import multiprocessing as mp
import random
import time

import numpy as np
import pytest
import torch
from conftest import compose_cfg

import ases.segmenting as segmenting
from ases.config import RunConfig
from ases.models.factory import build_model, build_tokenizer
from ases.models.seq2seq import Seq2SeqAdapter
from ases.models.spec import ModelSpec
from ases.runs.cache import cached_dir
from ases.segment.base import AS, ES, merge, segment_all, tag
from ases.segment.entropy import EntropySegmenter
from ases.segment.loss import LossSegmenter
from ases.segment.scorer import PieceStats, load_scorer, token_stats
from ases.tasks.mwp import MWPTask

SPEC = ModelSpec(vocab_size=200, d_model=32, d_ff=64, d_kv=8, num_heads=2, num_layers=1,
                 num_decoder_layers=1, dropout=0.0)
QUESTIONS = ["Ann has 4 pens and buys 3 more. How many pens?", "Bo reads 10 pages a day for 2 days."]
PIECES = [["Ann has 4 pens.", "She buys 3 more.", "So 4 + 3 = 7 pens.", "The answer is 7."],
          ["Bo reads 10 pages a day.", "In 2 days that is 10 x 2 = 20 pages.", "The answer is 20."]]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    texts = QUESTIONS + [p for ps in PIECES for p in ps]
    tok = build_tokenizer(SPEC, texts * 10, tmp_path_factory.mktemp("cache"))
    torch.manual_seed(0)
    return build_model(SPEC, tok).eval(), tok


def test_pieces_tokenize_like_the_joined_cot(tiny):
    _, tok = tiny
    for ps in PIECES:
        joined = tok(" ".join(ps), add_special_tokens=False)["input_ids"]
        ids, owners = Seq2SeqAdapter(tok).piece_targets(ps)
        assert ids == joined and owners == sorted(owners) and set(owners) == set(range(len(ps)))


def test_batched_stats_equal_a_slow_direct_computation(tiny):
    model, tok = tiny
    fast = token_stats(Seq2SeqAdapter(tok), model, QUESTIONS, PIECES, max_source_len=64, batch_size=2,
                       progress=False)
    for q, ps, got in zip(QUESTIONS, PIECES, fast, strict=True):
        src = tok(f"{q} =>", return_tensors="pt")
        ids = [tok(p, add_special_tokens=False)["input_ids"] for p in ps]
        labels = torch.tensor([[t for p in ids for t in p] + [tok.eos_token_id]])
        with torch.no_grad():
            logits = model(**src, labels=labels).logits[0]  # (T, V), one example, no padding
        probs = torch.softmax(logits.double(), -1)
        pos = 0
        for p, stats in zip(ids, got, strict=True):
            for j in range(len(p)):
                row = probs[pos + j]
                entropy = float(-(row * row.log()).sum())
                nll = float(-row[p[j]].log())
                assert stats.entropy[j] == pytest.approx(entropy, rel=1e-4, abs=1e-4)
                assert stats.nll[j] == pytest.approx(nll, rel=1e-4, abs=1e-4)
            pos += len(p)
    # no piece skipped, the last partial batch included
    one_batch = token_stats(Seq2SeqAdapter(tok), model, QUESTIONS * 3, PIECES * 3, 64, batch_size=4,
                            progress=False)
    assert [len(x) for x in one_batch] == [len(p) for p in PIECES * 3]


class _StubScorer:
    def __init__(self, values):
        self.values = values

    def stats(self, questions, pieces):
        return [[PieceStats(np.array(v, dtype=np.float32), np.array(v, dtype=np.float32) * 2)
                 for v in ex] for ex in self.values]


@pytest.mark.parametrize("cls", [EntropySegmenter, LossSegmenter])
def test_known_tags_from_known_token_values(cls):
    # piece means: 1, 3, 1, 5 -> mean 2.5 -> AS where mean > 2.5 (beta 1)
    values = [[[1.0, 1.0], [2.0, 4.0], [1.0], [5.0, 5.0, 5.0]]]
    seg = cls(reduce="mean")
    seg.connect(_StubScorer(values))
    scores = seg.score(["q"], [["a", "b", "c", "d"]])[0]
    factor = 2.0 if cls is LossSegmenter else 1.0
    assert scores == pytest.approx([1 * factor, 3 * factor, 1 * factor, 5 * factor])
    assert tag(scores, 1.0)[0] == [ES, AS, ES, AS]
    summed = cls(reduce="sum")
    summed.connect(_StubScorer(values))
    assert summed.score(["q"], [["a", "b", "c", "d"]])[0] == pytest.approx(
        [2 * factor, 6 * factor, 1 * factor, 15 * factor])


@pytest.mark.parametrize("cls", [EntropySegmenter, LossSegmenter])
def test_unknown_reduce_and_missing_scorer(cls):
    with pytest.raises(ValueError, match="seg.reduce"):
        cls(reduce="max")
    with pytest.raises(RuntimeError, match="connect"):
        cls().score(["q"], [["a"]])


def test_raising_beta_never_increases_the_as_fraction():
    rng = random.Random(0)
    scores = [[rng.random() * 5 for _ in range(rng.randint(1, 9))] for _ in range(300)]
    fractions = []
    for beta in (0.5, 0.8, 1.0, 1.1, 1.2, 1.4, 1.6, 2.0, 3.0):
        tags = [t for s in scores for t in tag(s, beta)[0]]
        fractions.append(sum(t == AS for t in tags) / len(tags))
    assert fractions == sorted(fractions, reverse=True)
    assert fractions[0] > fractions[-1]


def test_merging_gives_strictly_alternating_segments():
    rng = random.Random(1)
    for _ in range(200):
        n = rng.randint(1, 12)
        segs = merge([f"p{i}." for i in range(n)], [rng.choice([AS, ES]) for _ in range(n)])
        assert all(a.tag != b.tag for a, b in zip(segs, segs[1:], strict=False))
        assert " ".join(s.text for s in segs) == " ".join(f"p{i}." for i in range(n))


def _pieced(n=24):
    task = MWPTask()
    exs = [segmenting.Example(f"q{i}", f"Ann has {i} pens and buys 3. How many?",
                            f"Ann has {i} pens. She buys 3 more pens. So she has {i} + 3 = {i + 3} "
                            f"pens. The answer is {i + 3}.", str(i + 3)) for i in range(n)]
    return task, segmenting.cut_pieces(exs, task)


def test_scorer_is_cached_and_not_retrained_for_beta_or_path(monkeypatch, tmp_path):
    calls = []
    real = segmenting.fit_scorer
    monkeypatch.setattr(segmenting, "fit_scorer", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    task, pieced = _pieced()
    base = ["seg=entropy", "debug=fast", f"cache_dir={tmp_path}"]
    cfgs = [compose_cfg(base), compose_cfg([*base, "seg.beta=1.4"]),
            compose_cfg([*base, "path=uni", "seg.reduce=sum"]), compose_cfg([*base, "seg=loss"])]
    spec = ModelSpec(**{k: v for k, v in cfgs[0].model.items()})
    tok = build_tokenizer(spec, [p.question for p in pieced] + [" ".join(p.pieces) for p in pieced], tmp_path)
    scorers = [segmenting.piece_scorer(RunConfig.from_hydra(c), Seq2SeqAdapter(tok), task, pieced[:20],
                                     pieced[20:]) for c in cfgs]
    assert len(calls) == 1
    assert len({str(s.identity) for s in scorers}) == 1
    compose = compose_cfg([*base, "seed=1"])
    segmenting.piece_scorer(RunConfig.from_hydra(compose), Seq2SeqAdapter(tok), task, pieced[:20],
                          pieced[20:])
    assert len(calls) == 2  # a new seed is a new scorer
    for seed in (2, 3):  # ... unless the scorer's seed is fixed: seed 1's scorer, reused
        pinned = compose_cfg([*base, f"seed={seed}", "seg.scorer.seed=1"])
        segmenting.piece_scorer(RunConfig.from_hydra(pinned), Seq2SeqAdapter(tok), task,
                              pieced[:20], pieced[20:])
    assert len(calls) == 2


def test_scorer_path_errors(tiny, tmp_path):
    model, tok = tiny
    with pytest.raises(FileNotFoundError, match="seg.scorer.path"):
        load_scorer(tmp_path / "nope", tok)
    other = build_tokenizer(ModelSpec(vocab_size=150), ["x y z w v u t s"] * 50, tmp_path / "c2")
    torch.manual_seed(0)
    build_model(SPEC, other).save_pretrained(tmp_path / "other")
    with pytest.raises(ValueError, match="another tokenizer"):
        load_scorer(tmp_path / "other", tok)
    model.save_pretrained(tmp_path / "mine")
    tok.save_pretrained(tmp_path / "mine")
    loaded = load_scorer(tmp_path / "mine", tok)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), loaded.parameters(), strict=True))


def _slow_build(root, marker_dir):
    def build(out):
        (marker_dir / f"built-{mp.current_process().pid}").touch()
        time.sleep(1.0)
        (out / "model.txt").write_text("weights")
    return str(cached_dir(root, "scorer", {"k": 1}, build))


def test_two_processes_build_one_entry(tmp_path):
    ctx = mp.get_context("fork")
    markers = tmp_path / "markers"
    markers.mkdir()
    with ctx.Pool(2) as pool:
        paths = pool.starmap(_slow_build, [(tmp_path / "cache", markers)] * 2)
    assert paths[0] == paths[1]
    assert len(list(markers.iterdir())) == 1
    entries = [p for p in (tmp_path / "cache" / "scorer").iterdir() if not p.name.endswith(".lock")]
    assert len(entries) == 1 and (entries[0] / "model.txt").read_text() == "weights"


def test_segment_all_with_entropy_on_a_real_tiny_scorer(tiny, tmp_path):
    model, tok = tiny
    from ases.segment.scorer import PieceScorer

    seg = EntropySegmenter()
    seg.connect(PieceScorer(Seq2SeqAdapter(tok), model, {"test": 1}, tmp_path, 64))
    scores = seg.score(QUESTIONS, PIECES)
    again = seg.score(QUESTIONS, PIECES)  # read back from the cache
    assert scores == again
    out = segment_all(["a", "b"], QUESTIONS, PIECES, scores, 1.0)
    assert [len(s.tags) for s in out] == [len(p) for p in PIECES]


def test_scores_of_a_given_scorer_folder_follow_its_weights(tiny, tmp_path, monkeypatch):
    """Retraining a scorer into the same folder must not reuse the old cached scores."""
    model, tok = tiny
    task, pieced = _pieced(4)
    folder = tmp_path / "scorer"
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    cfg = compose_cfg(["seg=entropy", "debug=fast", f"cache_dir={tmp_path / 'cache'}",
                       f"seg.scorer.path={folder}"])
    rc = RunConfig.from_hydra(cfg)
    first = segmenting.piece_scorer(rc, Seq2SeqAdapter(tok), task, pieced, pieced).identity
    time.sleep(0.01)
    model.save_pretrained(folder)  # "retrained": same path, new files
    second = segmenting.piece_scorer(rc, Seq2SeqAdapter(tok), task, pieced, pieced).identity
    assert first["path"] == second["path"] and first != second
