"""Kill -9 a run while the scorer is cached, in training or in test decoding, start it
again, and get the metrics of a run that was never interrupted.

Each kill point is killed once and resumed once, and the ways to resume are spread over
those kills, so every property is asserted without training a cell twice for it. Two
chains of commands on the default cell (``conftest.DEFAULT_RUN``, whose uninterrupted run
is ``default_run``) and one on the DDP cell run in the background (conftest); each records
what the folder held after every kill, and the tests below check it:

- scorer built, then an epoch end: a requeued SLURM job continues in its own folder; the
  same command again, with ``resume=true``, has nothing to do;
- mid-epoch, then in test decoding: ``resume=true`` from a new folder finds the killed run
  and its W&B run;
- DDP mid-epoch: ``resume=true`` in its own folder; both ranks skip what they trained.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import DDP_CELL, DEFAULT_RUN, ases_cli, compose_cfg, in_background
from omegaconf import OmegaConf

from ases.runs.files import read_jsonl

EPOCH = 10  # DEFAULT_RUN's steps per epoch
FAKE_KEY = "planted-fake-key-5e1f0c0ffee"


def _ases(*args: str, kill_at: str | None = None, cache: Path | None = None,
          extra_env: dict | None = None):
    """``python -m ases.run``, or with ``kill_at`` the same run carrying the tests' kill
    switch (tests/kill_run.py)."""
    env = dict(extra_env or {})
    if kill_at:
        env["KILL_AT"] = kill_at
        # Hydra finds conf/ relative to ases/run.py only when it takes the task function
        # for __main__'s; run from another module (tests.kill_run) it looks for a package
        # named conf, which does not exist. DDP ranks inherit the variable.
        env["HYDRA_MAIN_MODULE"] = "__main__"
    if cache:
        env["ASES_CACHE_DIR"] = str(cache)
    return ases_cli(*args, env=env, module="tests.kill_run" if kill_at else "ases.run",
                    timeout=900)


def _metrics(run_dir: Path) -> dict:
    return {k: v for k, v in json.loads((run_dir / "metrics.json").read_text()).items()
            if not k.startswith("time/")}


def _state(run_dir: Path) -> dict:
    """What a killed run's folder holds: where its last checkpoint stands, and its status."""
    state = {"status": json.loads((run_dir / "run.json").read_text())["status"],
             "metrics": (run_dir / "metrics.json").exists(),
             "partial": [len(read_jsonl(p)) for p in sorted(run_dir.glob("predictions.partial.*"))]}
    last = run_dir / "checkpoints" / "last.ckpt"
    if last.is_file():
        ckpt = torch.load(last, map_location="cpu", weights_only=True)
        state["step"] = ckpt["global_step"]
        state["loader"] = ckpt["loops"]["fit_loop"]["state_dict"]["combined_loader"][0]
    return state


def _check_same_as(run_dir: Path, uninterrupted: Path) -> None:
    assert _metrics(run_dir) == _metrics(uninterrupted)
    assert read_jsonl(run_dir / "predictions.jsonl") == read_jsonl(uninterrupted / "predictions.jsonl")
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["best.ckpt", "last.ckpt"]
    assert not list(run_dir.glob("predictions.partial.*"))


def _log(done) -> str:
    return done.stdout + done.stderr


# -- chain 1: killed while caching the scorer, then at an epoch end ------------------------

