"""Kill -9 a run in training, in test decoding or while the scorer is being cached, start
it again with ``resume=true``, and get the metrics of a run that was never interrupted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ROOT

from ases.runs.files import read_jsonl

CELL = ["seg=location", "path=uni", "debug=fast", "trainer.max_epochs=3",
        "datamodule.eval_batch_size=8",
        "save_last_every_min=1e-6"]  # last.ckpt after every batch: a kill lands mid-epoch


def _ases(*args: str, kill_at: str | None = None, cache: Path | None = None,
          extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m ases.run``, or with ``kill_at`` the same run carrying the tests' kill
    switch (tests/kill_run.py)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    env.pop("KILL_AT", None)
    # an in-process wandb.init of another test exports its service; a child joining it
    # would find the killed attempt's run still open there
    env.pop("WANDB_SERVICE", None)
    module = "ases.run"
    if kill_at:
        env["KILL_AT"], module = kill_at, "tests.kill_run"
    if cache:
        env["ASES_CACHE_DIR"] = str(cache)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def _metrics(run_dir: Path) -> dict:
    return {k: v for k, v in json.loads((run_dir / "metrics.json").read_text()).items()
            if not k.startswith("time/")}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("resume") / "full"
    done = _ases(*CELL, f"hydra.run.dir={run_dir}")
    assert done.returncode == 0, done.stderr[-3000:]
    return run_dir


@pytest.mark.slow
@pytest.mark.parametrize("step, epoch, trained", [(20, 0, 19), (25, 1, 5)])
def test_killed_in_training_resumes_from_last_ckpt(uninterrupted, tmp_path, step, epoch, trained):
    """This cell trains 19 batches an epoch, and the kill comes at a batch's end before
    that batch's checkpoint. Killed at step 20, the last checkpoint closed epoch 0 (all 19
    batches); at step 25, it is mid-epoch 1 after its 5th batch, so the resumed run must
    skip exactly those 5 batches of the epoch's order."""
    run_dir = tmp_path / "run"
    killed = _ases(*CELL, f"hydra.run.dir={run_dir}", kill_at=f"fit_step:{step}")
    assert killed.returncode == -9
    state = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert state["global_step"] == step - 1
    loader_state = state["loops"]["fit_loop"]["state_dict"]["combined_loader"][0]
    assert loader_state == {"epoch": epoch, "batches_trained": trained}
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert not (run_dir / "metrics.json").exists()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
    done = _ases(*CELL, "resume=true", f"hydra.run.dir={run_dir}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "resuming training from" in done.stdout + done.stderr
    assert _metrics(run_dir) == _metrics(uninterrupted)
    assert read_jsonl(run_dir / "predictions.jsonl") == read_jsonl(uninterrupted / "predictions.jsonl")
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["best.ckpt", "last.ckpt"]
    skipped = f"skipping the {trained} batches already trained" in done.stdout + done.stderr
    assert skipped == (trained < 19)  # a closed epoch is not skipped: the next one starts


@pytest.mark.slow
def test_killed_in_test_decoding_keeps_what_was_decoded(uninterrupted, tmp_path):
    run_dir = tmp_path / "run"
    killed = _ases(*CELL, f"hydra.run.dir={run_dir}", kill_at="test_records:16")
    assert killed.returncode == -9
    assert len(read_jsonl(run_dir / "predictions.partial.rank0.jsonl")) == 16
    # the same kill switch stays armed: had the 16 problems been decoded again, the count
    # would reach 16 again and the process would die
    done = _ases(*CELL, "resume=true", f"hydra.run.dir={run_dir}", kill_at="test_records:16")
    assert done.returncode == 0, done.stderr[-3000:]
    assert _metrics(run_dir) == _metrics(uninterrupted)
    assert not list(run_dir.glob("predictions.partial.*"))


@pytest.mark.slow
def test_killed_while_caching_the_scorer_leaves_no_half_entry(tmp_path):
    cell = ["seg=entropy", "path=uni", "debug=fast", "trainer.max_epochs=2"]
    full = tmp_path / "full"
    assert _ases(*cell, f"hydra.run.dir={full}", cache=tmp_path / "c1").returncode == 0
    run_dir, cache = tmp_path / "run", tmp_path / "c2"
    killed = _ases(*cell, f"hydra.run.dir={run_dir}", cache=cache, kill_at="scorer_built:1")
    assert killed.returncode == -9
    scorer = cache / "scorer"
    assert [p for p in scorer.iterdir() if p.is_dir() and not p.name.startswith(".")] == []
    assert [p for p in scorer.iterdir() if p.name.startswith(".")]  # the killed build's temp
    done = _ases(*cell, "resume=true", f"hydra.run.dir={run_dir}", cache=cache)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not [p for p in scorer.iterdir() if p.name.startswith(".")]  # cleaned, rebuilt
    assert _metrics(run_dir) == _metrics(full)


@pytest.mark.slow
def test_resume_of_a_completed_run_does_nothing(uninterrupted):
    before = (uninterrupted / "metrics.json").stat().st_mtime_ns
    done = _ases(*CELL, "resume=true", f"hydra.run.dir={uninterrupted}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "already completed" in done.stdout + done.stderr
    assert (uninterrupted / "metrics.json").stat().st_mtime_ns == before


@pytest.mark.slow
def test_resume_refuses_a_run_dir_of_another_config(uninterrupted):
    done = _ases(*CELL, "seg.beta=1.3", "resume=true", f"hydra.run.dir={uninterrupted}")
    assert done.returncode != 0
    assert "belongs to a different config" in done.stderr and "seg.beta: 1.0 -> 1.3" in done.stderr


@pytest.mark.slow
def test_resume_true_finds_the_unfinished_run_of_the_same_command(tmp_path):
    runs = tmp_path / "runs"
    old = runs / "2026-01-01_00-00-00_mwp-location-uni"
    killed = _ases(*CELL, f"hydra.run.dir={old}", kill_at="fit_step:25")
    assert killed.returncode == -9
    # the same command again gets a new timestamped folder beside the killed one
    done = _ases(*CELL, "resume=true", f"hydra.run.dir={runs / '2026-01-01_00-10-00_mwp-location-uni'}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((old / "run.json").read_text())["status"] == "completed"
    assert (old / "metrics.json").is_file()


def test_resume_dir_that_is_not_a_run_is_refused(tmp_path):
    done = _ases("debug=fast", f"resume={tmp_path}", f"hydra.run.dir={tmp_path / 'x'}")
    assert done.returncode != 0
    assert "not a run folder" in done.stderr


@pytest.mark.slow
def test_a_requeued_slurm_job_resumes_by_itself(uninterrupted, tmp_path):
    """submitit requeues a preempted job with the same command; SLURM counts the restart."""
    run_dir = tmp_path / "run"
    assert _ases(*CELL, f"hydra.run.dir={run_dir}", kill_at="fit_step:25").returncode == -9
    done = _ases(*CELL, f"hydra.run.dir={run_dir}", extra_env={"SLURM_RESTART_COUNT": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "resuming training from" in done.stdout + done.stderr
    assert _metrics(run_dir) == _metrics(uninterrupted)


@pytest.mark.slow
def test_a_killed_ddp_run_resumes_mid_epoch_exactly(tmp_path):
    """Two gloo ranks, killed together mid-epoch: the resumed DDP run (both ranks skip the
    batches they trained) ends with the metrics of an uninterrupted DDP run, and the test
    decoding, sharded over the ranks, gives the same predictions."""
    cell = ["trainer=ddp_cpu", "seg=location", "path=uni", "debug=fast", "trainer.max_epochs=2",
            "trainer.limit_train_batches=8", "datamodule.eval_batch_size=8",
            "data.limit.test=16", "save_last_every_min=1e-6"]
    full = tmp_path / "full"
    done = _ases(*cell, f"hydra.run.dir={full}")
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = tmp_path / "run"
    killed = _ases(*cell, f"hydra.run.dir={run_dir}", kill_at="fit_step:11")  # epoch 1, batch 3
    assert killed.returncode == -9
    state = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert state["global_step"] == 10
    done = _ases(*cell, "resume=true", f"hydra.run.dir={run_dir}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert _metrics(run_dir) == _metrics(full)
    assert read_jsonl(run_dir / "predictions.jsonl") == read_jsonl(full / "predictions.jsonl")
    skip = "skipping the 2 batches already trained"
    assert skip in (run_dir / "run.log").read_text()  # rank 0
    assert skip in (run_dir / "train_ddp_process_1.log").read_text()  # rank 1


@pytest.mark.slow
def test_a_resumed_run_logs_into_the_same_wandb_run(tmp_path):
    pytest.importorskip("wandb")
    env = {"WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    args = [*CELL, "trainer.max_epochs=2", "logger=wandb", "logger.offline=true",
            f"hydra.run.dir={tmp_path / 'run'}"]
    assert _ases(*args, kill_at="fit_step:25", extra_env=env).returncode == -9
    run_id = json.loads((tmp_path / "run" / "wandb_id.json").read_text())["id"]
    done = _ases(*args, "resume=true", extra_env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    attempts = sorted((tmp_path / "run" / "wandb").glob("offline-run-*"))
    assert len(attempts) == 2 and all(p.name.endswith(f"-{run_id}") for p in attempts)
    # a fresh start in the same folder is a new W&B run
    assert _ases(*args, extra_env=env).returncode == 0
    assert json.loads((tmp_path / "run" / "wandb_id.json").read_text())["id"] != run_id
