"""The trained tiny uni-path model the decoding and training benchmarks share: the model
``make run``'s default job trained (bench/job.py keeps its run folder and cache), loaded by
:func:`ases.load.load_run`. Where that job has not run yet, it is run first (untimed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from omegaconf import DictConfig

from ases.data.example import Example
from ases.load import load_run
from ases.models.adapter import ModelAdapter
from ases.models.spec import ModelSpec
from ases.paths.rows import Row, segment_rows
from ases.segment.location import LocationSegmenter
from ases.segmenting import segment
from ases.tasks.base import Task
from bench import job


@dataclass
class Bench:
    """What the benchmarks run on."""

    cfg: DictConfig
    spec: ModelSpec
    tokenizer: object
    adapter: ModelAdapter
    model: torch.nn.Module
    task: Task
    rows: list[Row]
    """Uni-path rows of the train split (location segments: no scorer needed)."""
    test: list[Example]


def load() -> Bench:
    """The default job's config, tokenizer, best weights, train rows and test problems."""
    run_dir, cache = job.JOB_DIR / "run", job.JOB_DIR / "cache"
    if not (run_dir / "metrics.json").is_file():
        job.run()
    os.environ["ASES_CACHE_DIR"] = str(cache)  # the job's cache, should anything be rebuilt
    run = load_run(run_dir)
    rows = segment_rows(segment(run.splits.train, run.task, LocationSegmenter(), 1.0, True))
    return Bench(run.cfg, run.spec, run.tokenizer, run.adapter, run.models["model"], run.task,
                 rows, run.splits.test)
