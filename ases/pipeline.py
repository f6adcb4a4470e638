"""One run = one cell of the grid: data → pieces → segments → rows → fit → decode → metrics.

``train(cfg, run_dir)`` is the importable pipeline behind ``python -m ases.run``. The
config stops here: everything below it receives typed arguments.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import Logger, WandbLogger
from omegaconf import DictConfig, OmegaConf

from ases.data.check import check_examples
from ases.data.example import Example, Splits
from ases.decoding.loops import DecodeSettings
from ases.models.factory import build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.paths import evaluate
from ases.runs.cache import cache_key
from ases.runs.cells import cell_name, cell_of, cell_tags
from ases.runs.distributed import is_rank_zero
from ases.runs.files import remove_stale_temps, write_json_atomic, write_jsonl_atomic
from ases.segment import scorer
from ases.segment.base import SegmentedCoT, Segmenter, check_beta, segment_all, summarize
from ases.segment.scorer import PieceScorer, load_scorer
from ases.tasks.base import Task
from ases.training.checkpointing import (
    AtomicCheckpointIO,
    ExactResume,
    SaveLast,
    StopOnNonFiniteLoss,
    check_checkpoint,
)
from ases.training.scorer_fit import fit_scorer

log = logging.getLogger(__name__)


def mean_tokens(tokenizer, texts: list[str]) -> float:
    """Mean token count of ``texts`` (no truncation)."""
    return sum(len(ids) for ids in tokenizer(texts)["input_ids"]) / max(len(texts), 1)


def limit_splits(splits: Splits, limit: DictConfig | None) -> Splits:
    """Keeps the first N examples of each split (``data.limit.train`` etc.)."""
    if not limit:
        return splits
    def cut(xs: list[Example], n: int | None) -> list[Example]:
        return xs if n is None else xs[:n]
    return Splits(cut(splits.train, limit.get("train")), cut(splits.val, limit.get("val")),
                  cut(splits.test, limit.get("test")), splits.skipped)


@dataclass(frozen=True)
class _Pieced:
    qid: str
    question: str
    pieces: list[str]


def cut_pieces(examples: list[Example], task: Task) -> list[_Pieced]:
    """Every example's CoT cut into pieces; an empty CoT is an error naming the example."""
    out = [_Pieced(ex.qid, ex.question, task.pieces(ex.cot)) for ex in examples]
    empty = [p.qid for p in out if not p.pieces]
    if empty:
        raise ValueError(f"{len(empty)} examples have an empty CoT (first: {empty[0]})")
    return out


def segment(examples: list[Example], task: Task, segmenter: Segmenter, beta: float,
            merge: bool) -> list[SegmentedCoT]:
    """Pieces, scores, tags and merged segments for every example."""
    return segment_pieced(cut_pieces(examples, task), segmenter, beta, merge)


def segment_pieced(pieced: list[_Pieced], segmenter: Segmenter, beta: float,
                   merge: bool) -> list[SegmentedCoT]:
    """Scores, tags and merges CoTs that are already cut into pieces."""
    questions = [p.question for p in pieced]
    scores = segmenter.score(questions, [p.pieces for p in pieced])
    return segment_all([p.qid for p in pieced], questions, [p.pieces for p in pieced], scores,
                       beta, merge)


def path_specs(cfg: DictConfig, spec: ModelSpec) -> list[ModelSpec]:
    """One model spec per model of the path: the run's model choice, with the dual path's
    ``path.es_model`` / ``path.as_model`` overrides (e.g. ``+path.as_model.d_model=256``)
    merged in. Every model shares the run's tokenizer."""
    if int(cfg.path.get("models", 1)) == 1:
        return [spec]
    base = OmegaConf.to_container(cfg.model, resolve=True)
    specs = []
    for key in ("es_model", "as_model"):
        override = cfg.path.get(key)
        specs.append(ModelSpec(**{**base, **(OmegaConf.to_container(override, resolve=True) if override else {})}))
    return specs


def check_shared_tokenizer(specs: list[ModelSpec], spec: ModelSpec, tokenizer,
                           cache_dir: str) -> None:
    """Every model of a path reads and writes the run's tokenizer; a pretrained model chosen
    for one side (``+model@path.as_model=flan-t5-base``) must have the very same vocabulary."""
    for key, other in zip(("es_model", "as_model"), specs, strict=False):
        if other.pretrained and other.pretrained != spec.pretrained:
            vocab = build_tokenizer(other, [], cache_dir).get_vocab()
            if vocab != tokenizer.get_vocab():
                raise ValueError(
                    f"path.{key} ({other.pretrained}) has another tokenizer than model "
                    f"({spec.pretrained or spec.name}); both dual models share the run's "
                    "tokenizer, so pick one family, e.g. model=flan-t5-small "
                    "+model@path.as_model=flan-t5-base")


