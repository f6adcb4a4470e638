"""Which cell of the grid a run is: the choices a report groups by and a dashboard names.

``run.json`` in every run directory holds the cell (:func:`ases.config.cell_of`) and the run's status, so a
report needs nothing but the run directories (e.g. copied back from a cluster).
"""

from __future__ import annotations

from typing import Any

from omegaconf import OmegaConf

RUN_FILE = "run.json"


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


DEFAULT_MODEL = "tiny"
"""conf/config.yaml's model choice: run folders of other models end with the model's name."""


def _dir_label(task: str, uses_segments: bool, seg: str, path: str,
               model: str = DEFAULT_MODEL) -> str:
    label = f"{task}-{seg}-{path}" if uses_segments else f"{task}-{path}"
    return label if model == DEFAULT_MODEL else f"{label}-{model}"


def register_resolvers() -> None:
    """``${ases_cell:...}`` names run folders ``mwp-entropy-uni``, or ``mwp-seq2seq`` for a
    path that uses no segments, with the model's name after them where it is not the
    default (``mwp-entropy-uni-smollm2-135m``; conf/config.yaml's hydra.run.dir and
    sweep.subdir)."""
    OmegaConf.register_new_resolver("ases_cell", _dir_label, replace=True)
