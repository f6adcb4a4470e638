"""``train_causal_vs_trl``: non-padding tokens per second of the seq2seq baseline on a
decoder-only student (question → whole CoT in one sequence, prompt labels masked: ases'
``CausalAdapter`` trained by ``SingleModelPath`` under Lightning, length-grouped batches)
against TRL's ``SFTTrainer`` with its completion-only loss (its defaults otherwise: random
batches, padded by its ``DataCollatorForLanguageModeling``; no packing, no padding-free).

Both sides: ``model=tiny-causal``'s shape at the same initial weights, the same token ids
(TRL gets ases' prompt and target ids as ``input_ids`` and a ``completion_mask``, so it
tokenizes nothing), batch size, AdamW (``torch.optim.AdamW`` on both sides) at the same
learning rate and weight decay, linear decay without warm-up, gradient clipping at 1.0,
float32 on the CPU, one epoch, so both train on every row exactly once. The tokens counted
are the rows' own (no padding), the same on both sides.

``make bench`` installs TRL (``pip install -e '.[bench]'``); without it the row times ases
alone and its note says why.
"""

from __future__ import annotations

import copy
import statistics
import tempfile
import time

import lightning as L
import torch

from ases.data.synthetic.mwp.generate import generate_mwp
from ases.decoding.loops import DecodeSettings
from ases.models.factory import build_adapter, build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.paths.rows import Row, whole_rows
from ases.paths.single import SingleModelPath
from ases.segmenting import cut_pieces
from ases.tasks.mwp import MWPTask
from ases.training.datamodule import RowsDataModule
from bench.timing import Comparison, compare

SPEC = ModelSpec(name="tiny-causal", arch="causal", num_layers=6, max_source_len=384,
                 max_target_len=256)
LR = 2e-3
WEIGHT_DECAY = 0.01


def _datamodule(adapter, rows: list[Row], batch_size: int) -> RowsDataModule:
    return RowsDataModule(rows, rows[:batch_size], [], adapter, SPEC.max_source_len,
                          SPEC.max_target_len, batch_size=batch_size)


def ases_epoch(adapter, tokenizer, init: dict, rows: list[Row], batch_size: int) -> None:
    """One Lightning epoch of the seq2seq baseline (``path=seq2seq``) from ``init``."""
    model = build_model(SPEC, tokenizer)
    model.load_state_dict(init)
    module = SingleModelPath(model, adapter, MWPTask(), DecodeSettings(), iterative=False,
                             max_source_len=SPEC.max_source_len,
                             max_target_len=SPEC.max_target_len, lr=LR,
                             weight_decay=WEIGHT_DECAY, warmup_ratio=0.0)
    trainer = L.Trainer(accelerator="cpu", devices=1, max_epochs=1, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, limit_val_batches=0, num_sanity_val_steps=0,
                        gradient_clip_val=1.0)
    trainer.fit(module, datamodule=_datamodule(adapter, rows, batch_size))


def trl_features(adapter, rows: list[Row], batch_size: int) -> list[dict]:
    """ases' own token ids of ``rows`` (prompt + target, as its datamodule cuts them) in
    TRL's pre-tokenized prompt-completion form: ``input_ids`` and ``completion_mask``."""
    dm = _datamodule(adapter, rows, batch_size)
    dm.setup("fit")
    encoded = dm._train
    return [{"input_ids": s + t, "completion_mask": [0] * len(s) + [1] * len(t)}
            for s, t in zip(encoded.sources, encoded.targets, strict=True)]


def trl_trainer(tokenizer, init: dict, features: list[dict], batch_size: int, out: str,
                max_steps: int = -1):
    """An ``SFTTrainer`` on ``features`` from ``init``, set as ases' side is (see the module
    docstring); nothing goes to the network."""
    import huggingface_hub.constants
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    # SFTTrainer pings the hub's telemetry at construction unless this is set; the flag is
    # read from the environment at import, so set the module's value.
    huggingface_hub.constants.HF_HUB_DISABLE_TELEMETRY = True
    model = build_model(SPEC, tokenizer)
    model.load_state_dict(init)
    args = SFTConfig(
        output_dir=out, per_device_train_batch_size=batch_size, num_train_epochs=1,
        max_steps=max_steps, learning_rate=LR, weight_decay=WEIGHT_DECAY, max_grad_norm=1.0,
        lr_scheduler_type="linear", warmup_steps=0,
        optim="adamw_torch",  # torch.optim.AdamW, as ases (TRL's default: its fused kernel)
        completion_only_loss=True,  # pre-tokenized rows say nothing of prompts: ask for it
        packing=False, padding_free=False,  # ases' baseline does not pack either
        max_length=None,  # ases has cut the rows already; TRL cuts nothing more
        bf16=False, activation_checkpointing=False,  # TRL turns both on by default
        use_cpu=True, dataloader_num_workers=0, seed=0, report_to="none", push_to_hub=False,
        save_strategy="no", logging_strategy="no", disable_tqdm=True)
    return SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(features),
                      processing_class=tokenizer)


