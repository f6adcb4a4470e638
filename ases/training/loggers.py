"""The run's logger (``logger`` choice: csv, wandb, tensorboard), writing into the run folder."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from lightning.pytorch.loggers import Logger, WandbLogger

from ases.runs.cells import cell_name, cell_tags
from ases.runs.distributed import is_rank_zero
from ases.runs.files import write_json_atomic

WANDB_ID_FILE = "wandb_id.json"
"""The run folder's W&B run id: a resumed run logs into the same W&B run."""


def wandb_run_id(run_dir: Path, resume: bool) -> str:
    """The W&B id of this run folder: the one kept there when resuming, else a new one
    (kept there for a later resume)."""
    path = run_dir / WANDB_ID_FILE
    if resume and path.is_file():
        return str(json.loads(path.read_text())["id"])
    run_id = uuid.uuid4().hex[:12]
    if is_rank_zero():
        write_json_atomic(path, {"id": run_id})
    return run_id


def make_logger(node: dict[str, Any] | None, cell: dict[str, Any], config: dict[str, Any],
                run_dir: Path, resume: bool = False) -> Logger | bool:
    """The logger of a ``logger`` config node, writing under the run directory.

    A W&B run gets its name, group and tags from the grid cell unless the node sets them,
    and the resolved config; a resumed run goes on logging into the W&B run it started
    (``resume="allow"``).

    Args:
        node: the ``logger`` config (with ``_target_``), or None for no logger.
        cell: the run's grid cell (:func:`ases.config.cell_of`).
        config: the resolved config, logged as the run's hyperparameters.
        run_dir: the run folder.
        resume: whether this run continues a killed one.
    """
    if not node:
        return False
    extra: dict = {"save_dir": str(run_dir)}
    if str(node.get("_target_", "")).endswith("WandbLogger"):
        extra["name"] = node.get("name") or cell_name(cell)
        extra["group"] = node.get("group") or cell_name(cell, with_seed=False)
        extra["tags"] = list(node.get("tags") or cell_tags(cell))
        if not node.get("id") and is_rank_zero():  # (other ranks log nothing)
            extra["id"] = wandb_run_id(run_dir, resume)
            extra["resume"] = "allow"
    logger = instantiate(node, **extra)
    logger.log_hyperparams({"config": config})
    return logger


def log_predictions_table(logger: WandbLogger, records: list[dict]) -> None:
    """Test predictions as a ``wandb.Table`` (lists and dicts as JSON text)."""
    if not records:
        return
    columns = list(records[0])

    def cell(value: object) -> object:
        return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value

    logger.log_table(key="test/predictions", columns=columns,
                     data=[[cell(r.get(c)) for c in columns] for r in records])
