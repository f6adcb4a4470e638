"""One run = one cell of the grid, as a short list of named stages:

load → prepare → tokenizer → pieces → segment → rows → fit → test → write.

(pieces and segment, and the scorer they may need, live in :mod:`ases.segmenting`.)

``train(cfg, run_dir)`` is the importable pipeline behind ``python -m ases.run``; each
stage is a function of typed arguments, and :func:`ases.load.load_run` rebuilds a finished
run with the same stages (load, prepare), so the two cannot drift apart.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import WandbLogger
from omegaconf import DictConfig
from transformers import PreTrainedTokenizerBase

from ases.config import RunConfig
from ases.data.check import check_examples
from ases.data.example import Example, Splits
from ases.models.adapter import ModelAdapter
from ases.models.factory import build_adapter, build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.paths import evaluate
from ases.paths.rows import Row, row_summary
from ases.runs.distributed import is_rank_zero
from ases.runs.files import remove_stale_temps, write_json_atomic, write_jsonl_atomic
from ases.segment.base import Segmenter, agreement, check_beta, summarize
from ases.segmenting import Pieced, cut_pieces, piece_scorer, segment_pieced
from ases.tasks.base import Task
from ases.training.checkpointing import (
    AtomicCheckpointIO,
    ExactResume,
    SaveLast,
    StopOnNonFiniteLoss,
    check_checkpoint,
)
from ases.training.counting import TokenCounter
from ases.training.loggers import log_predictions_table, make_logger

log = logging.getLogger(__name__)
TOKENIZER_DIR = "tokenizer"
"""The run folder's tokenizer (``AutoTokenizer.from_pretrained(run_dir / "tokenizer")``)."""


# -- load ------------------------------------------------------------------------------

def limit_splits(splits: Splits, limit: dict[str, int | None]) -> Splits:
    """Keeps the first N examples of each split (``data.limit.train`` etc.; None = all)."""
    def cut(xs: list[Example], n: int | None) -> list[Example]:
        return xs if n is None else xs[:n]
    return Splits(cut(splits.train, limit.get("train")), cut(splits.val, limit.get("val")),
                  cut(splits.test, limit.get("test")), splits.skipped)


def load(rc: RunConfig, task: Task) -> tuple[Splits, list[str]]:
    """The data choice's splits, limited and checked: bad rows stop the run or are
    skipped (``data.on_bad_row``); returns the splits and one message per skipped row."""
    splits = limit_splits(rc.make("loader"), rc.limit)
    splits, skipped = check_examples(splits, task.check_example, rc.on_bad_row)
    if not splits.train or not splits.val or not splits.test:
        raise ValueError(f"every split needs examples; got {len(splits.train)} train, "
                         f"{len(splits.val)} val, {len(splits.test)} test")
    return splits, skipped


# -- prepare ---------------------------------------------------------------------------

def prepare(task: Task, splits: Splits) -> tuple[Splits, dict[str, float]]:
    """The splits as the model sees them (``Task.adapt`` on the train split, then
    ``Task.prepare``, e.g. γ for reports)."""
    task.adapt(splits.train)
    (train, prepared), (val, _), (test, _) = (task.prepare(x) for x in (splits.train, splits.val, splits.test))
    return Splits(train, val, test, splits.skipped), prepared


# -- tokenizer -------------------------------------------------------------------------

def tokenizer_for(spec: ModelSpec, train: list[Example], cache_dir: str,
                  seed: int) -> PreTrainedTokenizerBase:
    """The pretrained model's tokenizer, or one trained on the prepared train split."""
    return build_tokenizer(spec, [t for ex in train for t in (ex.question, ex.cot)], cache_dir, seed)


def mean_tokens(tokenizer: PreTrainedTokenizerBase, texts: list[str]) -> float:
    """Mean token count of ``texts`` (no truncation)."""
    return sum(len(ids) for ids in tokenizer(texts)["input_ids"]) / max(len(texts), 1)


# -- rows ------------------------------------------------------------------------------