def trl_epoch(tokenizer, init: dict, features: list[dict], batch_size: int) -> None:
    """One ``SFTTrainer`` epoch from ``init`` (its dataset preparation included, as ases'
    side includes its datamodule's)."""
    with tempfile.TemporaryDirectory() as out:
        trl_trainer(tokenizer, init, features, batch_size, out).train()


def setup(n_cots: int, cache: str):
    """The baseline's rows of ``n_cots`` synthetic problems, the trained tokenizer, the
    adapter and one initial state both sides load."""
    examples = generate_mwp(n_cots, seed=0)
    rows = whole_rows(cut_pieces(examples, MWPTask()))
    tokenizer = build_tokenizer(SPEC, [t for ex in examples for t in (ex.question, ex.cot)], cache)
    adapter = build_adapter(SPEC, tokenizer)
    L.seed_everything(0, verbose=False)
    init = copy.deepcopy(build_model(SPEC, tokenizer).state_dict())
    return rows, tokenizer, adapter, init


def padded_tokens(adapter, tokenizer, init: dict, rows: list[Row], features: list[dict],
                  batch_size: int) -> tuple[int, int]:
    """Tokens of every batch with their padding, ases' and TRL's: the same rows, batched
    by length by ases, at random by TRL (both samplers seeded, so these are the batches
    the timed epochs train on)."""
    from transformers import set_seed

    dm = _datamodule(adapter, rows, batch_size)
    dm.setup("fit")
    ases = sum(b["input_ids"].numel() for b in dm.train_dataloader())
    with tempfile.TemporaryDirectory() as out:
        trainer = trl_trainer(tokenizer, init, features, batch_size, out)
        set_seed(trainer.args.seed)  # as train() does before it draws the batch order
        trl = sum(b["input_ids"].numel() for b in trainer.get_train_dataloader())
    return ases, trl


def run(n_cots: int = 256, batch_size: int = 16, repeats: int = 3,
        threads: int | None = None) -> Comparison:
    """The row: ``n_cots`` synthetic problems, one epoch per side per repeat.

    Args:
        threads: torch's CPU threads for the row (default: torch's own choice, as the other
            rows). On a shared machine ``threads=1`` keeps both sides' times steady: with
            two threads a step waits for whichever thread another process has preempted.
    """
    try:
        import trl

        missing = None
    except ImportError as err:
        trl, missing = None, f"TRL is not installed ({err}): pip install -e '.[bench]'"
    default_threads = torch.get_num_threads()
    torch.set_num_threads(threads or default_threads)
    try:
        return _run(trl, missing, n_cots, batch_size, repeats)
    finally:
        torch.set_num_threads(default_threads)


def _run(trl, missing: str | None, n_cots: int, batch_size: int, repeats: int) -> Comparison:
    with tempfile.TemporaryDirectory() as cache:
        rows, tokenizer, adapter, init = setup(n_cots, cache)
        features = trl_features(adapter, rows, batch_size)
        tokens = sum(len(f["input_ids"]) for f in features)
        sizes = {"rows": len(rows), "tokens": tokens, "batch_size": batch_size,
                 "threads": torch.get_num_threads()}
        print(f"train_causal_vs_trl: {len(rows)} rows, {tokens} non-padding tokens, batch "
              f"{batch_size}, TRL {trl.__version__ if trl else 'missing'}")
        if trl is None:  # ases' side alone, and why there is no baseline
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                ases_epoch(adapter, tokenizer, init, rows, batch_size)
                times.append(round(time.perf_counter() - start, 3))
            return Comparison("train_causal_vs_trl", tokens / statistics.median(times), None,
                              "tok/s", None, 1.0, False, repeats=repeats,
                              extra={"ases_s": times, **sizes}, note=missing)
        row = compare("train_causal_vs_trl",
                      ases=lambda: ases_epoch(adapter, tokenizer, init, rows, batch_size),
                      baseline=lambda: trl_epoch(tokenizer, init, features, batch_size),
                      work=tokens, unit="tok/s", target=1.0, repeats=repeats)
        ases_padded, trl_padded = padded_tokens(adapter, tokenizer, init, rows, features,
                                                batch_size)
    row.extra.update(sizes, trl=trl.__version__, ases_padded_tokens=ases_padded,
                     trl_padded_tokens=trl_padded)
    return row
