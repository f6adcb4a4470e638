"""Which cell of the grid a run is: the choices a report groups by and a dashboard names.

``run.json`` in every run directory holds ``cell_of(cfg)`` and the run's status, so a
report needs nothing but the run directories (e.g. copied back from a cluster).
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

RUN_FILE = "run.json"


def cell_of(cfg: DictConfig) -> dict[str, Any]:
    """The grid choices of a composed config.

    ``seg`` and ``beta`` are None for paths that use no segments (the seq2seq baseline),
    and ``gamma`` is None for tasks without it, so equal cells compare equal.
    """
    uses_segments = bool(cfg.path.uses_segments)
    gamma = cfg.task.get("gamma")
    return {
        "task": str(cfg.task.name),
        "data": str(cfg.data.name),
        "seg": str(cfg.seg.name) if uses_segments else None,
        "path": str(cfg.path.name) + ("-tagged" if cfg.path.tagged else ""),
        "beta": float(cfg.seg.beta) if uses_segments else None,
        "gamma": float(gamma) if gamma is not None else None,
        "model": str(cfg.model.name),
        "seed": int(cfg.seed),
    }


def cell_name(cell: dict[str, Any], with_seed: bool = True) -> str:
    """A short readable name: ``mwp-entropy-dual-b1.4-s0`` (``pet-seq2seq-g0.5-s1``)."""
    parts = [cell["task"]]
    if cell.get("seg"):
        parts.append(cell["seg"])
    parts.append(cell["path"])
    if cell.get("beta") is not None:
        parts.append(f"b{cell['beta']:g}")
    if cell.get("gamma") is not None:
        parts.append(f"g{cell['gamma']:g}")
    if with_seed:
        parts.append(f"s{cell['seed']}")
    return "-".join(parts)


def cell_tags(cell: dict[str, Any]) -> list[str]:
    """One ``key:value`` tag per set choice, for dashboards that filter by tag."""
    return [f"{key}:{value:g}" if isinstance(value, float) else f"{key}:{value}"
            for key, value in cell.items() if value is not None]


def _dir_label(task: str, uses_segments: bool, seg: str, path: str) -> str:
    return f"{task}-{seg}-{path}" if uses_segments else f"{task}-{path}"


def register_resolvers() -> None:
    """``${ases_cell:...}`` names run folders ``mwp-entropy-uni``, or ``mwp-seq2seq`` for a
    path that uses no segments (conf/config.yaml's hydra.run.dir and sweep.subdir)."""
    OmegaConf.register_new_resolver("ases_cell", _dir_label, replace=True)