def rows(rc: RunConfig, task: Task, adapter: ModelAdapter, segmenter: Segmenter,
         train: list[Pieced], val: list[Pieced], run_dir: Path
         ) -> tuple[list[Row], list[Row], dict[str, float]]:
    """The path's training and validation rows; for AS-ES paths, the segmentation first
    (the scorer when the segmenter needs one; ``segments.jsonl`` and ``seg/*`` numbers)."""
    make_rows = rc.make("rows")
    if not rc.uses_segments:  # the baseline needs no segmentation (and no scorer)
        return make_rows(train), make_rows(val), {}
    if segmenter.needs_scorer:
        segmenter.connect(piece_scorer(rc, adapter, task, train, val))
    seg_train = segment_pieced(train, segmenter, rc.beta, rc.merge)
    seg_val = segment_pieced(val, segmenter, rc.beta, rc.merge)
    if is_rank_zero():
        write_jsonl_atomic(run_dir / "segments.jsonl", ({**s.to_json(), "labels": p.labels}
                                                        for s, p in zip(seg_train, train, strict=True)))
    return (make_rows(seg_train), make_rows(seg_val),
            {**summarize(seg_train), **agreement(seg_train, [p.labels for p in train])})


# -- fit and test ----------------------------------------------------------------------

def check_shared_tokenizer(specs: list[ModelSpec], spec: ModelSpec, tokenizer,
                           cache_dir: str, arch: str | None = None) -> None:
    """Every model of a path reads and writes the run's tokenizer; a pretrained model chosen
    for one side (``+model@path.as_model=flan-t5-base``) must have the very same vocabulary."""
    for key, other in zip(("es_model", "as_model"), specs, strict=False):
        if arch is not None and other.arch is not None and other.arch != arch:
            raise ValueError(
                f"path.{key} ({other.pretrained or other.name}) is {other.arch} but model "
                f"({spec.pretrained or spec.name}) is {arch}; both dual models share "
                "one tokenizer and one way of reading rows, so pick both decoder-only (e.g. "
                "model=smollm2-135m) or both encoder-decoder (e.g. model=flan-t5-small)")
        if other.pretrained and other.pretrained != spec.pretrained:
            vocab = build_tokenizer(other, [], cache_dir).get_vocab()
            if vocab != tokenizer.get_vocab():
                raise ValueError(
                    f"path.{key} ({other.pretrained}) has another tokenizer than model "
                    f"({spec.pretrained or spec.name}); both dual models share the run's "
                    "tokenizer, so pick one family, e.g. model=flan-t5-small "
                    "+model@path.as_model=flan-t5-base")


def build_module(rc: RunConfig, task: Task, adapter: ModelAdapter) -> L.LightningModule:
    """The path's LightningModule with freshly built models (the same init whatever ran
    before: torch is seeded here)."""
    L.seed_everything(rc.seed, workers=True)
    check_shared_tokenizer(rc.specs, rc.spec, adapter.tokenizer, rc.cache_dir, adapter.arch)
    models = [build_model(s, adapter.tokenizer) for s in rc.specs]
    if rc.trainer["accelerator"] == "gpu":  # TF32 matmuls where bf16 autocast does not reach
        torch.set_float32_matmul_precision(rc.matmul_precision)
    if rc.compile:
        for model in models:
            model.compile()  # in place: checkpoint keys stay those of the plain model
    extra = {"as_model": models[1]} if len(models) == 2 else {}
    return rc.make("module", model=models[0], adapter=adapter, task=task, decode=rc.decode,
                   max_source_len=rc.spec.max_source_len, max_target_len=rc.spec.max_target_len,
                   **extra, **rc.optim)


def packing(rc: RunConfig, adapter: ModelAdapter) -> bool:
    """Whether the uni path trains one sequence per CoT: ``path.packed``, or by default
    wherever the model is decoder-only. Encoder-decoders cannot pack (the encoder reads
    the whole prompt)."""
    if rc.packed and adapter.arch != "causal":
        raise ValueError(f"path.packed=true needs a decoder-only model; model={rc.spec.name} is "
                         f"{adapter.arch}. Set path.packed=false (or null).")
    return adapter.arch == "causal" if rc.packed is None else bool(rc.packed)


