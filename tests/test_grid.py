"""Grids: the experiment and SLURM configs and the grid sweeper (in process), and real
multiruns (basic and submitit_local launchers, a failing cell, DDP on 2 CPU processes)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import CONF, DEFAULT_RUN, ases_cli, compose_cfg, in_background
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.types import HydraContext, RunMode
from omegaconf import OmegaConf

from ases.runs.cells import RUN_FILE
from ases.runs.files import read_jsonl

EXPERIMENTS = sorted(p.stem for p in (CONF / "experiment").glob("*.yaml"))


def _report(*args: str):
    return ases_cli(*args, module="ases.tools.report", timeout=300)


def _runs(sweep_dir: Path) -> dict[str, dict]:
    """Each job folder's run.json, by folder name."""
    return {p.parent.name: json.loads(p.read_text()) for p in sweep_dir.glob(f"*/{RUN_FILE}")}


def _compose_with_hydra(overrides: list[str]):
    """What ``python -m ases.run <overrides> --cfg all`` prints, as a config."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=True)


def _sweep_cells(overrides: list[str]) -> list[list[str]]:
    """The jobs ``python -m ases.run -m <overrides>`` would launch, in order."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        hydra = GlobalHydra.instance().hydra
        cfg = hydra.compose_config("config", overrides, run_mode=RunMode.MULTIRUN)
        loader = hydra.config_loader
        sweeper = Plugins.instance().instantiate_sweeper(
            config=cfg, hydra_context=HydraContext(config_loader=loader, callbacks=None),
            task_function=lambda _: None)
        swept = [f"{k}={v}" for k, v in (cfg.hydra.sweeper.params or {}).items()] + [
            o for o in overrides if not o.startswith("hydra.")]  # Hydra keeps those to itself
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(swept)
        return [cell for batch in sweeper.split_arguments(parsed, None) for cell in batch]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_configs_open_with_their_command_and_compose(name):
    first = (CONF / "experiment" / f"{name}.yaml").read_text().splitlines()
    assert first[0] == "# @package _global_"
    assert any(f"python -m ases.run -m experiment={name}" in line for line in first[:8])
    cfg = _compose_with_hydra([f"experiment={name}"])
    assert cfg.hydra.sweeper._target_.endswith(".GridSweeper")
    params = cfg.hydra.sweeper.params
    assert params
    # the last value of every swept key composes too (a choice that exists, a valid number)
    last = [f"{key}={str(values).split(',')[-1]}" for key, values in params.items()]
    OmegaConf.resolve(compose_cfg([f"experiment={name}", *last]))


def test_the_sweeper_runs_the_baseline_once_not_once_per_segmenter():
    # paper_grid's 9 cells (of 12) run in the slow tier: the smoke grid is it for two tasks
    cells = _sweep_cells(["path=seq2seq,uni", "seg=entropy,location", "seg.beta=1.4"])
    assert cells == [["path=seq2seq"],  # without the seg choices it ignores
                     ["path=uni", "seg=entropy", "seg.beta=1.4"],
                     ["path=uni", "seg=location", "seg.beta=1.4"]]


def test_arms_are_crossed_with_the_sweep_lists_and_vary_fastest():
    """Chosen cells instead of a full product: a sweep stopped half-way has whole seeds."""
    arms = "hydra.sweeper.arms=['path=seq2seq','path=uni seg=location','path=uni path.tagged=true']"
    cells = _sweep_cells([arms, "seed=0,1", "seg=entropy"])
    assert cells == [["seed=0", "path=seq2seq"],  # the baseline drops the seg it ignores
                     ["seed=0", "path=uni", "seg=location"],  # an arm's choice wins
                     ["seed=0", "seg=entropy", "path=uni", "path.tagged=true"],
                     ["seed=1", "path=seq2seq"],
                     ["seed=1", "path=uni", "seg=location"],
                     ["seed=1", "seg=entropy", "path=uni", "path.tagged=true"]]


def test_slurm_launcher_composes_with_the_documented_fields():
    cfg = _compose_with_hydra(["experiment=paper_grid", "trainer=gpu", "hydra/launcher=slurm",
                               "hydra.launcher.partition=gpu", "hydra.launcher.timeout_min=120"])
    launcher = cfg.hydra.launcher
    assert launcher._target_ == "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
    assert (launcher.partition, launcher.timeout_min) == ("gpu", 120)  # the command line wins
    assert (launcher.gpus_per_node, launcher.mem_gb, launcher.array_parallelism) == (1, 64, 32)
    assert "signal_delay_s" in launcher  # submitit_slurm's own fields lie under ours
    assert cfg.hydra.runtime.choices["hydra/launcher"] == "slurm"


