"""Every combination of the config choices that exist composes and instantiates.

Choices are discovered by listing conf/<group>/, so a new yaml file is tested the
moment it is added. Every combination of the groups that interact (task, data, seg,
path, model) is composed and resolved; each distinct resolved object config is then
instantiated once (instantiating an identical config again proves nothing and costs ~1 s
here). The trainer, logger and debug groups are crossed separately.
"""

from __future__ import annotations

import itertools
import json

import pytest
import torch
from conftest import CONF, SHARED_DATA, compose_cfg
from hydra.utils import instantiate
from omegaconf import OmegaConf

from ases.models.spec import ModelSpec
from ases.segment.base import Segmenter

GROUPS = ("task", "data", "seg", "path", "model", "trainer", "logger", "debug")
CROSSED = ("task", "data", "seg", "path", "model")


def choices(group: str) -> list[str]:
    names = sorted(p.stem for p in (CONF / group).glob("*.yaml"))
    return names + ["null"] if group in ("debug",) else names


COMBOS = list(itertools.product(*(choices(g) for g in CROSSED)))
_INSTANTIATED: set[tuple[str, str]] = set()


def overrides(combo, groups=GROUPS) -> list[str]:
    out = [f"{g}={c}" for g, c in zip(groups, combo, strict=True) if c != "null"]
    if "data=gsm8k" in out:
        out.append(f"data.path={SHARED_DATA / 'gsm8k'}")
    if "data=cpet11k" in out:
        out.append(f"data.path={SHARED_DATA / 'cpet11k'}")
    return out


def _first_time(name: str, node) -> bool:
    key = (name, json.dumps(OmegaConf.to_container(node, resolve=True), sort_keys=True, default=str))
    if key in _INSTANTIATED:
        return False
    _INSTANTIATED.add(key)
    return True


def test_there_is_a_grid_to_test():
    assert len(COMBOS) >= 48
    assert {"seq2seq", "uni"} <= set(choices("path"))
    assert {"tiny", "flan-t5-small", "flan-t5-base"} <= set(choices("model"))


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "-".join(c))
def test_combination_composes_and_instantiates(combo, tmp_path):
    cfg = compose_cfg(overrides(combo, CROSSED))
    OmegaConf.resolve(cfg)  # every interpolation resolves
    if _first_time("task", cfg.task.task):
        assert instantiate(cfg.task.task).name == cfg.task.name
    if _first_time("seg", cfg.seg.segmenter):
        assert isinstance(instantiate(cfg.seg.segmenter), Segmenter)
    if _first_time("rows", cfg.path.rows):
        assert callable(instantiate(cfg.path.rows))
    if _first_time("module", cfg.path.module):
        assert callable(instantiate(cfg.path.module))
    spec = ModelSpec(**OmegaConf.to_container(cfg.model))
    assert (spec.pretrained is None) == (cfg.model.name == "tiny")
    assert spec.max_source_len == cfg.task.max_source_len  # lengths follow the task
    assert cfg.trainer._target_ == "lightning.pytorch.Trainer"


@pytest.mark.parametrize("debug", choices("debug"))
@pytest.mark.parametrize("path", choices("path"))
@pytest.mark.parametrize("task", choices("task"))
def test_debug_choices_compose_with_every_task_and_path(task, path, debug):
    cfg = compose_cfg(overrides([task, path, debug], ("task", "path", "debug")))
    OmegaConf.resolve(cfg)
    ModelSpec(**OmegaConf.to_container(cfg.model))


@pytest.mark.parametrize("trainer", choices("trainer"))
@pytest.mark.parametrize("debug", choices("debug"))
def test_each_trainer_instantiates(trainer, debug):
    """The trainer does not depend on the other groups, so it is built once per choice."""
    cfg = compose_cfg(overrides(["mwp", "synthetic", "location", "uni", "tiny", trainer, "csv", debug]))
    if cfg.trainer.accelerator == "gpu" and not torch.cuda.is_available():
        pytest.skip("trainer=gpu needs a GPU to instantiate")
    built = instantiate(cfg.trainer, logger=False, enable_checkpointing=False)
    assert built.max_epochs == cfg.trainer.max_epochs


@pytest.mark.parametrize("logger", choices("logger"))
def test_each_logger_is_made_for_a_run_dir(logger, tmp_path, monkeypatch):
    from ases.config import RunConfig
    from ases.training.loggers import make_logger

    monkeypatch.setenv("WANDB_MODE", "offline")
    rc = RunConfig.from_hydra(compose_cfg([f"logger={logger}", "path=dual", "seg=loss",
                                           "seg.beta=1.4"]))
    made = make_logger(rc.nodes["logger"], rc.cell, rc.resolved, tmp_path)
    assert str(tmp_path) in str(made.save_dir)
    if logger == "wandb":  # named after the grid cell, and finished
        import wandb

        assert made.experiment.name == "mwp-loss-dual-b1.4-s0"
        assert made.experiment.group == "mwp-loss-dual-b1.4"
        assert {"seg:loss", "path:dual", "beta:1.4", "seed:0"} <= set(made.experiment.tags)
        assert made.experiment.config["config"]["seg"]["beta"] == 1.4
        wandb.finish()
    else:
        assert "seg" in (tmp_path / "csv" / "hparams.yaml").read_text()


@pytest.mark.parametrize("task", choices("task"))
@pytest.mark.parametrize("data", choices("data"))
def test_each_data_choice_loads(task, data, tmp_path):
    for real in ("gsm8k", "cpet11k"):
        if data == real and not (SHARED_DATA / real).is_dir():
            pytest.skip(f"{real} is not at {SHARED_DATA / real}")
    extra = []
    if data == "files":
        rows = [{"question": f"q{i}", "answer": f"a{i}.", "qid": i} for i in range(20)]
        (tmp_path / "f.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        extra = [f"data.train={tmp_path / 'f.jsonl'}"]
    cfg = compose_cfg(overrides([task, data, "location", "uni", "tiny", "cpu", "csv", "fast"]) + extra)
    splits = instantiate(cfg.data.loader)
    assert splits.train and splits.val and splits.test


def test_seed_zero_is_kept():
    assert compose_cfg(["seed=0"]).seed == 0
