"""Grids as real multiruns (basic and submitit_local launchers), DDP on 2 CPU processes,
W&B in offline mode, and the experiment and SLURM configs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONF, ROOT

from ases.runs.cells import RUN_FILE
from ases.runs.files import read_jsonl

EXPERIMENTS = ("paper_grid", "beta_sweep", "gamma_sweep", "smoke")


def _ases(*args: str, timeout: int = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "ases.run", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})


def _report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ases.tools.report", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _runs(sweep_dir: Path) -> dict[str, dict]:
    """Each job folder's run.json, by folder name."""
    return {p.parent.name: json.loads(p.read_text()) for p in sweep_dir.glob(f"*/{RUN_FILE}")}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_configs_open_with_their_command_and_compose(name):
    first = (CONF / "experiment" / f"{name}.yaml").read_text().splitlines()
    assert first[0] == "# @package _global_"
    assert any(f"python -m ases.run -m experiment={name}" in line for line in first[:8])
    done = _ases(f"experiment={name}", "--cfg", "hydra", timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "GridSweeper" in done.stdout and "params:" in done.stdout


def test_slurm_launcher_composes_with_the_documented_fields():
    done = _ases("experiment=paper_grid", "trainer=gpu", "hydra/launcher=slurm",
                 "hydra.launcher.partition=gpu", "hydra.launcher.timeout_min=120",
                 "--cfg", "hydra", timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "hydra_submitit_launcher.submitit_launcher.SlurmLauncher" in out
    for line in ("partition: gpu", "timeout_min: 120", "gpus_per_node: 1", "mem_gb: 64",
                 "array_parallelism: 32"):
        assert line in out
    info = _ases("experiment=paper_grid", "hydra/launcher=slurm", "--info", "defaults",
                 timeout=120)
    assert info.returncode == 0, info.stderr[-2000:]
    assert "hydra/launcher/submitit_slurm" in info.stdout


@pytest.mark.slow
def test_smoke_grid_runs_every_cell_once_and_reports(tmp_path):
    sweep, cache = tmp_path / "smoke", tmp_path / "cache"
    done = _ases("-m", "experiment=smoke", f"hydra.sweep.dir={sweep}",
                 env={"ASES_CACHE_DIR": str(cache)})
    assert done.returncode == 0, done.stderr[-3000:]
    runs = _runs(sweep)
    # 2 tasks x (baseline + 4 segmenters x {uni, dual}): the baseline is not run per segmenter
    assert len(runs) == 18
    cells = [tuple(sorted(r["cell"].items(), key=str)) for r in runs.values()]
    assert len(set(cells)) == 18
    assert {r["status"] for r in runs.values()} == {"completed"}
    assert sum(r["cell"]["path"] == "seq2seq" and r["cell"]["seg"] is None for r in runs.values()) == 2
    for name in runs:
        metrics = json.loads((sweep / name / "metrics.json").read_text())
        assert metrics["test/n"] == 16
    # the scorer is built once per task and reused by the 4 entropy/loss jobs of that task
    assert len([p for p in (cache / "scorer").iterdir() if p.is_dir()]) == 2
    rep = _report(str(sweep))
    assert rep.returncode == 0, rep.stderr[-2000:]
    rows = json.loads((sweep / "report" / "report.json").read_text())
    assert len(rows) == 18 and all(r["status"] == "ok" for r in rows)
    text = (sweep / "report" / "report.md").read_text()
    assert "Baseline → AS-ES" in text and text.count("| mwp |") >= 9


@pytest.mark.slow
def test_submitit_local_launcher_runs_a_grid(tmp_path):
    sweep = tmp_path / "submitit"
    done = _ases("-m", "experiment=smoke", "hydra/launcher=submitit_local", "task=mwp",
                 "path=seq2seq,uni", "seg=location", f"hydra.sweep.dir={sweep}")
    assert done.returncode == 0, done.stderr[-3000:]
    runs = _runs(sweep)
    assert sorted(runs) == ["0_mwp-seq2seq", "1_mwp-location-uni"]
    assert all(r["status"] == "completed" for r in runs.values())
    assert (sweep / ".submitit").is_dir()  # the jobs really went through submitit
    rep = _report(str(sweep))
    assert rep.returncode == 0, rep.stderr[-2000:]
    assert len(json.loads((sweep / "report" / "report.json").read_text())) == 2


@pytest.mark.slow
def test_a_broken_cell_fails_alone_and_is_reported(tmp_path):
    sweep = tmp_path / "broken"
    done = _ases("-m", "experiment=smoke", "task=mwp", "path=uni", "seg=location",
                 "seg.beta=1.0,-1,1.4", f"hydra.sweep.dir={sweep}")
    # every cell ran; the sweep then says which one failed
    assert done.returncode != 0
    assert "1 of 3 cells failed" in done.stderr
    runs = _runs(sweep)
    assert [runs[n]["status"] for n in sorted(runs)] == ["completed", "failed", "completed"]
    failed = sweep / sorted(runs)[1]
    assert "beta" in runs[failed.name]["error"]
    assert json.loads((failed / "metrics.json").read_text())["status"] == "failed"
    assert "Traceback" in (failed / "error.txt").read_text()
    rep = _report(str(sweep), "--out", str(tmp_path / "rep"))
    assert rep.returncode == 0, rep.stderr[-2000:]
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "failed" in text and "beta" in text
    for png in ("metric_vs_beta_mwp.png", "as_fraction_vs_beta_mwp.png"):
        assert (tmp_path / "rep" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


DDP_CELL = ["seg=location", "path=dual", "debug=fast", "trainer.max_epochs=8",
            "trainer.limit_train_batches=null", "optim.lr=3e-3"]


@pytest.mark.slow
def test_dual_path_under_ddp_matches_one_process_on_the_same_checkpoint(tmp_path):
    """2 gloo processes inside a multirun job: training of both dual models, sharded test
    decoding, gathered predictions written once; one process testing the same checkpoint
    gives the same predictions and metrics."""
    sweep = tmp_path / "ddp"
    done = _ases("-m", *DDP_CELL, "trainer=ddp_cpu", f"hydra.sweep.dir={sweep}")
    assert done.returncode == 0, done.stderr[-3000:]
    (job,) = [p for p in sweep.iterdir() if p.is_dir()]  # the child rank did not start a sweep
    assert (job / "train_ddp_process_1.log").is_file()  # ... and ran this job, in this folder
    ddp_metrics = json.loads((job / "metrics.json").read_text())
    ddp_preds = read_jsonl(job / "predictions.jsonl")
    assert len(ddp_preds) == 32 == len({p["qid"] for p in ddp_preds}) == ddp_metrics["test/n"]
    assert sum(bool(p["generated"]) for p in ddp_preds) > 16  # a real comparison, not empty text
    assert list((job / "csv").glob("*.csv")) == [job / "csv" / "metrics.csv"]
    csv_head = (job / "csv" / "metrics.csv").read_text().splitlines()[0]
    assert "train/loss_es" in csv_head and "train/loss_as" in csv_head

    single = tmp_path / "single"
    done = _ases(*DDP_CELL, f"test_ckpt={job / 'checkpoints' / 'best.ckpt'}",
                 f"hydra.run.dir={single}")
    assert done.returncode == 0, done.stderr[-3000:]
    one_metrics = json.loads((single / "metrics.json").read_text())
    assert read_jsonl(single / "predictions.jsonl") == ddp_preds
    for key, value in ddp_metrics.items():
        if key.startswith("test/"):
            assert one_metrics[key] == value, key


@pytest.mark.slow
def test_wandb_offline_run_logs_config_table_and_no_secret(tmp_path):
    run_dir = tmp_path / "wb"
    fake_key = "planted-fake-key-5e1f0c0ffee"
    done = _ases("debug=fast", "path=seq2seq", "logger=wandb", "logger.offline=true",
                 f"hydra.run.dir={run_dir}",
                 env={"WANDB_MODE": "offline", "WANDB_API_KEY": fake_key, "WANDB_SILENT": "true"})
    assert done.returncode == 0, done.stderr[-3000:]
    (offline,) = (run_dir / "wandb").glob("offline-run-*")
    (record,) = offline.glob("run-*.wandb")
    data = record.read_bytes()
    # the resolved config (interpolations filled in), the cell's name, group and tags
    assert b"max_source_len" in data and b"${" not in data
    for text in (b"mwp-seq2seq-s0", b"mwp-seq2seq", b"task:mwp", b"path:seq2seq"):
        assert text in data
    (table,) = (offline / "files" / "media" / "table" / "test").glob("predictions*.table.json")
    content = json.loads(table.read_text())
    assert "generated" in content["columns"] and len(content["data"]) == 32
    leaked = [p for p in run_dir.rglob("*") if p.is_file() and fake_key.encode() in p.read_bytes()]
    assert leaked == []


def test_wandb_is_finished_after_a_failed_job(tmp_path, monkeypatch):
    wandb = pytest.importorskip("wandb")
    from ases.run import _finish_wandb

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    try:
        wandb.init(project="ases-test", dir=str(tmp_path))
        assert wandb.run is not None
        _finish_wandb(failed=True)
        assert wandb.run is None
    finally:  # this process's W&B service must not serve the runs of later tests' children
        wandb.teardown()
        os.environ.pop("WANDB_SERVICE", None)


@pytest.mark.slow
def test_ddp_cells_one_after_another_in_a_multirun(tmp_path):
    """The second DDP job of a basic-launcher sweep starts its own ranks again (Lightning's
    rank variables and process group from the first job are cleared)."""
    sweep = tmp_path / "ddp2"
    done = _ases("-m", "trainer=ddp_cpu", "path=seq2seq,uni", "seg=location", "debug=fast",
                 "trainer.limit_train_batches=4", f"hydra.sweep.dir={sweep}")
    assert done.returncode == 0, done.stderr[-3000:]
    runs = _runs(sweep)
    assert sorted(runs) == ["0_mwp-seq2seq", "1_mwp-location-uni"]
    assert all(r["status"] == "completed" for r in runs.values())
    for name in runs:
        assert (sweep / name / "train_ddp_process_1.log").is_file()
