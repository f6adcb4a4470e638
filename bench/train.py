"""``train_vs_seq2seqtrainer``: non-padding tokens per second of ases' training loop
(Lightning, length-grouped batches, dynamic padding) against transformers'
``Seq2SeqTrainer`` (its defaults: random batches padded by ``DataCollatorForSeq2Seq``).

Both sides: the same initial weights (the bench model's architecture, fresh init), the
same tokenized uni-path rows, batch size, AdamW learning rate, gradient clipping at 1.0,
float32 on the CPU, one epoch, so both see every row exactly once.
"""

from __future__ import annotations

import copy
import tempfile

import lightning as L
from transformers import DataCollatorForSeq2Seq, Seq2SeqTrainer, Seq2SeqTrainingArguments

from ases.decoding.loops import DecodeSettings
from ases.models.factory import build_model
from ases.paths.single import SingleModelPath
from ases.training.datamodule import RowsDataModule
from bench.model import Bench
from bench.timing import Comparison, compare

LR = 2e-3


def _datamodule(b: Bench, rows, batch_size: int) -> RowsDataModule:
    dm = RowsDataModule(rows, rows[:batch_size], b.test[:1], b.adapter, b.spec.max_source_len,
                        b.spec.max_target_len, batch_size=batch_size)
    dm.setup("fit")
    return dm


def ases_epoch(b: Bench, init: dict, rows, batch_size: int) -> None:
    model = build_model(b.spec, b.tokenizer)
    model.load_state_dict(init)
    module = SingleModelPath(model, b.adapter, b.task, DecodeSettings(), iterative=True,
                             max_source_len=b.spec.max_source_len,
                             max_target_len=b.spec.max_target_len, lr=LR, warmup_ratio=0.0)
    trainer = L.Trainer(accelerator="cpu", devices=1, max_epochs=1, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, limit_val_batches=0, num_sanity_val_steps=0,
                        gradient_clip_val=1.0)
    trainer.fit(module, datamodule=_datamodule(b, rows, batch_size))


def hf_epoch(b: Bench, init: dict, features: list[dict], batch_size: int) -> None:
    model = build_model(b.spec, b.tokenizer)
    model.load_state_dict(init)
    with tempfile.TemporaryDirectory() as out:
        args = Seq2SeqTrainingArguments(
            output_dir=out, per_device_train_batch_size=batch_size, num_train_epochs=1,
            learning_rate=LR, weight_decay=0.01, max_grad_norm=1.0, use_cpu=True,
            report_to="none", save_strategy="no", logging_strategy="no", disable_tqdm=True,
            dataloader_num_workers=0, seed=0)
        trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=features,
                                 data_collator=DataCollatorForSeq2Seq(b.tokenizer, model=model),
                                 processing_class=b.tokenizer)
        trainer.train()


def run(b: Bench, n_rows: int = 512, batch_size: int = 32, repeats: int = 3) -> Comparison:
    rows = b.rows[:n_rows]
    encoded = _datamodule(b, rows, batch_size)._train  # the same token ids on both sides
    features = [{"input_ids": s, "attention_mask": [1] * len(s), "labels": t}
                for s, t in zip(encoded.sources, encoded.targets, strict=True)]
    tokens = sum(len(s) + len(t) for s, t in zip(encoded.sources, encoded.targets, strict=True))
    L.seed_everything(0, verbose=False)
    init = copy.deepcopy(build_model(b.spec, b.tokenizer).state_dict())
    print(f"train_vs_seq2seqtrainer: {len(rows)} rows, {tokens} non-padding tokens, batch {batch_size}")
    return compare("train_vs_seq2seqtrainer",
                   ases=lambda: ases_epoch(b, init, rows, batch_size),
                   baseline=lambda: hf_epoch(b, init, features, batch_size),
                   work=tokens, unit="tok/s", target=1.0, repeats=repeats)
