"""What a run needs to know about DDP before and after Lightning starts its processes.

Under ``trainer=ddp`` / ``trainer=ddp_cpu`` Lightning re-runs ``python -m ases.run`` once
per extra device. Every rank runs the pipeline (cached stages are read, not rebuilt), but
only rank 0 writes the run directory's files.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import torch.distributed as dist
from omegaconf import read_write

# The variables a launcher sets for each rank (Lightning's script launcher, torchrun, SLURM).
_RANK_KEYS = ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK")
_LAUNCH_KEYS = ("LOCAL_RANK", "NODE_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                "PL_GLOBAL_SEED", "PL_SEED_WORKERS")


def global_rank() -> int:
    """This process's rank, known before any Trainer exists (0 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    if "RANK" not in os.environ and int(os.environ.get("NODE_RANK") or 0) > 0:
        return 1  # a later node: not rank 0, whatever its local rank
    for key in _RANK_KEYS:
        if os.environ.get(key) is not None:
            return int(os.environ[key])
    return 0


def is_rank_zero() -> bool:
    return global_rank() == 0


def gather_objects(items: list, world_size: int) -> list:
    """Every rank's ``items`` concatenated in rank order (``items`` itself on one process)."""
    if world_size == 1 or not (dist.is_available() and dist.is_initialized()):
        return list(items)
    parts: list = [None] * dist.get_world_size()
    dist.all_gather_object(parts, list(items))
    return [item for part in parts for item in part]


@contextmanager
def children_rerun_this_job(run_dir: str | Path, overrides: Sequence[str]):
    """Makes DDP child processes started inside a Hydra multirun job re-run *this* job.

    Lightning starts each extra rank as ``python -m ases.run <the parent's arguments>
    hydra.run.dir=<hydra.run.dir>``. Inside a multirun that would be the whole sweep again
    (``-m`` and the sweep lists) writing to the single-run folder. For the length of the job
    the arguments become this job's own overrides, and ``hydra.run.dir`` its output folder.
    """
    from hydra.core.hydra_config import HydraConfig

    hydra_cfg = HydraConfig.instance().cfg
    saved_argv, saved_dir = list(sys.argv), hydra_cfg.hydra.run.dir
    saved_env = {k: os.environ.get(k) for k in _LAUNCH_KEYS}
    sys.argv = [sys.argv[0], *(o for o in overrides if not o.startswith("hydra.run.dir="))]
    with read_write(hydra_cfg.hydra.run):  # the node carries its own read-only flag
        hydra_cfg.hydra.run.dir = str(run_dir)
    try:
        yield
    finally:
        sys.argv = saved_argv
        with read_write(hydra_cfg.hydra.run):
            hydra_cfg.hydra.run.dir = saved_dir
        # Lightning leaves its rank variables and process group behind; the next job of the
        # sweep must start its own ranks, not think it is one
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
