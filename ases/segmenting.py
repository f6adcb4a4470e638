"""The pipeline's pieces-and-segments stages: every CoT cut into pieces, scored, tagged and
merged, and the piece scorer that entropy/loss segmentation needs (a path's checkpoint, or
the seq2seq baseline trained on the run's own train split, cached).

Lives beside :mod:`ases.pipeline` rather than in ``segment/`` because fitting the scorer
needs the run's config and training (``segment/`` imports neither).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from hydra.utils import instantiate

from ases.config import RunConfig
from ases.data.example import Example
from ases.models.adapter import ModelAdapter
from ases.models.spec import ModelSpec
from ases.runs.cache import cache_key
from ases.segment import scorer
from ases.segment.base import SegmentedCoT, Segmenter, segment_all
from ases.segment.scorer import PieceScorer, load_scorer
from ases.tasks.base import Task
from ases.training.scorer_fit import fit_scorer


@dataclass(frozen=True)
class Pieced:
    """One CoT cut into pieces, with each piece's known type where the task knows it."""

    qid: str
    question: str
    pieces: list[str]
    labels: list[str] | None = None


def cut_pieces(examples: list[Example], task: Task) -> list[Pieced]:
    """Every example's CoT cut into pieces; an empty CoT is an error naming the example."""
    out = []
    for ex in examples:
        pieces = task.pieces(ex.cot)
        out.append(Pieced(ex.qid, ex.question, pieces, task.piece_labels(ex, pieces)))
    empty = [p.qid for p in out if not p.pieces]
    if empty:
        raise ValueError(f"{len(empty)} examples have an empty CoT (first: {empty[0]})")
    return out


def segment(examples: list[Example], task: Task, segmenter: Segmenter, beta: float,
            merge: bool) -> list[SegmentedCoT]:
    """Pieces, scores, tags and merged segments for every example."""
    return segment_pieced(cut_pieces(examples, task), segmenter, beta, merge)


def segment_pieced(pieced: list[Pieced], segmenter: Segmenter, beta: float,
                   merge: bool) -> list[SegmentedCoT]:
    """Scores, tags and merges CoTs that are already cut into pieces."""
    questions = [p.question for p in pieced]
    scores = segmenter.score(questions, [p.pieces for p in pieced])
    return segment_all([p.qid for p in pieced], questions, [p.pieces for p in pieced], scores,
                       beta, merge)


def scorer_model_key(spec: ModelSpec) -> dict:
    """The model fields that decide a trained scorer's weights, for its cache key: not
    ``gradient_checkpointing`` (the same numbers, recomputed), and ``lora`` only when set,
    so that scorers cached before these fields existed are found again."""
    key = asdict(spec)
    key.pop("gradient_checkpointing")
    if key["lora"] is None:
        key.pop("lora")
    return key


def piece_scorer(rc: RunConfig, adapter: ModelAdapter, task: Task, train: list[Pieced],
                 val: list[Pieced]) -> PieceScorer:
    """The scorer for entropy/loss segmentation: ``seg.scorer.path``, or the seq2seq
    baseline trained on this train split, cached under a key of everything it depends on."""
    assert rc.scorer is not None
    tokenizer = adapter.tokenizer
    if rc.scorer.path:
        model = load_scorer(rc.scorer.path, tokenizer)
        folder = Path(rc.scorer.path).expanduser().resolve()
        # the weights' sizes and times too: a scorer retrained into the same folder must
        # not reuse the old scores
        weights = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                         for p in folder.iterdir() if p.suffix in (".safetensors", ".bin"))
        identity: object = {"path": str(folder), "weights": weights}
    else:
        trainer_cfg = rc.trainer_for_scorer()
        scorer_seed = rc.seed if rc.scorer.seed is None else rc.scorer.seed
        identity = {
            "train": cache_key([(p.qid, p.question, p.pieces) for p in train]),
            "val": cache_key([(p.qid, p.question, p.pieces) for p in val]),
            "model": scorer_model_key(rc.spec),
            "tokenizer": cache_key(sorted(tokenizer.get_vocab().items())),
            "optim": rc.optim,
            "datamodule": rc.nodes["datamodule"],
            "trainer": trainer_cfg,
            "seed": scorer_seed,
            "version": 1,
        }
        folder = scorer.cached_scorer(identity, rc.cache_dir, tokenizer, lambda: fit_scorer(
            rc.spec, adapter, task, train, val,
            make_datamodule=lambda **kw: rc.make("datamodule", on_long_input=rc.on_long_input, **kw),
            make_trainer=instantiate(trainer_cfg, _partial_=True),
            optim=rc.optim, seed=scorer_seed))
        model = load_scorer(folder, tokenizer)
    gpu = rc.trainer["accelerator"] == "gpu" and torch.cuda.is_available()
    device = f"cuda:{int(os.environ.get('LOCAL_RANK') or 0)}" if gpu else "cpu"  # each rank its own GPU
    return PieceScorer(adapter, model.to(device), identity, rc.cache_dir, rc.spec.max_source_len,
                       rc.scorer.batch_size)
