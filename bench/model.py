"""The trained tiny uni-path model the decoding and training benchmarks share.

It is trained once by the real pipeline (``seg=location path=uni``, one epoch on the
synthetic MWP train split, no scorer needed) and cached under the bench cache; later
``make bench`` runs load it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from ases.cache import cache_key, cached_dir
from ases.cot.rows import Row, segment_rows
from ases.data.example import Example
from ases.models.factory import build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.pipeline import limit_splits, segment, train
from ases.segment.location import LocationSegmenter
from ases.tasks.mwp import MWPTask

CONF = Path(__file__).resolve().parents[1] / "conf"
OVERRIDES = ["task=mwp", "data=synthetic", "seg=location", "path=uni", "model=tiny",
             "trainer.max_epochs=1", "data.limit.train=600", "logger=null",
             "trainer.enable_progress_bar=false"]


@dataclass
class Bench:
    """What the benchmarks run on."""

    cfg: DictConfig
    spec: ModelSpec
    tokenizer: object
    model: torch.nn.Module
    task: MWPTask
    rows: list[Row]
    test: list[Example]


def config(cache: Path) -> DictConfig:
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[*OVERRIDES, f"cache_dir={cache}"])
    return cfg


def load(cache: Path) -> Bench:
    """Trains (first time) or loads the bench model, with its tokenizer, rows and test set."""
    cfg = config(cache)
    folder = cached_dir(cache, "bench-run", cache_key(OmegaConf.to_container(cfg, resolve=True)),
                        lambda out: train(cfg, out))
    spec = ModelSpec(**OmegaConf.to_container(cfg.model, resolve=True))
    splits = limit_splits(instantiate(cfg.data.loader), cfg.data.limit)
    tokenizer = build_tokenizer(spec, [t for ex in splits.train for t in (ex.question, ex.cot)],
                                cfg.cache_dir, int(cfg.seed))
    model = build_model(spec, tokenizer)
    state = torch.load(folder / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=True)
    model.load_state_dict({k.removeprefix("model."): v for k, v in state["state_dict"].items()})
    rows = segment_rows(segment(splits.train, MWPTask(), LocationSegmenter(), 1.0, True))
    return Bench(cfg, spec, tokenizer, model.eval(), MWPTask(), rows, splits.test)
