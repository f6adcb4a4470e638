"""The config choices that exist compose, resolve and build what the pipeline builds.

Choices are discovered by listing conf/<group>/, so a new yaml file is tested the moment
it is added. The groups that interact (task, data, seg, path, model, debug) are crossed
pairwise: every pair of choices of every two groups is composed in at least one
combination (all-pairs testing), which is ~25 compositions instead of the ~1,000 of the
full product (each costs ~0.25 s here), and a config that breaks only for one pair of
choices is still found. Each distinct resolved object config is then built once. The
trainer, logger and data groups are checked on their own.
"""

from __future__ import annotations

import itertools
import json

import lightning as L
import pytest
import torch
from conftest import CONF, SHARED_DATA, compose_cfg
from hydra.utils import instantiate
from omegaconf import OmegaConf

from ases.config import RunConfig
from ases.models.factory import build_model, build_tokenizer
from ases.models.seq2seq import Seq2SeqAdapter
from ases.models.spec import ModelSpec
from ases.paths.rows import dual_rows, segment_rows, whole_rows
from ases.segment.base import AS, ES, Segment, SegmentedCoT, Segmenter

CROSSED = ("task", "data", "seg", "path", "model", "debug")


def choices(group: str) -> list[str]:
    names = sorted(p.stem for p in (CONF / group).glob("*.yaml"))
    return names + ["null"] if group == "debug" else names


def all_pairs(groups: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """A few rows of the product of ``groups`` that hold every pair of choices of every two
    groups: greedily, the row that covers the most pairs not yet covered."""
    index_pairs = list(itertools.combinations(range(len(groups)), 2))
    product = list(itertools.product(*groups.values()))

    def pairs(row):
        return {(a, row[a], b, row[b]) for a, b in index_pairs}

    uncovered = set().union(*map(pairs, product))
    rows = []
    while uncovered:
        best = max(product, key=lambda row: len(pairs(row) & uncovered))
        rows.append(best)
        uncovered -= pairs(best)
    return rows


COMBOS = all_pairs({g: choices(g) for g in CROSSED})
_BUILT: set[tuple[str, str]] = set()


def overrides(combo, groups=CROSSED) -> list[str]:
    out = [f"{g}={c}" for g, c in zip(groups, combo, strict=True) if c != "null"]
    if "data=gsm8k" in out:
        out.append(f"data.path={SHARED_DATA / 'gsm8k'}")
    if "data=cpet11k" in out:
        out.append(f"data.path={SHARED_DATA / 'cpet11k'}")
    return out


def _first_time(name: str, node) -> bool:
    key = (name, json.dumps(OmegaConf.to_container(node, resolve=True), sort_keys=True, default=str))
    if key in _BUILT:
        return False
    _BUILT.add(key)
    return True


COTS = [SegmentedCoT("a", "Ann has 4 pens and buys 3. How many?",
                     ["Ann has 4 pens.", "So 4 + 3 = 7 pens.", "The answer is 7."], [0.0] * 3, 0.0,
                     [ES, AS, ES], [Segment(ES, "Ann has 4 pens."), Segment(AS, "So 4 + 3 = 7 pens."),
                                    Segment(ES, "The answer is 7.")])]
TINY = ModelSpec(vocab_size=120, d_model=16, d_ff=32, d_kv=4, num_heads=2, num_layers=1,
                 num_decoder_layers=1)


@pytest.fixture(scope="module")
def tiny_tokenizer(tmp_path_factory):
    return build_tokenizer(TINY, [COTS[0].question, *COTS[0].pieces] * 20,
                           tmp_path_factory.mktemp("tok"))


def test_every_pair_of_choices_is_composed():
    for a, b in itertools.combinations(range(len(CROSSED)), 2):
        seen = {(row[a], row[b]) for row in COMBOS}
        assert seen == set(itertools.product(choices(CROSSED[a]), choices(CROSSED[b]))), (
            CROSSED[a], CROSSED[b])


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "-".join(c))
def test_combination_composes_and_builds(combo, tiny_tokenizer):
    cfg = compose_cfg(overrides(combo))
    OmegaConf.resolve(cfg)  # every interpolation resolves
    rc = RunConfig.from_hydra(cfg)
    if _first_time("task", cfg.task.task):
        assert rc.make("task").name == cfg.task.name
    if _first_time("seg", cfg.seg.segmenter):
        segmenter = rc.make("segmenter")
        assert isinstance(segmenter, Segmenter)
        assert segmenter.needs_scorer == (rc.scorer is not None)
    if _first_time("rows", cfg.path.rows):  # the path's rows function, with its settings
        expected = {"seq2seq": whole_rows(COTS), "dual": dual_rows(COTS),
                    "uni": segment_rows(COTS, tagged=rc.tagged)}[cfg.path.name]
        assert rc.make("rows")(COTS) == expected
    if _first_time("module", cfg.path.module):  # binds what the pipeline binds
        torch.manual_seed(0)
        models = [build_model(TINY, tiny_tokenizer) for _ in rc.specs]
        module = rc.make("module", model=models[0], adapter=Seq2SeqAdapter(tiny_tokenizer),
                         task=rc.make("task"), decode=rc.decode, max_source_len=16,
                         max_target_len=16, **({"as_model": models[1]} if len(models) == 2 else {}),
                         **rc.optim)
        assert isinstance(module, L.LightningModule)
        n_params = sum(p.numel() for p in models[0].parameters())
        assert sum(p.numel() for p in module.parameters()) == len(models) * n_params
    assert (rc.spec.pretrained is None) == cfg.model.name.startswith("tiny")  # tiny, tiny-causal
    assert not any(s.trust_remote_code for s in rc.specs)  # no remote code unless asked
    assert rc.spec.max_source_len == cfg.task.max_source_len  # lengths follow the task
    assert len(rc.specs) == cfg.path.models
    fast = combo[CROSSED.index("debug")] == "fast"
    assert (rc.limit["train"] == 200) == fast
    assert (rc.trainer.get("limit_train_batches") == 20) == fast