def piece_scorer(cfg: DictConfig, spec: ModelSpec, tokenizer, task: Task,
                 train: list[_Pieced], val: list[_Pieced]) -> PieceScorer:
    """The scorer for entropy/loss segmentation: ``seg.scorer.path``, or the seq2seq
    baseline trained on this train split, cached under a key of everything it depends on."""
    scfg = cfg.seg.scorer
    if scfg.get("path"):
        model = load_scorer(scfg.path, tokenizer)
        folder = Path(scfg.path).expanduser().resolve()
        # the weights' sizes and times too: a scorer retrained into the same folder must
        # not reuse the old scores
        weights = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                         for p in folder.iterdir() if p.suffix in (".safetensors", ".bin"))
        identity: object = {"path": str(folder), "weights": weights}
    else:
        # One device, no DDP: the scorer is built inside the cache's file lock, where a
        # re-launched DDP rank would wait on the lock its own rank 0 holds.
        trainer_cfg = OmegaConf.merge(OmegaConf.to_container(cfg.trainer, resolve=True),
                                      {"devices": 1, "num_nodes": 1, "strategy": "auto"},
                                      scfg.get("trainer") or {})
        identity = {
            "train": cache_key([(p.qid, p.question, p.pieces) for p in train]),
            "val": cache_key([(p.qid, p.question, p.pieces) for p in val]),
            "model": asdict(spec),
            "tokenizer": cache_key(sorted(tokenizer.get_vocab().items())),
            "optim": OmegaConf.to_container(cfg.optim, resolve=True),
            "datamodule": OmegaConf.to_container(cfg.datamodule, resolve=True),
            "trainer": OmegaConf.to_container(trainer_cfg, resolve=True),
            "seed": int(cfg.seed),
            "version": 1,
        }
        folder = scorer.cached_scorer(identity, cfg.cache_dir, tokenizer, lambda: fit_scorer(
            spec, tokenizer, task, train, val,
            make_datamodule=instantiate(cfg.datamodule, _partial_=True,
                                        on_long_input=str(cfg.data.get("on_long_input") or "truncate")),
            make_trainer=instantiate(trainer_cfg, _partial_=True),
            optim=dict(cfg.optim), seed=int(cfg.seed)))
        model = load_scorer(folder, tokenizer)
    gpu = cfg.trainer.accelerator == "gpu" and torch.cuda.is_available()
    device = f"cuda:{int(os.environ.get('LOCAL_RANK') or 0)}" if gpu else "cpu"  # each rank its own GPU
    return PieceScorer(model.to(device), tokenizer, identity, cfg.cache_dir,
                       spec.max_source_len, int(scfg.get("batch_size", 64)))


WANDB_ID_FILE = "wandb_id.json"
"""The run folder's W&B run id: a resumed run logs into the same W&B run."""


def wandb_run_id(run_dir: Path, resume: bool) -> str:
    """The W&B id of this run folder: the one kept there when resuming, else a new one
    (kept there for a later resume)."""
    path = run_dir / WANDB_ID_FILE
    if resume and path.is_file():
        return str(json.loads(path.read_text())["id"])
    run_id = uuid.uuid4().hex[:12]
    if is_rank_zero():
        write_json_atomic(path, {"id": run_id})
    return run_id


def make_logger(cfg: DictConfig, run_dir: Path, resume: bool = False) -> Logger | bool:
    """The ``logger`` choice, writing under the run directory; a W&B run gets its name,
    group and tags from the grid cell unless the config sets them, and the resolved config.
    A resumed run goes on logging into the W&B run it started (``resume="allow"``)."""
    if not cfg.get("logger"):
        return False
    extra: dict = {"save_dir": str(run_dir)}
    if str(cfg.logger.get("_target_", "")).endswith("WandbLogger"):
        cell = cell_of(cfg)
        extra["name"] = cfg.logger.get("name") or cell_name(cell)
        extra["group"] = cfg.logger.get("group") or cell_name(cell, with_seed=False)
        extra["tags"] = list(cfg.logger.get("tags") or cell_tags(cell))
        if not cfg.logger.get("id") and is_rank_zero():  # (other ranks log nothing)
            extra["id"] = wandb_run_id(run_dir, resume)
            extra["resume"] = "allow"
    logger = instantiate(cfg.logger, **extra)
    logger.log_hyperparams({"config": OmegaConf.to_container(cfg, resolve=True)})
    return logger


