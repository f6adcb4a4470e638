"""One seq2seq model: the baseline (one pass) and uni-path AS-ES (segment by segment).

Both train the same way on (source, target) rows; they differ in their rows (question →
whole CoT, or context → next segment) and in how they decode at test time.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import lightning as L
import torch
from transformers import PreTrainedModel

from ases.data.example import Example
from ases.decoding.loops import DecodeSettings, Trace, decode_iterative, decode_one_pass
from ases.models.adapter import ModelAdapter
from ases.paths import evaluate
from ases.paths.optim import adamw_with_warmup
from ases.tasks.base import Task


class SingleModelPath(L.LightningModule):
    """A single seq2seq model trained on rows and evaluated by decoding the test set.

    Args:
        model: the seq2seq model (built by the caller; not saved as a hyperparameter).
        adapter: the model family's seam (batches, decoding), bound to the run's tokenizer.
        task: stop rule and judging.
        decode: generation settings.
        iterative: False decodes the whole CoT in one pass (seq2seq); True decodes one
            segment per round (uni-path).
        max_source_len: input tokens kept at decoding.
        max_target_len: one-pass output tokens at most.
        lr: AdamW peak learning rate.
        weight_decay: AdamW weight decay.
        warmup_ratio: share of steps spent warming the learning rate up, then linear decay.
        tagged: (uni-path) targets start with ``[ES]``/``[AS]``; decoding records the type.
    """

    def __init__(self, model: PreTrainedModel, adapter: ModelAdapter, task: Task,
                 decode: DecodeSettings, iterative: bool, max_source_len: int,
                 max_target_len: int, lr: float = 2e-3, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.05, tagged: bool = False):
        super().__init__()
        self.save_hyperparameters({
            "decode": asdict(decode), "iterative": iterative, "max_source_len": max_source_len,
            "max_target_len": max_target_len, "lr": lr, "weight_decay": weight_decay,
            "warmup_ratio": warmup_ratio, "tagged": tagged,
        })
        self.model, self.adapter, self.task, self.decode = model, adapter, task, decode
        self.iterative, self.tagged = iterative, tagged
        self.max_source_len, self.max_target_len = max_source_len, max_target_len
        self.lr, self.weight_decay, self.warmup_ratio = lr, weight_decay, warmup_ratio
        self.records: list[dict] = []
        self.test_metrics: dict[str, float] = {}
        self.progress_dir: Path | None = None  # set by the pipeline: decoded records kept there

    def forward(self, **batch: torch.Tensor) -> torch.Tensor:
        """The batch's training loss (the model family's: :meth:`ModelAdapter.loss`)."""
        return self.adapter.loss(self.model, batch)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self(**batch)
        self.log("train/loss", loss, prog_bar=True, batch_size=batch["input_ids"].shape[0])
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        loss = self(**batch)
        self.log("val/loss", loss, prog_bar=True, batch_size=batch["input_ids"].shape[0],
                 sync_dist=True)  # the checkpoint choice must agree across DDP ranks

    def generate_traces(self, questions: list[str]) -> list[Trace]:
        """Decodes a batch of questions with this path's decoder."""
        if self.iterative:
            return decode_iterative(self.adapter, self.model, questions, self.task.is_finished,
                                    self.max_source_len, self.decode, tagged=self.tagged)
        return decode_one_pass(self.adapter, self.model, questions, self.max_source_len,
                               self.max_target_len, self.decode)

    def on_test_epoch_start(self) -> None:
        evaluate.start_test_epoch(self)

    def test_step(self, batch: dict[str, list[dict]], batch_idx: int) -> None:
        examples = evaluate.still_to_decode(self, [Example(**fields) for fields in batch["examples"]])
        if not examples:
            return
        traces = self.generate_traces([ex.question for ex in examples])
        evaluate.add_records(self, [evaluate.trace_record(ex, tr, self.task)
                                    for ex, tr in zip(examples, traces, strict=True)])

    def on_test_epoch_end(self) -> None:
        evaluate.end_test_epoch(self)

    def configure_optimizers(self):
        return adamw_with_warmup(self.model.named_parameters(), self.lr, self.weight_decay,
                                 self.warmup_ratio, self.trainer.estimated_stepping_batches)