@in_background("scorer_then_epoch_end", seconds=110)
def _scorer_then_epoch_end(folder: Path) -> dict:
    run = [*DEFAULT_RUN, f"hydra.run.dir={folder / 'run'}"]
    cache, scorer = folder / "cache", folder / "cache" / "scorer"
    slurm = {"SLURM_RESTART_COUNT": "1"}
    out = {"dir": folder / "run"}
    out["scorer_kill"] = _ases(*run, cache=cache, kill_at="scorer_built:1")
    out["scorer_after_kill"] = sorted(p.name for p in scorer.iterdir() if p.is_dir())
    # requeued by SLURM: the same command, which continues in its folder by itself
    out["epoch_kill"] = _ases(*run, cache=cache, kill_at=f"fit_step:{EPOCH + 1}", extra_env=slurm)
    out["scorer_after_rebuild"] = sorted(p.name for p in scorer.iterdir() if p.is_dir())
    out["after_epoch_kill"] = _state(folder / "run")
    out["resumed"] = _ases(*run, cache=cache, extra_env=slurm)
    before = (folder / "run" / "metrics.json").stat().st_mtime_ns
    out["again"] = _ases(*run, "resume=true", cache=cache)
    out["rewritten"] = (folder / "run" / "metrics.json").stat().st_mtime_ns != before
    return out


@pytest.fixture(scope="session")
def scorer_then_epoch_end(_background) -> dict:
    return _background["scorer_then_epoch_end"].result()


@pytest.mark.slow
def test_killed_while_caching_the_scorer_leaves_no_half_entry(scorer_then_epoch_end):
    """Killed after the scorer's weights are saved and before its tokenizer is: the cache
    holds only the build's temporary folder, which the next run removes before it builds
    the scorer again."""
    chain = scorer_then_epoch_end
    assert chain["scorer_kill"].returncode == -9
    assert chain["scorer_after_kill"] and all(n.startswith(".") for n in chain["scorer_after_kill"])
    assert chain["epoch_kill"].returncode == -9  # (the next kill point: the rebuild went on)
    assert chain["scorer_after_rebuild"]
    assert not any(n.startswith(".") for n in chain["scorer_after_rebuild"])


@pytest.mark.slow
def test_killed_at_an_epoch_end_a_requeued_slurm_job_resumes_then_has_nothing_to_do(
        scorer_then_epoch_end, default_run):
    """Killed at step 11, the last checkpoint closed epoch 0 (all 10 batches), so no batch
    is skipped: the next epoch starts. SLURM counts the requeue, and the job continues in
    its own folder; the same command with ``resume=true`` then finds nothing to do."""
    chain = scorer_then_epoch_end
    assert chain["epoch_kill"].returncode == -9
    assert chain["after_epoch_kill"] == {"status": "running", "metrics": False, "partial": [],
                                         "step": EPOCH,
                                         "loader": {"epoch": 0, "batches_trained": EPOCH}}
    resumed = chain["resumed"]
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming training from" in _log(resumed) and "skipping the" not in _log(resumed)
    _check_same_as(chain["dir"], default_run.dir)
    again = chain["again"]
    assert again.returncode == 0, again.stderr[-3000:]
    assert "already completed" in _log(again) and not chain["rewritten"]


# -- chain 2: killed mid-epoch, then in test decoding; logging to W&B ----------------------

