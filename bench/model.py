"""The trained tiny uni-path model the decoding and training benchmarks share: the model
``make run``'s default job trained (bench/job.py keeps its run folder and cache). Where
that job has not run yet, it is run first (untimed).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from ases.data.example import Example
from ases.models.factory import build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.paths.rows import Row, segment_rows
from ases.pipeline import limit_splits, segment
from ases.segment.location import LocationSegmenter
from ases.tasks.mwp import MWPTask
from bench import job


@dataclass
class Bench:
    """What the benchmarks run on."""

    cfg: DictConfig
    spec: ModelSpec
    tokenizer: object
    model: torch.nn.Module
    task: MWPTask
    rows: list[Row]
    """Uni-path rows of the train split (location segments: no scorer needed)."""
    test: list[Example]


def load() -> Bench:
    """The default job's config, tokenizer, best weights, train rows and test problems."""
    run_dir, cache = job.JOB_DIR / "run", job.JOB_DIR / "cache"
    if not (run_dir / "metrics.json").is_file():
        job.run()
    with initialize_config_dir(config_dir=str(job.ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"cache_dir={cache}"])
    spec = ModelSpec(**OmegaConf.to_container(cfg.model, resolve=True))
    splits = limit_splits(instantiate(cfg.data.loader), cfg.data.limit)
    tokenizer = build_tokenizer(spec, [t for ex in splits.train for t in (ex.question, ex.cot)],
                                cfg.cache_dir, int(cfg.seed))  # the job's, from its cache
    model = build_model(spec, tokenizer)
    state = torch.load(run_dir / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=True)
    model.load_state_dict({k.removeprefix("model."): v for k, v in state["state_dict"].items()})
    task = MWPTask()
    rows = segment_rows(segment(splits.train, task, LocationSegmenter(), 1.0, True))
    return Bench(cfg, spec, tokenizer, model.eval(), task, rows, splits.test)