def clean_run_dir(run_dir: Path, resume: bool, keep_checkpoints: bool) -> None:
    """Removes what a kill -9 left half-written; on a fresh start in a used folder, also
    the old results, so nothing old stays (checkpoints too, unless ``keep_checkpoints``:
    ``test_ckpt`` may point into this folder)."""
    for folder in (run_dir, run_dir / "checkpoints"):
        for path in remove_stale_temps(folder):
            log.info("removed %s, left half-written by a killed run", path)
    if resume:
        return
    stale = [*run_dir.glob(evaluate.PROGRESS.format(rank="*")),
             *(run_dir / name for name in ("metrics.json", "predictions.jsonl", "error.txt"))]
    if not keep_checkpoints:
        stale += list((run_dir / "checkpoints").glob("*.ckpt"))
    for path in stale:
        path.unlink(missing_ok=True)


def fit(rc: RunConfig, module: L.LightningModule, dm: L.LightningDataModule, run_dir: Path,
        resume: bool) -> tuple[L.Trainer, ModelCheckpoint, str | None]:
    """Trains (or, with ``test_ckpt``, only checks that checkpoint) and returns the trainer,
    the best-checkpoint callback and the checkpoint to test (None: the last weights)."""
    checkpoint = ModelCheckpoint(dirpath=run_dir / "checkpoints", filename="best",
                                 monitor="val/loss", mode="min", enable_version_counter=False)
    last = run_dir / "checkpoints" / "last.ckpt"
    # SaveLast after the best-checkpoint callback, so last.ckpt holds its updated state
    callbacks: list[L.Callback] = [checkpoint, StopOnNonFiniteLoss(), ExactResume(),
                                   TokenCounter(), SaveLast(last, rc.save_last_every_min)]
    old_csv = run_dir / "csv" / "metrics.csv"
    if resume and old_csv.is_file():  # Lightning's CSV logger would overwrite it
        old_csv.rename(old_csv.with_name(f"metrics.before-resume-{time.strftime('%Y%m%d-%H%M%S')}.csv"))
    logger = make_logger(rc.nodes["logger"], rc.cell, rc.resolved, run_dir, resume)
    trainer: L.Trainer = instantiate(rc.trainer, _partial_=True)(
        default_root_dir=str(run_dir), callbacks=callbacks, logger=logger,
        plugins=[AtomicCheckpointIO()])
    module.progress_dir = run_dir  # test records are appended there as they are decoded
    if trainer.is_global_zero:
        clean_run_dir(run_dir, resume, keep_checkpoints=bool(rc.test_ckpt))
    if rc.test_ckpt:  # evaluate a finished run's checkpoint, e.g. with other decoding
        best = str(Path(rc.test_ckpt).expanduser())
        if not Path(best).is_file():
            raise FileNotFoundError(f"test_ckpt={rc.test_ckpt}: no such checkpoint file "
                                    "(e.g. <run dir>/checkpoints/best.ckpt)")
        check_checkpoint(Path(best), module)
        return trainer, checkpoint, best
    resume_from = str(last) if resume and last.is_file() else None
    if resume_from:
        check_checkpoint(last, module)
        log.info("resuming training from %s", resume_from)
    trainer.fit(module, datamodule=dm, ckpt_path=resume_from, weights_only=True)
    best = checkpoint.best_model_path or None
    if best is None:
        log.warning("no validation ran, so no best checkpoint: testing the last weights")
    return trainer, checkpoint, best


# -- the run ---------------------------------------------------------------------------

def train(cfg: DictConfig, run_dir: str | Path, resume: bool = False) -> dict[str, float]:
    """Runs the whole experiment described by ``cfg`` and writes its run directory.

    Args:
        cfg: the composed Hydra config (``conf/config.yaml``).
        run_dir: where checkpoints, logs, ``tokenizer/``, ``segments.jsonl``,
            ``predictions.jsonl`` and ``metrics.json`` go.
        resume: continue a killed run in ``run_dir``: training from ``last.ckpt``, test
            decoding after the problems already decoded.

    Returns:
        The flat metrics also written to ``metrics.json`` (``test/acc``, …).
    """
    return run(RunConfig.from_hydra(cfg), Path(run_dir), resume)