@in_background("mid_epoch_then_test_decoding", seconds=100)
def _mid_epoch_then_test_decoding(folder: Path) -> dict:
    env = {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_API_KEY": FAKE_KEY}
    args = [*DEFAULT_RUN, "logger=wandb", "logger.offline=true"]
    runs = folder / "runs"
    old = runs / "2026-01-01_00-00-00_mwp-entropy-uni"
    new = runs / "2026-01-01_00-10-00_mwp-entropy-uni"  # the same command, run again later
    out = {"runs": runs, "old": old, "new": new}
    out["mid_kill"] = _ases(*args, f"hydra.run.dir={old}", kill_at=f"fit_step:{EPOCH + 4}",
                            extra_env=env)
    out["after_mid_kill"] = _state(old)
    out["wandb_id"] = json.loads((old / "wandb_id.json").read_text())["id"]
    out["test_kill"] = _ases(*args, "resume=true", f"hydra.run.dir={new}",
                             kill_at="test_records:16", extra_env=env)
    out["after_test_kill"] = _state(old)
    # the same kill switch stays armed: had the 16 problems been decoded again, the count
    # would reach 16 again and the process would die
    out["resumed"] = _ases(*args, "resume=true", f"hydra.run.dir={new}",
                           kill_at="test_records:16", extra_env=env)
    return out


@pytest.fixture(scope="session")
def mid_epoch_then_test_decoding(_background) -> dict:
    return _background["mid_epoch_then_test_decoding"].result()


@pytest.mark.slow
def test_killed_mid_epoch_resume_true_finds_the_run_and_skips_what_it_trained(
        mid_epoch_then_test_decoding):
    """Killed at step 14, mid-epoch 1 after its 3rd batch: the resumed run skips exactly
    those 3 batches of the epoch's order. The same command run again gets a new timestamped
    folder; ``resume=true`` finds the killed run beside it and continues there."""
    chain = mid_epoch_then_test_decoding
    assert chain["mid_kill"].returncode == -9
    assert chain["after_mid_kill"] == {"status": "running", "metrics": False, "partial": [],
                                       "step": EPOCH + 3,
                                       "loader": {"epoch": 1, "batches_trained": 3}}
    log = _log(chain["test_kill"])
    assert "resuming the unfinished run in" in log and str(chain["old"]) in log
    assert "resuming training from" in log and "skipping the 3 batches already trained" in log


@pytest.mark.slow
def test_killed_in_test_decoding_keeps_what_was_decoded(mid_epoch_then_test_decoding, default_run):
    chain = mid_epoch_then_test_decoding
    assert chain["test_kill"].returncode == -9
    assert chain["after_test_kill"]["partial"] == [16] and not chain["after_test_kill"]["metrics"]
    resumed = chain["resumed"]
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    old = chain["old"]
    assert json.loads((old / "run.json").read_text())["status"] == "completed"
    assert not (chain["new"] / "metrics.json").exists()
    _check_same_as(old, default_run.dir)


@pytest.mark.slow
def test_a_resumed_run_logs_into_the_same_wandb_run_and_no_key(mid_epoch_then_test_decoding):
    """Three attempts (killed, killed, finished) of one W&B run. Its files hold the
    resolved config, the cell's name, group and tags and the test predictions, and no API
    key lands anywhere in the run folders."""
    pytest.importorskip("wandb")
    chain = mid_epoch_then_test_decoding
    attempts = sorted((chain["old"] / "wandb").glob("offline-run-*"))
    assert len(attempts) == 3 and all(p.name.endswith(f"-{chain['wandb_id']}") for p in attempts)
    (record,) = attempts[-1].glob("run-*.wandb")
    data = record.read_bytes()
    assert b"max_source_len" in data and b"${" not in data  # the config, resolved
    for text in (b"mwp-entropy-uni-b1-s0", b"mwp-entropy-uni-b1", b"task:mwp", b"path:uni"):
        assert text in data
    (table,) = (attempts[-1] / "files" / "media" / "table" / "test").glob("predictions*.table.json")
    content = json.loads(table.read_text())
    assert "generated" in content["columns"] and len(content["data"]) == 32
    files = [p for p in chain["runs"].rglob("*") if p.is_file()]
    assert files and not [p for p in files if FAKE_KEY.encode() in p.read_bytes()]


# -- DDP: two gloo ranks killed together mid-epoch ----------------------------------------

@in_background("ddp_killed_mid_epoch", seconds=100)
def _ddp_killed_mid_epoch(folder: Path) -> dict:
    run = [*DDP_CELL, "seed=1", f"hydra.run.dir={folder / 'run'}"]
    out = {"dir": folder / "run"}
    out["killed"] = _ases(*run, kill_at="fit_step:8")  # epoch 1 (5 steps each), batch 3
    out["after_kill"] = _state(folder / "run")
    out["resumed"] = _ases(*run, "resume=true")
    return out


@pytest.fixture(scope="session")
def ddp_killed_mid_epoch(_background) -> dict:
    return _background["ddp_killed_mid_epoch"].result()


@pytest.mark.slow
def test_a_killed_ddp_run_resumes_mid_epoch_exactly(ddp_killed_mid_epoch, ddp_grid):
    """The resumed DDP run (both ranks skip the batches they trained) ends with the metrics
    of the uninterrupted DDP run (job 1 of the DDP grid), and the test decoding, sharded
    over the ranks, gives the same predictions."""
    chain = ddp_killed_mid_epoch
    assert chain["killed"].returncode == -9
    assert chain["after_kill"]["step"] == 7
    assert chain["after_kill"]["loader"] == {"epoch": 1, "batches_trained": 2}
    assert chain["resumed"].returncode == 0, chain["resumed"].stderr[-3000:]
    run_dir, full = chain["dir"], ddp_grid.dir / "1_mwp-location-dual"
    assert _metrics(run_dir) == _metrics(full)
    assert read_jsonl(run_dir / "predictions.jsonl") == read_jsonl(full / "predictions.jsonl")
    skip = "skipping the 2 batches already trained"
    assert skip in (run_dir / "run.log").read_text()  # rank 0
    assert skip in (run_dir / "train_ddp_process_1.log").read_text()  # rank 1


# -- finding the folder to continue, and refusing the wrong one (no training) -------------

def _resolved(overrides: list[str]) -> dict:
    return OmegaConf.to_container(compose_cfg(overrides), resolve=True)


def test_resume_refuses_a_run_dir_of_another_config(tmp_path):
    from ases.training.resume import CONFIG_FILE, check_same_config, snapshot

    (tmp_path / CONFIG_FILE).write_text(json.dumps(snapshot(_resolved(DEFAULT_RUN))))
    check_same_config(tmp_path, _resolved([*DEFAULT_RUN, "resume=true", "cache_dir=/elsewhere"]))
    with pytest.raises(ValueError, match=r"belongs to a different config.*seg\.beta: 1\.0 -> 1\.3"):
        check_same_config(tmp_path, _resolved([*DEFAULT_RUN, "seg.beta=1.3"]))


def test_resume_dir_that_is_not_a_run_is_refused(tmp_path):
    from ases.training.resume import find_run

    with pytest.raises(FileNotFoundError, match="not a run folder"):
        find_run(str(tmp_path), tmp_path / "x", ["debug=fast"])


def test_resume_true_finds_the_newest_unfinished_run_of_the_same_overrides(tmp_path):
    from ases.training.resume import find_run

    def run(name: str, status: str, overrides: list[str]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "run.json").write_text(json.dumps({"status": status, "overrides": overrides}))
        return folder

    run("2026-01-01_00-00-00", "running", ["debug=fast", "seg=location"])
    wanted = run("2026-01-01_00-01-00", "failed", ["seg=location", "debug=fast", "resume=true"])
    run("2026-01-01_00-02-00", "completed", ["debug=fast", "seg=location"])
    run("2026-01-01_00-03-00", "running", ["debug=fast", "seg=loss"])
    new = tmp_path / "2026-01-01_00-10-00"
    overrides = ["debug=fast", "seg=location", "resume=true", f"hydra.run.dir={new}"]
    assert find_run(True, new, overrides) == wanted  # newest, not completed, same overrides
    assert find_run(True, wanted, overrides) == wanted  # a folder that holds a run: itself
    assert find_run(True, new, ["debug=fast"]) == new  # none of this command: a fresh start
    assert find_run(str(wanted), new, []) == wanted  # resume=<dir>


def test_a_setting_added_since_and_switched_off_does_not_block_a_resume():
    from ases.training.resume import differences

    old = {"model": {"name": "tiny"}, "seed": 0}
    assert differences(old, {"model": {"name": "tiny", "lora": None, "gradient_checkpointing": False},
                             "seed": 0}) == []
    assert differences(old, {"model": {"name": "tiny", "lora": {"r": 8}}, "seed": 0}) \
        == ["model.lora.r: '<absent>' -> 8"]
    assert differences(old, {"model": {"name": "tiny", "layers": 0}, "seed": 0}) \
        == ["model.layers: '<absent>' -> 0"]
    assert differences({**old, "seed": 1}, old) == ["seed: 1 -> 0"]
