"""``train_packed_vs_rows``: uni-path rows trained per second on a decoder-only model, one
sequence per CoT (``path.packed``, the default for decoder-only students) against one
sequence per row (``path.packed=false``, the reference).

Both sides: ``model=tiny-causal``'s shape at the same initial weights, the same rows,
batch size, learning rate, float32 on the CPU, one Lightning epoch. The rows: the first
160 train CoTs of the default job (synthetic MWP) as its entropy segmentation cut them
(its ``segments.jsonl``; the job runs first where it has not), 3.35 segments per CoT on
average over its 1,200; ``run(segmentation="location")`` takes location segmentation
instead (2 segments per CoT, the fewest rows to pack). Both train on every row once, with the same loss (the mean of
the row losses, tested equal in ``tests/test_causal.py``); packing does it in one forward
pass over each CoT instead of one per row.
"""

from __future__ import annotations

import copy
import json
import tempfile

import lightning as L

from ases.data.example import Example
from ases.data.synthetic.mwp.generate import generate_mwp
from ases.decoding.loops import DecodeSettings
from ases.models.factory import build_adapter, build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.paths.rows import segment_rows
from ases.paths.single import SingleModelPath
from ases.segment.base import Segment, SegmentedCoT
from ases.segment.location import LocationSegmenter
from ases.segmenting import segment
from ases.tasks.mwp import MWPTask
from ases.training.datamodule import RowsDataModule
from bench import job
from bench.timing import Comparison, compare

SPEC = ModelSpec(name="tiny-causal", arch="causal", num_layers=6, max_source_len=384,
                 max_target_len=256)


def _epoch(adapter, model_init: dict, tokenizer, rows, batch_size: int, packed: bool) -> None:
    model = build_model(SPEC, tokenizer)
    model.load_state_dict(model_init)
    module = SingleModelPath(model, adapter, MWPTask(), DecodeSettings(), iterative=True,
                             max_source_len=SPEC.max_source_len,
                             max_target_len=SPEC.max_target_len, warmup_ratio=0.0)
    dm = RowsDataModule(rows, rows[:batch_size], [], adapter, SPEC.max_source_len,
                        SPEC.max_target_len, batch_size=batch_size, packed=packed)
    trainer = L.Trainer(accelerator="cpu", devices=1, max_epochs=1, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, limit_val_batches=0, num_sanity_val_steps=0,
                        gradient_clip_val=1.0)
    trainer.fit(module, datamodule=dm)


def entropy_segmented(n: int) -> list[SegmentedCoT]:
    """The default job's first ``n`` segmented train CoTs (entropy, β = 1)."""
    path = job.JOB_DIR / "run" / "segments.jsonl"
    if not path.is_file():
        job.run()
    records = [json.loads(line) for line in path.read_text().splitlines()[:n]]
    return [SegmentedCoT(**{**r, "segments": [Segment(**s) for s in r["segments"]]})
            for r in records]


def run(n_cots: int = 160, batch_size: int = 16, repeats: int = 3,
        segmentation: str = "entropy") -> Comparison:
    if segmentation == "entropy":
        segmented = entropy_segmented(n_cots)
        examples = [Example(s.qid, s.question, " ".join(s.pieces), "") for s in segmented]
    else:
        examples = generate_mwp(n_cots, seed=0)
        segmented = segment(examples, MWPTask(), LocationSegmenter(), 1.0, True)
    rows = segment_rows(segmented)
    with tempfile.TemporaryDirectory() as cache:
        tokenizer = build_tokenizer(SPEC, [t for ex in examples for t in (ex.question, ex.cot)], cache)
        adapter = build_adapter(SPEC, tokenizer)
        L.seed_everything(0, verbose=False)
        init = copy.deepcopy(build_model(SPEC, tokenizer).state_dict())
        print(f"train_packed_vs_rows: {n_cots} CoTs ({segmentation} segmentation), "
              f"{len(rows)} uni rows, batch {batch_size}")
        row = compare("train_packed_vs_rows",
                       ases=lambda: _epoch(adapter, init, tokenizer, rows, batch_size, packed=True),
                       baseline=lambda: _epoch(adapter, init, tokenizer, rows, batch_size, packed=False),
                       work=len(rows), unit="rows/s", target=3.0, repeats=repeats)
        row.extra.update({"segmentation": segmentation, "rows_per_cot": round(len(rows) / n_cots, 2)})
        return row