def log_predictions_table(logger: WandbLogger, records: list[dict]) -> None:
    """Test predictions as a ``wandb.Table`` (lists and dicts as JSON text)."""
    if not records:
        return
    columns = list(records[0])
    def cell(value: object) -> object:
        return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value
    logger.log_table(key="test/predictions", columns=columns,
                     data=[[cell(r.get(c)) for c in columns] for r in records])


def train(cfg: DictConfig, run_dir: str | Path, resume: bool = False) -> dict[str, float]:
    """Runs the whole experiment described by ``cfg`` and writes its run directory.

    Args:
        cfg: the composed Hydra config (``conf/config.yaml``).
        run_dir: where checkpoints, logs, ``segments.jsonl``, ``predictions.jsonl`` and
            ``metrics.json`` go.
        resume: continue a killed run in ``run_dir``: training from ``last.ckpt``, test
            decoding after the problems already decoded.

    Returns:
        The flat metrics also written to ``metrics.json`` (``test/acc``, …).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if cfg.seed is None:
        raise ValueError("seed must be set (0 is a valid seed)")
    check_beta(cfg.seg.beta)  # fail before anything is trained
    L.seed_everything(int(cfg.seed), workers=True)
    started = time.perf_counter()

    task = instantiate(cfg.task.task)
    splits = limit_splits(instantiate(cfg.data.loader), cfg.data.get("limit"))
    splits, skipped = check_examples(splits, task, str(cfg.data.get("on_bad_row") or "error"))
    if not splits.train or not splits.val or not splits.test:
        raise ValueError(f"every split needs examples; got {len(splits.train)} train, "
                         f"{len(splits.val)} val, {len(splits.test)} test")

    originals = splits.train
    prepared: dict[str, float] = {}
    if hasattr(task, "prepare"):  # e.g. γ for reports: fewer normal findings sentences
        (train_ex, prepared), (val_ex, _), (test_ex, _) = (task.prepare(x) for x in (splits.train, splits.val, splits.test))
        splits = Splits(train_ex, val_ex, test_ex, splits.skipped)
    spec = ModelSpec(**OmegaConf.to_container(cfg.model, resolve=True))
    tokenizer = build_tokenizer(
        spec, [t for ex in splits.train for t in (ex.question, ex.cot)], cfg.cache_dir, int(cfg.seed))
    if prepared:
        prepared["data/input_tokens_before"] = mean_tokens(tokenizer, [ex.question for ex in originals])
        prepared["data/input_tokens_after"] = mean_tokens(tokenizer, [ex.question for ex in splits.train])
    pieced_train, pieced_val = cut_pieces(splits.train, task), cut_pieces(splits.val, task)
    segmenter = instantiate(cfg.seg.segmenter)  # built (and so checked) for every path
    metrics: dict[str, float] = {
        "data/n_train": float(len(splits.train)),
        "data/n_val": float(len(splits.val)),
        "data/n_test": float(len(splits.test)),
        "data/skipped_rows": float(len(skipped)),
        **prepared,
        "data/pieces_mean": sum(len(p.pieces) for p in pieced_train) / len(pieced_train),
    }
    rows_fn = instantiate(cfg.path.rows)
    if cfg.path.uses_segments:
        if segmenter.needs_scorer:
            segmenter.connect(piece_scorer(cfg, spec, tokenizer, task, pieced_train, pieced_val))
        seg_train = segment_pieced(pieced_train, segmenter, cfg.seg.beta, cfg.seg.merge)
        seg_val = segment_pieced(pieced_val, segmenter, cfg.seg.beta, cfg.seg.merge)
        metrics.update(summarize(seg_train))
        if is_rank_zero():
            write_jsonl_atomic(run_dir / "segments.jsonl", (s.to_json() for s in seg_train))
        train_rows, val_rows = rows_fn(seg_train), rows_fn(seg_val)
    else:  # the baseline needs no segmentation (and no scorer)
        train_rows, val_rows = rows_fn(pieced_train), rows_fn(pieced_val)
    metrics["data/rows_train"] = float(len(train_rows))

    L.seed_everything(int(cfg.seed), workers=True)  # the same init whatever ran before
    specs = path_specs(cfg, spec)
    check_shared_tokenizer(specs, spec, tokenizer, cfg.cache_dir)
    models = [build_model(s, tokenizer) for s in specs]
    if cfg.trainer.accelerator == "gpu":  # TF32 matmuls where bf16 autocast does not reach
        torch.set_float32_matmul_precision(str(cfg.get("matmul_precision") or "high"))
    if cfg.get("compile"):
        for model in models:
            model.compile()  # in place: checkpoint keys stay those of the plain model
    extra = {"as_model": models[1]} if len(models) == 2 else {}

    # Objects go in through partials: instantiate() would turn dataclasses into configs.
    dm = instantiate(cfg.datamodule, _partial_=True)(train_rows=train_rows, val_rows=val_rows,
                     test_examples=splits.test, tokenizer=tokenizer,
                     max_source_len=spec.max_source_len, max_target_len=spec.max_target_len,
                     seed=int(cfg.seed), on_long_input=str(cfg.data.get("on_long_input") or "truncate"))
    decode = DecodeSettings(**OmegaConf.to_container(cfg.decode, resolve=True))
    module = instantiate(cfg.path.module)(
        model=models[0], tokenizer=tokenizer, task=task, decode=decode,
        max_source_len=spec.max_source_len, max_target_len=spec.max_target_len, **extra, **cfg.optim)

    checkpoint = ModelCheckpoint(dirpath=run_dir / "checkpoints", filename="best",
                                 monitor="val/loss", mode="min", enable_version_counter=False)
    callbacks: list[L.Callback] = [checkpoint, StopOnNonFiniteLoss(), ExactResume()]
    old_csv = run_dir / "csv" / "metrics.csv"
    if resume and old_csv.is_file():  # Lightning's CSV logger would overwrite it
        old_csv.rename(old_csv.with_name(f"metrics.before-resume-{time.strftime('%Y%m%d-%H%M%S')}.csv"))
    logger = make_logger(cfg, run_dir, resume)
    last = run_dir / "checkpoints" / "last.ckpt"
    # after the best-checkpoint callback, so last.ckpt holds its updated state
    callbacks.append(SaveLast(last, cfg.get("save_last_every_min")))
    trainer: L.Trainer = instantiate(cfg.trainer, _partial_=True)(
        default_root_dir=str(run_dir), callbacks=callbacks, logger=logger,
        plugins=[AtomicCheckpointIO()])
    module.progress_dir = run_dir  # test records are appended there as they are decoded
    if trainer.is_global_zero:  # what a kill -9 left half-written
        for folder in (run_dir, run_dir / "checkpoints"):
            for path in remove_stale_temps(folder):
                log.info("removed %s, left half-written by a killed run", path)
    if not resume and trainer.is_global_zero:  # a fresh start in a used folder: nothing old stays
        stale = [*run_dir.glob(evaluate.PROGRESS.format(rank="*")),
                 *(run_dir / name for name in ("metrics.json", "predictions.jsonl", "error.txt"))]
        if not cfg.get("test_ckpt"):  # (test_ckpt may point into this folder)
            stale += list((run_dir / "checkpoints").glob("*.ckpt"))
        for path in stale:
            path.unlink(missing_ok=True)
    if cfg.get("test_ckpt"):  # evaluate a finished run's checkpoint, e.g. with other decoding
        best = str(Path(cfg.test_ckpt).expanduser())
        if not Path(best).is_file():
            raise FileNotFoundError(f"test_ckpt={cfg.test_ckpt}: no such checkpoint file "
                                    "(e.g. <run dir>/checkpoints/best.ckpt)")
        check_checkpoint(Path(best), module)
    else:
        resume_from = str(last) if resume and last.is_file() else None
        if resume_from:
            check_checkpoint(last, module)
            log.info("resuming training from %s", resume_from)
        trainer.fit(module, datamodule=dm, ckpt_path=resume_from, weights_only=True)
        best = checkpoint.best_model_path or None
        if best is None:
            log.warning("no validation ran, so no best checkpoint: testing the last weights")
    fitted = time.perf_counter()
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
    if trainer.is_global_zero:  # every rank holds the gathered records; one writes them
        write_jsonl_atomic(run_dir / "predictions.jsonl", module.records)
        write_json_atomic(run_dir / "metrics.json", metrics)
        for partial in run_dir.glob(evaluate.PROGRESS.format(rank="*")):
            partial.unlink()  # predictions.jsonl holds them all now
        if isinstance(logger, WandbLogger):
            log_predictions_table(logger, module.records)
    return metrics