@pytest.mark.parametrize("trainer", choices("trainer"))
def test_each_trainer_instantiates(trainer):
    """The trainer does not depend on the other groups, so it is built once per choice."""
    cfg = compose_cfg(overrides(["mwp", "synthetic", "location", "uni", "tiny", "fast"])
                      + [f"trainer={trainer}"])
    if cfg.trainer.accelerator == "gpu" and not torch.cuda.is_available():
        pytest.skip("trainer=gpu needs a GPU to instantiate")
    built = instantiate(cfg.trainer, logger=False, enable_checkpointing=False)
    devices = cfg.trainer.devices
    assert built.num_devices == (devices if devices > 0 else torch.cuda.device_count())
    assert built.limit_train_batches == 20  # debug=fast reaches the trainer
    assert ("DDP" in type(built.strategy).__name__) == trainer.startswith("ddp")


@pytest.mark.parametrize("logger", [
    "csv", pytest.param("wandb", marks=pytest.mark.skipif(
        not __import__("importlib").util.find_spec("wandb"), reason="wandb is not installed"))])
def test_each_logger_is_made_for_a_run_dir(logger, tmp_path, monkeypatch):
    from ases.training.loggers import make_logger

    # disabled: the run object keeps what it is given, and no W&B service process starts
    # (the slow tier's killed-and-resumed W&B run checks the offline files)
    monkeypatch.setenv("WANDB_MODE", "disabled")
    rc = RunConfig.from_hydra(compose_cfg([f"logger={logger}", "path=dual", "seg=loss",
                                           "seg.beta=1.4"]))
    made = make_logger(rc.nodes["logger"], rc.cell, rc.resolved, tmp_path)
    assert str(tmp_path) in str(made.save_dir)
    if logger == "wandb":  # named after the grid cell
        import wandb

        assert made.experiment.name == "mwp-loss-dual-b1.4-s0"
        assert made.experiment.group == "mwp-loss-dual-b1.4"
        assert {"seg:loss", "path:dual", "beta:1.4", "seed:0"} <= set(made.experiment.tags)
        assert made.experiment.config["config"]["seg"]["beta"] == 1.4
        wandb.finish()
    else:
        made.save()
        hparams = OmegaConf.load(tmp_path / "csv" / "hparams.yaml")
        assert hparams.config.seg.beta == 1.4 and hparams.config.path.name == "dual"


