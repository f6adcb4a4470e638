"""Entry point: ``python -m ases.run task=mwp seg=location path=uni``.

One job = one cell of the grid. ``run.json`` (the cell and its status) is written when the
job starts and again when it ends; ``metrics.json`` when it ends, also for a failure. In a
multirun a failing cell is recorded and the sweep goes on with the next one.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from ases.config import cell_of
from ases.pipeline import train
from ases.runs.cells import RUN_FILE, register_resolvers
from ases.runs.distributed import children_rerun_this_job, is_rank_zero
from ases.runs.files import write_json_atomic, write_text_atomic
from ases.runs.status import read_status
from ases.runs.summary import format_summary
from ases.training.resume import CONFIG_FILE, check_same_config, find_run, snapshot

log = logging.getLogger(__name__)
register_resolvers()  # before Hydra names the run folder


def _record(run_dir: Path, cell: dict, metric: str, overrides: list[str], status: str,
            error: str | None = None) -> None:
    if is_rank_zero():
        info = {"cell": cell, "metric": metric, "status": status, "overrides": overrides}
        write_json_atomic(run_dir / RUN_FILE, {**info, "error": error} if error else info)


def _check_ranks_can_start(cfg: DictConfig) -> None:
    """Lightning starts extra DDP ranks by running ``python -m <this module>`` again; inside
    a submitit worker that module is submitit's own, so the ranks could not start."""
    import __main__

    spec = getattr(__main__, "__spec__", None)
    several = str(cfg.trainer.get("strategy") or "").startswith("ddp") and cfg.trainer.devices != 1
    inside_submitit = spec is not None and spec.name.startswith("submitit")
    if several and inside_submitit and "SLURM_NTASKS" not in os.environ:
        raise ValueError(
            "trainer=ddp/ddp_cpu cannot start its ranks inside this launcher (submitit_local): "
            "run DDP cells with the basic launcher, or on SLURM with "
            "hydra.launcher.tasks_per_node equal to trainer.devices")


def _finish_wandb(failed: bool) -> None:
    """Ends a W&B run left open by this job, so the next job of a sweep starts its own."""
    with contextlib.suppress(ImportError):
        import wandb
        if wandb.run is not None:
            wandb.finish(exit_code=1 if failed else 0)


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    """Runs one cell of the grid and returns the metric a sweeper optimizes."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    overrides = list(hydra_cfg.overrides.task)
    cell = cell_of(cfg)
    _check_ranks_can_start(cfg)
    # a SLURM job that was preempted and requeued continues where it stopped
    resume = bool(cfg.resume) or int(os.environ.get("SLURM_RESTART_COUNT") or 0) > 0
    if resume:
        run_dir = find_run(cfg.resume or True, run_dir, overrides)
        check_same_config(run_dir, OmegaConf.to_container(cfg, resolve=True))
        done = read_status(run_dir)
        if done["status"] == "completed":
            finished = done["metrics"]
            log.info("%s already completed; nothing to resume", run_dir)
            if is_rank_zero():
                print(format_summary(finished, run_dir))
            return finished.get(cfg.optimized_metric)
    if is_rank_zero():
        write_json_atomic(run_dir / CONFIG_FILE, snapshot(OmegaConf.to_container(cfg, resolve=True)))
    metric = str(cfg.optimized_metric)
    _record(run_dir, cell, metric, overrides, "running")
    failed = True
    try:
        with children_rerun_this_job(run_dir, overrides) if multirun else contextlib.nullcontext():
            metrics = train(cfg, run_dir, resume=resume)
        failed = False
    except Exception as err:
        error = f"{type(err).__name__}: {err}"
        _record(run_dir, cell, metric, overrides, "failed", error)
        if is_rank_zero():
            write_json_atomic(run_dir / "metrics.json", {"status": "failed", "error": error})
            write_text_atomic(run_dir / "error.txt", traceback.format_exc())
        if not multirun:
            raise
        # The sweep goes on; `ases-report` lists the cell as failed.
        log.error("cell failed (%s), the sweep goes on: %s; traceback in %s",
                  run_dir.name, error, run_dir / "error.txt")
        return math.nan
    finally:
        _finish_wandb(failed)
    _record(run_dir, cell, metric, overrides, "completed")
    if is_rank_zero():
        print(format_summary(metrics, run_dir))
    return metrics.get(metric)


if __name__ == "__main__":
    main()