def run(rc: RunConfig, run_dir: Path, resume: bool = False) -> dict[str, float]:
    """:func:`train` on a typed config: the stages in order."""
    run_dir.mkdir(parents=True, exist_ok=True)
    check_beta(rc.beta)  # fail before anything is trained
    L.seed_everything(rc.seed, workers=True)
    started = time.perf_counter()

    task: Task = rc.make("task")
    splits, skipped = load(rc, task)
    originals = splits.train
    splits, prepared = prepare(task, splits)
    tokenizer = tokenizer_for(rc.spec, splits.train, rc.cache_dir, rc.seed)
    if is_rank_zero():
        tokenizer.save_pretrained(str(run_dir / TOKENIZER_DIR))
    adapter = build_adapter(rc.spec, tokenizer)
    if prepared:
        prepared["data/input_tokens_before"] = mean_tokens(tokenizer, [ex.question for ex in originals])
        prepared["data/input_tokens_after"] = mean_tokens(tokenizer, [ex.question for ex in splits.train])
    pieced_train, pieced_val = cut_pieces(splits.train, task), cut_pieces(splits.val, task)
    segmenter = rc.make("segmenter")  # built (and so checked) for every path
    metrics: dict[str, float] = {
        "data/n_train": float(len(splits.train)),
        "data/n_val": float(len(splits.val)),
        "data/n_test": float(len(splits.test)),
        "data/skipped_rows": float(len(skipped)),
        **prepared,
        "data/pieces_mean": sum(len(p.pieces) for p in pieced_train) / len(pieced_train),
    }
    train_rows, val_rows, seg_metrics = rows(rc, task, adapter, segmenter, pieced_train,
                                             pieced_val, run_dir)
    metrics.update(seg_metrics)
    metrics["data/rows_train"] = float(len(train_rows))
    metrics.update(row_summary(train_rows))

    module = build_module(rc, task, adapter)
    dm = rc.make("datamodule", train_rows=train_rows, val_rows=val_rows,
                 test_examples=splits.test, adapter=adapter,
                 max_source_len=rc.spec.max_source_len, max_target_len=rc.spec.max_target_len,
                 seed=rc.seed, on_long_input=rc.on_long_input, packed=packing(rc, adapter),
                 loss_weights=rc.loss_weights)
    trainer, checkpoint, best = fit(rc, module, dm, run_dir, resume)
    fitted = time.perf_counter()
    # what training did, read before testing restores the best checkpoint's states
    metrics["train/steps"] = float(trainer.global_step)
    counter = next(c for c in trainer.callbacks if isinstance(c, TokenCounter))
    if trainer.global_step:  # not for a test_ckpt run, which trains nothing
        metrics.update(counter.totals(trainer))
    trainer.test(module, datamodule=dm, ckpt_path=best, weights_only=True)
    tested = time.perf_counter()

    metrics.update(module.test_metrics)
    if checkpoint.best_model_score is not None:
        metrics["val/loss_best"] = float(checkpoint.best_model_score)
    metrics["time/fit_s"] = fitted - started
    metrics["time/test_s"] = tested - fitted
    for key, value in dm.truncated.items():
        metrics[f"data/truncated_{key}"] = float(value)
    if "train" in dm.sequences:  # the uni path on a decoder-only model: sequences, not rows
        metrics["data/sequences_train"] = float(dm.sequences["train"])
    if trainer.is_global_zero:
        write(run_dir, metrics, module.records, trainer.logger)
    return metrics


def write(run_dir: Path, metrics: dict[str, float], records: list[dict], logger: object) -> None:
    """``predictions.jsonl`` and ``metrics.json``, atomically; the progress files go (the
    predictions hold them all now); W&B also gets the predictions as a table."""
    write_jsonl_atomic(run_dir / "predictions.jsonl", records)
    write_json_atomic(run_dir / "metrics.json", metrics)
    for partial in run_dir.glob(evaluate.PROGRESS.format(rank="*")):
        partial.unlink()
    if isinstance(logger, WandbLogger):
        log_predictions_table(logger, records)
