"""Dual-path AS-ES: an ES model and an AS model that take turns writing the CoT."""

from __future__ import annotations

from dataclasses import asdict
from itertools import chain
from pathlib import Path

import lightning as L
import torch
from transformers import PreTrainedModel

from ases.data.example import Example
from ases.decoding.loops import DecodeSettings, decode_dual
from ases.models.adapter import ModelAdapter
from ases.paths import evaluate
from ases.paths.optim import adamw_with_warmup
from ases.tasks.base import Task


class DualPath(L.LightningModule):
    """Two seq2seq models sharing one tokenizer, trained in one ``Trainer.fit``.

    Each batch holds rows of both kinds (``is_as``): the ES rows train the ES model and the
    AS rows the AS model, in the same step, with one optimizer over both. One checkpoint
    holds both; the best is chosen on the validation loss over all rows.

    Args:
        model: the ES model.
        as_model: the AS model.
        adapter: the model family's seam, bound to the tokenizer both models share.
        task: stop rule and judging.
        decode: generation settings.
        max_source_len: input tokens kept at decoding.
        max_target_len: target tokens (kept for a uniform signature).
        lr: AdamW peak learning rate.
        weight_decay: AdamW weight decay.
        warmup_ratio: share of steps spent warming up, then linear decay.
    """

    def __init__(self, model: PreTrainedModel, as_model: PreTrainedModel,
                 adapter: ModelAdapter, task: Task, decode: DecodeSettings,
                 max_source_len: int, max_target_len: int, lr: float = 2e-3,
                 weight_decay: float = 0.01, warmup_ratio: float = 0.05):
        super().__init__()
        self.save_hyperparameters({
            "decode": asdict(decode), "max_source_len": max_source_len,
            "max_target_len": max_target_len, "lr": lr, "weight_decay": weight_decay,
            "warmup_ratio": warmup_ratio,
        })
        self.es_model, self.as_model = model, as_model
        self.adapter, self.task, self.decode = adapter, task, decode
        self.max_source_len, self.max_target_len = max_source_len, max_target_len
        self.lr, self.weight_decay, self.warmup_ratio = lr, weight_decay, warmup_ratio
        self.records: list[dict] = []
        self.test_metrics: dict[str, float] = {}
        self.progress_dir: Path | None = None  # set by the pipeline: decoded records kept there

    def losses(self, batch: dict[str, torch.Tensor]) -> dict[str, tuple[torch.Tensor, int]]:
        """Each model's mean token loss on its own rows of the batch, with the row count."""
        is_as = batch["is_as"]  # (B,)
        out = {}
        for kind, model, rows in (("es", self.es_model, ~is_as), ("as", self.as_model, is_as)):
            if rows.any():
                sub = {k: v[rows] for k, v in batch.items() if k != "is_as"}
                out[kind] = (self.adapter.loss(model, sub), int(rows.sum()))
        return out

    def _step(self, batch: dict[str, torch.Tensor], stage: str) -> torch.Tensor:
        losses = self.losses(batch)
        n = sum(count for _, count in losses.values())
        sync = stage == "val"  # validation picks the checkpoint: every rank must agree
        for kind, (loss, count) in losses.items():
            self.log(f"{stage}/loss_{kind}", loss, batch_size=count, sync_dist=sync)
        # Row-weighted, so a batch's loss does not depend on how its rows split by kind.
        total = sum(loss * count for loss, count in losses.values()) / n
        self.log(f"{stage}/loss", total, prog_bar=True, batch_size=n, sync_dist=sync)
        if stage == "train" and len(losses) == 1 and self.trainer.world_size > 1:
            # DDP reduces every parameter's gradient each step; a batch with rows of one kind
            # gives the other model zero gradients instead of none.
            idle = self.as_model if "es" in losses else self.es_model
            total = total + 0.0 * sum(p.sum() for p in idle.parameters())
        return total

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self._step(batch, "val")

    def on_test_epoch_start(self) -> None:
        evaluate.start_test_epoch(self)

    def test_step(self, batch: dict[str, list[dict]], batch_idx: int) -> None:
        examples = evaluate.still_to_decode(self, [Example(**fields) for fields in batch["examples"]])
        if not examples:
            return
        traces = decode_dual(self.adapter, self.es_model, self.as_model,
                             [ex.question for ex in examples], self.task.is_finished,
                             self.max_source_len, self.decode)
        evaluate.add_records(self, [evaluate.trace_record(ex, tr, self.task)
                                    for ex, tr in zip(examples, traces, strict=True)])

    def on_test_epoch_end(self) -> None:
        evaluate.end_test_epoch(self)

    def configure_optimizers(self):
        named = chain(self.es_model.named_parameters(prefix="es"),
                      self.as_model.named_parameters(prefix="as"))
        return adamw_with_warmup(named, self.lr, self.weight_decay, self.warmup_ratio,
                                          self.trainer.estimated_stepping_batches)
