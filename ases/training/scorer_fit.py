"""Training the scorer: the seq2seq baseline (question → whole CoT) on the train split."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Sequence

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from transformers import PreTrainedModel

from ases.decoding.settings import DecodeSettings
from ases.models.adapter import ModelAdapter
from ases.models.factory import build_model
from ases.models.lora import merged
from ases.models.spec import ModelSpec
from ases.paths.rows import Pieced, whole_rows
from ases.paths.single import SingleModelPath
from ases.tasks.base import Task
from ases.training.datamodule import RowsDataModule

log = logging.getLogger(__name__)


def fit_scorer(spec: ModelSpec, adapter: ModelAdapter, task: Task,
               train: Sequence[Pieced], val: Sequence[Pieced],
               make_datamodule: Callable[..., RowsDataModule], make_trainer: Callable[..., L.Trainer],
               optim: dict, seed: int) -> PreTrainedModel:
    """Trains a fresh seq2seq model on question → whole CoT and returns its best weights
    (with ``spec.lora``: LoRA adapters, merged into the weights of the returned model).

    Args:
        spec: the model to build (the run's own model choice).
        adapter: the run's model adapter (bound to its tokenizer).
        task: the task (its judging is unused; the module needs one).
        train: train CoTs with their pieces.
        val: validation CoTs; the weights with the lowest validation loss are returned.
        make_datamodule: builds the DataModule from rows (batch sizes come from config).
        make_trainer: builds a Lightning Trainer from callbacks, logger and root dir.
        optim: ``lr``, ``weight_decay``, ``warmup_ratio``.
        seed: seeds the model's initialization and the batch order.
    """
    L.seed_everything(seed, workers=True)
    module = SingleModelPath(build_model(spec, adapter.tokenizer), adapter, task, DecodeSettings(),
                             iterative=False, max_source_len=spec.max_source_len,
                             max_target_len=spec.max_target_len, **optim)
    dm = make_datamodule(train_rows=whole_rows(train), val_rows=whole_rows(val), test_examples=[],
                         adapter=adapter, max_source_len=spec.max_source_len,
                         max_target_len=spec.max_target_len, seed=seed)
    with tempfile.TemporaryDirectory(prefix="ases-scorer-") as tmp:
        best = ModelCheckpoint(dirpath=tmp, filename="best", monitor="val/loss", mode="min", save_top_k=1)
        trainer = make_trainer(callbacks=[best], logger=False, default_root_dir=tmp)
        log.info("training the scorer (seq2seq baseline) on %d CoTs", len(train))
        trainer.fit(module, datamodule=dm)
        if best.best_model_path:
            state = torch.load(best.best_model_path, map_location="cpu", weights_only=True)
            module.load_state_dict(state["state_dict"])
        else:
            log.warning("the scorer saw no validation: using its last weights")
    # a LoRA scorer is saved (save_pretrained) and read back as a plain model: adapters merged
    return merged(module.model).cpu().eval()
