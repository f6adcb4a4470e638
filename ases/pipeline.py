"""One run = one cell of the grid: data → pieces → segments → rows → fit → decode → metrics.

``train(cfg, run_dir)`` is the importable pipeline behind ``python -m ases.run``. The
config stops here: everything below it receives typed arguments.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import lightning as L
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ModelCheckpoint
from omegaconf import DictConfig, OmegaConf

from ases.data.example import Example, Splits
from ases.decode import DecodeSettings
from ases.io import write_json_atomic, write_jsonl_atomic
from ases.models.factory import build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.segment.base import SegmentedCoT, Segmenter, segment_all, summarize

log = logging.getLogger(__name__)


def _limit(splits: Splits, limit: DictConfig | None) -> Splits:
    """Keeps the first N examples of each split (``data.limit.train`` etc.)."""
    if not limit:
        return splits
    def cut(xs: list[Example], n: int | None) -> list[Example]:
        return xs if n is None else xs[:n]
    return Splits(cut(splits.train, limit.get("train")), cut(splits.val, limit.get("val")),
                  cut(splits.test, limit.get("test")))


def segment(examples: list[Example], task, segmenter: Segmenter, beta: float,
            merge: bool) -> list[SegmentedCoT]:
    """Pieces, scores, tags and merged segments for every example."""
    pieces = [task.pieces(ex.cot) for ex in examples]
    empty = [ex.qid for ex, ps in zip(examples, pieces, strict=True) if not ps]
    if empty:
        raise ValueError(f"{len(empty)} examples have an empty CoT (first: {empty[0]})")
    questions = [ex.question for ex in examples]
    scores = segmenter.score(questions, pieces)
    return segment_all([ex.qid for ex in examples], questions, pieces, scores, beta, merge)


def train(cfg: DictConfig, run_dir: str | Path) -> dict[str, float]:
    """Runs the whole experiment described by ``cfg`` and writes its run directory.

    Args:
        cfg: the composed Hydra config (``conf/config.yaml``).
        run_dir: where checkpoints, logs, ``segments.jsonl``, ``predictions.jsonl`` and
            ``metrics.json`` go.

    Returns:
        The flat metrics also written to ``metrics.json`` (``test/acc``, …).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if cfg.seed is None:
        raise ValueError("seed must be set (0 is a valid seed)")
    L.seed_everything(int(cfg.seed), workers=True)
    started = time.perf_counter()

    task = instantiate(cfg.task.task)
    splits = _limit(instantiate(cfg.data.loader), cfg.data.get("limit"))
    if not splits.train or not splits.val or not splits.test:
        raise ValueError(f"every split needs examples; got {len(splits.train)} train, "
                         f"{len(splits.val)} val, {len(splits.test)} test")

    segmenter = instantiate(cfg.seg.segmenter)
    seg_train = segment(splits.train, task, segmenter, cfg.seg.beta, cfg.seg.merge)
    seg_val = segment(splits.val, task, segmenter, cfg.seg.beta, cfg.seg.merge)
    metrics: dict[str, float] = {
        "data/n_train": float(len(splits.train)),
        "data/n_val": float(len(splits.val)),
        "data/n_test": float(len(splits.test)),
    }
    if cfg.path.uses_segments:
        metrics.update(summarize(seg_train))
        write_jsonl_atomic(run_dir / "segments.jsonl", (s.to_json() for s in seg_train))
    else:
        metrics["data/pieces_mean"] = summarize(seg_train)["data/pieces_mean"]

    rows_fn = instantiate(cfg.path.rows)
    train_rows, val_rows = rows_fn(seg_train), rows_fn(seg_val)
    metrics["data/rows_train"] = float(len(train_rows))

    spec = ModelSpec(**OmegaConf.to_container(cfg.model, resolve=True))
    tokenizer = build_tokenizer(
        spec, [t for ex in splits.train for t in (ex.question, ex.cot)], cfg.cache_dir, int(cfg.seed))
    L.seed_everything(int(cfg.seed), workers=True)  # the same init whatever ran before
    model = build_model(spec, tokenizer)

    # Objects go in through partials: instantiate() would turn dataclasses into configs.
    dm = instantiate(cfg.datamodule, _partial_=True)(train_rows=train_rows, val_rows=val_rows,
                     test_examples=splits.test, tokenizer=tokenizer,
                     max_source_len=spec.max_source_len, max_target_len=spec.max_target_len,
                     seed=int(cfg.seed))
    decode = DecodeSettings(**OmegaConf.to_container(cfg.decode, resolve=True))
    module = instantiate(cfg.path.module)(
        model=model, tokenizer=tokenizer, task=task, decode=decode,
        max_source_len=spec.max_source_len, max_target_len=spec.max_target_len, **cfg.optim)

    checkpoint = ModelCheckpoint(dirpath=run_dir / "checkpoints", filename="best",
                                 monitor="val/loss", mode="min", save_last=True)
    logger = instantiate(cfg.logger, save_dir=str(run_dir)) if cfg.get("logger") else False
    trainer: L.Trainer = instantiate(cfg.trainer, _partial_=True)(
        default_root_dir=str(run_dir), callbacks=[checkpoint], logger=logger)
    trainer.fit(module, datamodule=dm)
    fitted = time.perf_counter()
    best = checkpoint.best_model_path or None
    if best is None:
        log.warning("no validation ran, so no best checkpoint: testing the last weights")
    trainer.test(module, datamodule=dm, ckpt_path=best, weights_only=True)
    tested = time.perf_counter()

    metrics.update(module.test_metrics)
    if checkpoint.best_model_score is not None:
        metrics["val/loss_best"] = float(checkpoint.best_model_score)
    metrics["train/steps"] = float(trainer.global_step)
    metrics["time/fit_s"] = fitted - started
    metrics["time/test_s"] = tested - fitted
    for key, value in dm.truncated.items():
        metrics[f"data/truncated_{key}"] = float(value)
    write_jsonl_atomic(run_dir / "predictions.jsonl", module.records)
    write_json_atomic(run_dir / "metrics.json", metrics)
    return metrics