def test_wandb_is_finished_after_a_failed_job(monkeypatch):
    wandb = pytest.importorskip("wandb")
    from ases.run import _finish_wandb

    monkeypatch.setenv("WANDB_MODE", "disabled")  # a run object, and no service process
    try:
        wandb.init(project="ases-test")
        assert wandb.run is not None
        _finish_wandb(failed=True)
        assert wandb.run is None
        _finish_wandb(failed=False)  # nothing open: nothing to do
    finally:
        wandb.teardown()
        os.environ.pop("WANDB_SERVICE", None)


@pytest.mark.slow
def test_smoke_grid_runs_every_cell_once_and_reports(smoke_sweep):
    sweep, cache, done = smoke_sweep
    assert done.returncode == 0, done.stderr[-3000:]
    runs = _runs(sweep)
    # 2 tasks x (baseline + 4 segmenters x {uni, dual}): the baseline is not run per
    # segmenter; then the 3 extra decoder-only cells (one per path)
    assert len(runs) == 21
    cells = [tuple(sorted(r["cell"].items(), key=str)) for r in runs.values()]
    assert len(set(cells)) == 21
    assert {r["status"] for r in runs.values()} == {"completed"}
    assert sum(r["cell"]["path"] == "seq2seq" and r["cell"]["seg"] is None for r in runs.values()) == 3
    causal = sorted((r["cell"]["path"], r["cell"]["seg"]) for r in runs.values()
                    if r["cell"]["model"] == "tiny-causal")
    assert causal == [("dual", "location"), ("seq2seq", None), ("uni", "location")]
    for name in runs:
        metrics = json.loads((sweep / name / "metrics.json").read_text())
        assert metrics["test/n"] == 16
    # the scorer is built once per task and reused by the 4 entropy/loss jobs of that task
    assert len([p for p in (cache / "scorer").iterdir() if p.is_dir()]) == 2
    out = sweep.parent / "report"
    rep = _report(str(sweep), "--out", str(out))
    assert rep.returncode == 0, rep.stderr[-2000:]
    rows = json.loads((out / "report.json").read_text())
    assert len(rows) == 21 and all(r["status"] == "ok" for r in rows)
    text = (out / "report.md").read_text()
    assert "Baseline → AS-ES" in text and text.count("| mwp |") >= 9
    # every MWP AS-ES cell (8 on T5, 2 decoder-only) against its model's baseline, seed 0
    paired = [r for r in rows if r["paired"]]
    assert len(paired) == 10 and all(r["task"] == "mwp" for r in paired)
    assert all(r["paired"]["seeds"] == [0] and r["paired"]["n_problems"] == 16 for r in paired)
    assert text.count("| mwp | `mwp-") == 10
    for png in ("cells_mwp.png", "cells_pet.png", "paired_mwp.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@in_background("broken_grid", seconds=60)
def _broken_grid(folder: Path):
    """Each job through submitit (its own process); the cell with β = -1 fails."""
    sweep = folder / "sweep"
    done = ases_cli("-m", "experiment=smoke", "hydra/launcher=submitit_local", "task=mwp",
                    "path=uni", "seg=location", "seg.beta=1.0,-1,1.4", "hydra.sweeper.extra=[]",
                    f"hydra.sweep.dir={sweep}")
    return sweep, done, _report(str(sweep), "--out", str(folder / "report"))


@pytest.fixture(scope="session")
def broken_grid(_background):
    return _background["broken_grid"].result()


@pytest.mark.slow
def test_a_submitit_grid_with_a_broken_cell_runs_the_others_and_reports_it(broken_grid):
    """The failing cell fails alone: the sweep goes on, then says which cell failed, and
    the report lists it."""
    sweep, done, rep = broken_grid
    assert done.returncode != 0
    assert "1 of 3 cells failed" in done.stderr
    assert (sweep / ".submitit").is_dir()  # the jobs really went through submitit
    runs = _runs(sweep)
    assert sorted(runs) == ["0_mwp-location-uni", "1_mwp-location-uni", "2_mwp-location-uni"]
    assert [runs[n]["status"] for n in sorted(runs)] == ["completed", "failed", "completed"]
    failed = sweep / "1_mwp-location-uni"
    assert "beta" in runs[failed.name]["error"]
    assert json.loads((failed / "metrics.json").read_text())["status"] == "failed"
    assert "Traceback" in (failed / "error.txt").read_text()
    assert not (failed / "checkpoints").exists()  # it stopped before training
    assert rep.returncode == 0, rep.stderr[-2000:]
    out = sweep.parent / "report"
    assert len(json.loads((out / "report.json").read_text())) == 3
    text = (out / "report.md").read_text()
    assert "failed" in text and "beta" in text
    for png in ("metric_vs_beta_mwp.png", "as_fraction_vs_beta_mwp.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_two_ddp_jobs_in_a_row_train_both_dual_models(ddp_grid):
    """Three DDP jobs (2 gloo processes each) of one basic-launcher sweep, the third with
    a decoder-only pair: each job starts its own ranks again (Lightning's rank variables and
    process group from the one before are cleared). Each trains both dual models and
    writes the gathered predictions once."""
    sweep, _, done = ddp_grid
    assert done.returncode == 0, done.stderr[-3000:]
    runs = _runs(sweep)
    assert sorted(runs) == ["0_mwp-location-dual", "1_mwp-location-dual",
                            "2_mwp-location-dual-tiny-causal"]  # no child sweeps
    assert all(r["status"] == "completed" for r in runs.values())
    assert [(r["cell"]["seed"], r["cell"]["model"]) for _, r in sorted(runs.items())] == [
        (0, "tiny"), (1, "tiny"), (0, "tiny-causal")]
    for name in runs:
        job = sweep / name
        assert (job / "train_ddp_process_1.log").is_file()  # its second rank ran this job
        metrics = json.loads((job / "metrics.json").read_text())
        preds = read_jsonl(job / "predictions.jsonl")
        assert len(preds) == 16 == len({p["qid"] for p in preds}) == metrics["test/n"]
        assert list((job / "csv").glob("*.csv")) == [job / "csv" / "metrics.csv"]
        csv_head = (job / "csv" / "metrics.csv").read_text().splitlines()[0]
        assert "train/loss_es" in csv_head and "train/loss_as" in csv_head


@in_background("ddp_decoding", seconds=40, needs=("default_run",))
def _ddp_decoding(folder: Path, default_run):
    """The default run's checkpoint tested again on 2 gloo processes."""
    best = default_run.dir / "checkpoints" / "best.ckpt"
    return folder / "run", ases_cli(*DEFAULT_RUN, "trainer=ddp_cpu", f"test_ckpt={best}",
                                    f"hydra.run.dir={folder / 'run'}")


@pytest.fixture(scope="session")
def ddp_decoding(_background):
    return _background["ddp_decoding"].result()


@pytest.mark.slow
def test_ddp_test_decoding_matches_one_process_on_the_same_checkpoint(ddp_decoding, default_run):
    """Test decoding sharded over 2 ranks and gathered gives what one process gave on the
    same checkpoint (the default run, whose model writes text for about half the problems:
    a real comparison, not empty text against empty text)."""
    run_dir, done = ddp_decoding
    assert done.returncode == 0, done.stderr[-3000:]
    assert (run_dir / "train_ddp_process_1.log").is_file()
    preds = read_jsonl(run_dir / "predictions.jsonl")
    assert preds == read_jsonl(default_run.dir / "predictions.jsonl")
    assert len(preds) == 32 and sum(bool(p["generated"]) for p in preds) >= 8
    ddp_metrics = json.loads((run_dir / "metrics.json").read_text())
    one_metrics = json.loads((default_run.dir / "metrics.json").read_text())
    test_keys = [k for k in one_metrics if k.startswith("test/")]
    assert test_keys and all(ddp_metrics[k] == one_metrics[k] for k in test_keys)


@pytest.mark.parametrize("name,task,model", [("reproduce_mwp", "mwp", "flan-t5-base"),
                                             ("reproduce_pet", "pet", "mt5-base")])
def test_the_reproduction_experiments_hold_the_papers_settings(name, task, model):
    """The authors' optimizer settings (their file says which one ases does not follow),
    on a GPU, three seeds of the baseline, uni and dual on entropy segmentation."""
    cfg = _compose_with_hydra([f"experiment={name}"])
    assert (cfg.task.name, cfg.model.name, cfg.seg.name, cfg.seg.beta) == (task, model, "entropy", 1.4)
    assert (cfg.optim.lr, cfg.optim.weight_decay, cfg.optim.warmup_ratio) == (5e-4, 0.01, 0.04)
    assert (cfg.datamodule.batch_size, cfg.trainer.max_epochs, cfg.trainer.accelerator) == (64, 50, "gpu")
    params = cfg.hydra.sweeper.params
    assert (params.path, params.seed) == ("seq2seq,uni,dual", "0,1,2")
    if task == "mwp":
        assert cfg.task.max_target_len == 256
    text = (CONF / "experiment" / f"{name}.yaml").read_text()
    assert "cosine" in text and "GPU hours" in text
