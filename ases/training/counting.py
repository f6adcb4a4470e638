"""Training tokens seen: the compute a run spent, in the unit that is fair across paths.

AS-ES turns one CoT into several rows, and a T5 row re-reads the CoT written so far, so equal
optimizer steps are not equal tokens. ``metrics.json`` records both counts of a run:
``train/tokens_target`` (tokens the loss is taken on) and ``train/tokens_input`` (tokens the
model reads: the encoder's input for T5; prompt and target for a decoder-only model).
"""

from __future__ import annotations

import time
from typing import Any

import lightning as L
import torch


class TokenCounter(L.Callback):
    """Counts the non-padding tokens of every training batch, across DDP ranks at the end,
    and the wall seconds spent training (``time/train_s``: between the start and the end of
    ``fit``'s training, validation included).

    Its counts are part of ``last.ckpt``, so a resumed run goes on counting where the killed
    run stopped (the batches it saw before the kill are not counted twice, nor lost; the
    seconds of the killed stretch up to its last checkpoint are kept). A checkpoint's counts
    take effect when training starts: ``trainer.test(ckpt_path=best)`` restores callback
    states too, and must not turn the run's counts into the best step's.
    """

    def __init__(self) -> None:
        self.target = 0
        self.input = 0
        self.seconds = 0.0
        self._started: float | None = None  # perf_counter() at this stretch's start
        self._restored: dict[str, Any] | None = None
        self._trainer: L.Trainer | None = None

    def setup(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        self._trainer = trainer

    def _take_restored(self, trainer: L.Trainer) -> None:
        if self._restored is not None:
            # a checkpoint holds the counts of all ranks together: rank 0 carries them on
            first = trainer.global_rank == 0
            self.target = int(self._restored["target"]) if first else 0
            self.input = int(self._restored["input"]) if first else 0
            self.seconds = float(self._restored.get("seconds", 0.0))
            self._restored = None

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self._take_restored(trainer)
        self._started = time.perf_counter()

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.seconds = self._elapsed()
        self._started = None

    def on_fit_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        # a run resumed from a checkpoint that had already reached max_steps trains
        # nothing (no on_train_start): its counts are still the checkpoint's
        self._take_restored(trainer)

    def _elapsed(self) -> float:
        """Training seconds so far: the earlier stretches' and this one's."""
        return self.seconds + (0.0 if self._started is None else time.perf_counter() - self._started)

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs: Any,
                           batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self.target += int((batch["labels"] != -100).sum())
        self.input += int(batch["attention_mask"].sum())

    def totals(self, trainer: L.Trainer) -> dict[str, float]:
        """``train/tokens_target`` and ``train/tokens_input``, summed over the ranks, and this
        rank's ``time/train_s``."""
        counts = torch.tensor([self.target, self.input], dtype=torch.float64)
        if trainer.world_size > 1:
            counts = trainer.strategy.reduce(counts.to(trainer.strategy.root_device),
                                             reduce_op="sum").cpu()
        return {"train/tokens_target": float(counts[0]), "train/tokens_input": float(counts[1]),
                "time/train_s": self._elapsed()}

    def state_dict(self) -> dict[str, Any]:
        """The counts of all ranks (every rank saves a checkpoint together, rank 0 writes)."""
        trainer = self._trainer
        if trainer is None:
            target, read = self.target, self.input
        else:
            totals = self.totals(trainer)
            target, read = int(totals["train/tokens_target"]), int(totals["train/tokens_input"])
        return {"target": target, "input": read, "seconds": self._elapsed()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._restored = dict(state_dict)
