"""Every combination of the config choices that exist composes and instantiates.

Choices are discovered by listing conf/<group>/, so a new yaml file is tested the
moment it is added.
"""

from __future__ import annotations

import itertools

import pytest
import torch
from conftest import CONF, SHARED_DATA, compose_cfg
from hydra.utils import instantiate
from omegaconf import OmegaConf

from ases.models.spec import ModelSpec
from ases.segment.base import Segmenter

GROUPS = ("task", "data", "seg", "path", "model", "trainer", "logger", "debug")


def choices(group: str) -> list[str]:
    names = sorted(p.stem for p in (CONF / group).glob("*.yaml"))
    return names + ["null"] if group in ("debug",) else names


COMBOS = list(itertools.product(*(choices(g) for g in GROUPS)))


def overrides(combo) -> list[str]:
    out = [f"{g}={c}" for g, c in zip(GROUPS, combo, strict=True) if c != "null"]
    if "data=gsm8k" in out:
        out.append(f"data.path={SHARED_DATA / 'gsm8k'}")
    return out


def test_there_is_a_grid_to_test():
    assert len(COMBOS) >= 48
    assert {"seq2seq", "uni"} <= set(choices("path"))
    assert {"tiny", "flan-t5-small", "flan-t5-base"} <= set(choices("model"))


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "-".join(c))
def test_combination_composes_and_instantiates(combo, tmp_path):
    cfg = compose_cfg(overrides(combo))
    OmegaConf.resolve(cfg)  # every interpolation resolves
    task = instantiate(cfg.task.task)
    assert task.name == cfg.task.name
    assert isinstance(instantiate(cfg.seg.segmenter), Segmenter)
    assert callable(instantiate(cfg.path.rows))
    assert callable(instantiate(cfg.path.module))
    spec = ModelSpec(**OmegaConf.to_container(cfg.model))
    assert (spec.pretrained is None) == (cfg.model.name == "tiny")
    instantiate(cfg.logger, save_dir=str(tmp_path))
    assert cfg.trainer._target_ == "lightning.pytorch.Trainer"


@pytest.mark.parametrize("trainer", choices("trainer"))
@pytest.mark.parametrize("debug", choices("debug"))
def test_each_trainer_instantiates(trainer, debug):
    """The trainer does not depend on the other groups, so it is built once per choice."""
    cfg = compose_cfg(overrides(["mwp", "synthetic", "location", "uni", "tiny", trainer, "csv", debug]))
    if cfg.trainer.accelerator == "gpu" and not torch.cuda.is_available():
        pytest.skip("trainer=gpu needs a GPU to instantiate")
    built = instantiate(cfg.trainer, logger=False, enable_checkpointing=False)
    assert built.max_epochs == cfg.trainer.max_epochs


@pytest.mark.parametrize("data", choices("data"))
def test_each_data_choice_loads(data):
    combo = ["mwp", data, "location", "uni", "tiny", "cpu", "csv", "fast"]
    cfg = compose_cfg(overrides(combo))
    splits = instantiate(cfg.data.loader)
    assert splits.train and splits.val and splits.test
    assert all(ex.cot.rstrip().endswith(".") for ex in splits.test[:50])


def test_seed_zero_is_kept():
    assert compose_cfg(["seed=0"]).seed == 0