def test_a_wandb_run_id_is_kept_for_a_resume_and_new_for_a_fresh_start(tmp_path):
    from ases.training.loggers import WANDB_ID_FILE, wandb_run_id

    first = wandb_run_id(tmp_path, resume=False)
    assert json.loads((tmp_path / WANDB_ID_FILE).read_text()) == {"id": first}
    assert wandb_run_id(tmp_path, resume=True) == first  # a resumed run logs into it
    fresh = wandb_run_id(tmp_path, resume=False)
    assert fresh != first and wandb_run_id(tmp_path, resume=True) == fresh
    assert wandb_run_id(tmp_path / "new", resume=True) != fresh  # nothing kept: a new id


# only the synthetic data depends on the task (each task names its generator)
DATA_TASKS = [(d, t) for d in choices("data")
              for t in (choices("task") if d == "synthetic" else ["pet" if d == "cpet11k" else "mwp"])]


@pytest.mark.parametrize(("data", "task"), DATA_TASKS)
def test_each_data_choice_loads(data, task, tmp_path):
    for real in ("gsm8k", "cpet11k"):
        if data == real and not (SHARED_DATA / real).is_dir():
            pytest.skip(f"{real} is not at {SHARED_DATA / real}")
    extra = []
    if data == "files":
        rows = [{"question": f"q{i}", "answer": f"a{i}.", "qid": i} for i in range(20)]
        (tmp_path / "f.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        extra = [f"data.train={tmp_path / 'f.jsonl'}"]
    cfg = compose_cfg(overrides([task, data, "location", "uni", "tiny", "fast"]) + extra)
    splits = instantiate(cfg.data.loader)
    assert splits.train and splits.val and splits.test
    ids = [ex.qid for ex in splits.train + splits.val + splits.test]
    assert len(ids) == len(set(ids))  # the splits do not share a problem


def test_seed_zero_is_a_seed():
    rc = RunConfig.from_hydra(compose_cfg(["seed=0"]))
    assert rc.seed == 0 and rc.cell["seed"] == 0
    with pytest.raises(ValueError, match="seed must be set"):
        RunConfig.from_hydra(compose_cfg(["seed=null"]))


def test_a_grid_wide_scorer_setting_leaves_segmenters_without_a_scorer_alone():
    """experiment=evidence sets seg.scorer.seed for every cell; location has no scorer."""
    location = RunConfig.from_hydra(compose_cfg(["experiment=evidence", "path=uni", "seg=location"]))
    assert location.scorer is None
    entropy = RunConfig.from_hydra(compose_cfg(["experiment=evidence", "path=uni", "seg=entropy"]))
    assert entropy.scorer is not None and entropy.scorer.seed == 0


def test_an_evidence_arm_that_trains_longer_keeps_the_grids_scorer():
    """The steps11300 ablation arm must segment its CoTs with the scorer of the other arms."""
    base = RunConfig.from_hydra(compose_cfg(["experiment=evidence", "path=uni", "seg=entropy"]))
    longer = RunConfig.from_hydra(compose_cfg(["experiment=evidence", "path=uni", "seg=entropy",
                                               "trainer.max_steps=11300",
                                               "trainer.val_check_interval=565"]))
    assert longer.trainer["max_steps"] == 11300
    assert longer.trainer_for_scorer() == base.trainer_for_scorer()
    assert base.trainer_for_scorer()["max_steps"] == 2700
