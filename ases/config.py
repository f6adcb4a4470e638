"""The config stops here: a composed Hydra config becomes one typed :class:`RunConfig`.

Everything below the pipeline takes flat, typed arguments. Objects that a config names by
``_target_`` (the task, the loader, the segmenter, the rows, the LightningModule, the
datamodule, the trainer, the logger) are built by the ``make_*`` methods, from plain dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from ases.decoding.settings import DecodeSettings
from ases.models.spec import ModelSpec

LOSS_WEIGHTS = ("token", "row", "segment")
"""``path.loss_weights``: what counts once in the training loss (null: the model family's
default, token for T5 and row for decoder-only models)."""

# The baseline segments its CoTs only to weigh the loss by segment (conf/path/seq2seq.yaml).
OmegaConf.register_new_resolver("ases_segmented", lambda mode: mode == "segment", replace=True)


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
        "path": (str(cfg.path.name) + ("-tagged" if cfg.path.tagged else "")
                 + (f"-w{cfg.path.loss_weights}" if cfg.path.get("loss_weights") else "")
                 + (f"-{cfg.variant}" if cfg.get("variant") else "")),
        "beta": float(cfg.seg.beta) if uses_segments else None,
        "gamma": float(gamma) if gamma is not None else None,
        "model": str(cfg.model.name),
        "seed": int(cfg.seed),
    }


@dataclass(frozen=True)
class ScorerSettings:
    """The scorer of entropy/loss segmentation (``seg.scorer``)."""

    path: str | None
    """A folder written by ``save_pretrained``; None trains the seq2seq baseline (cached)."""
    batch_size: int
    """CoTs per scoring forward pass."""
    trainer: dict[str, Any]
    """Overrides of the run's trainer for fitting the scorer."""
    seed: int | None = None
    """The scorer's training seed; None: the run's. One fixed seed gives every seed of a
    grid the same scorer, so seeds vary the student and not the segmentation."""


@dataclass(frozen=True)
class RunConfig:
    """One cell of the grid, as typed settings and the config nodes of its objects."""

    seed: int
    cache_dir: str
    optimized_metric: str
    compile: bool
    matmul_precision: str
    save_last_every_min: float | None
    test_ckpt: str | None
    on_bad_row: str
    on_long_input: str
    limit: dict[str, int | None]
    beta: float
    merge: bool
    scorer: ScorerSettings | None
    """None for segmenters that need no scorer."""
    uses_segments: bool
    """False for the seq2seq baseline: no segmentation, no scorer."""
    tagged: bool
    loss_weights: str | None
    """What counts once in the loss (:data:`LOSS_WEIGHTS`); None: the model family's."""
    packed: bool | None
    """The uni path's rows of one CoT as one sequence: None = where the model allows it
    (decoder-only), :func:`ases.pipeline.packing` decides."""
    spec: ModelSpec
    specs: list[ModelSpec]
    """One per model of the path (the dual path: ES model, then AS model)."""
    decode: DecodeSettings
    optim: dict[str, float]
    trainer: dict[str, Any]
    """Lightning ``Trainer`` arguments, ``_target_`` included."""
    cell: dict[str, Any]
    resolved: dict[str, Any]
    """The whole resolved config (logged; kept in the run folder)."""
    nodes: dict[str, Any] = field(repr=False, default_factory=dict)
    """The ``_target_`` nodes: task, loader, segmenter, rows, module, datamodule, logger."""

    @classmethod
    def from_hydra(cls, cfg: DictConfig) -> RunConfig:
        """Reads a composed config (``conf/config.yaml`` and its choices)."""
        if cfg.seed is None:
            raise ValueError("seed must be set (0 is a valid seed)")
        plain = OmegaConf.to_container(cfg, resolve=True)
        spec = ModelSpec(**plain["model"])
        seg, path = plain["seg"], plain["path"]
        scorer = seg.get("scorer")  # only segmenters that need a scorer have one ...
        if scorer is not None and "path" not in scorer:
            scorer = None  # ... others may get a stray one, e.g. seg.scorer.seed from a grid
        loss_weights = path.get("loss_weights")
        if loss_weights not in (None, *LOSS_WEIGHTS):
            raise ValueError(f"path.loss_weights={loss_weights!r}; choose null (the model "
                             f"family's default), {', '.join(LOSS_WEIGHTS)}")
        return cls(
            seed=int(cfg.seed),
            cache_dir=str(cfg.cache_dir),
            optimized_metric=str(cfg.optimized_metric),
            compile=bool(cfg.compile),
            matmul_precision=str(cfg.matmul_precision),
            save_last_every_min=cfg.save_last_every_min,
            test_ckpt=cfg.test_ckpt,
            on_bad_row=str(cfg.data.on_bad_row),
            on_long_input=str(cfg.data.on_long_input),
            limit=dict(plain["data"]["limit"] or {}),
            beta=seg["beta"],
            merge=bool(seg["merge"]),
            scorer=None if scorer is None else ScorerSettings(
                scorer["path"], int(scorer["batch_size"]), dict(scorer["trainer"] or {}),
                None if scorer.get("seed") is None else int(scorer["seed"])),
            uses_segments=bool(path["uses_segments"]),
            tagged=bool(path["tagged"]),
            loss_weights=loss_weights,
            packed=path.get("packed", False),  # only the uni path packs (null there: auto)
            spec=spec,
            specs=_path_specs(plain["model"], path),
            decode=DecodeSettings(**plain["decode"]),
            optim=dict(plain["optim"]),
            trainer=dict(plain["trainer"]),
            cell=cell_of(cfg),
            resolved=plain,
            nodes={"task": plain["task"]["task"], "loader": plain["data"]["loader"],
                   "segmenter": seg["segmenter"], "rows": path["rows"],
                   "module": path["module"], "datamodule": plain["datamodule"],
                   "logger": plain.get("logger")},
        )

    def make(self, name: str, **kwargs: Any) -> Any:
        """Builds the object of a ``_target_`` node (``task``, ``loader``, ``segmenter``,
        ``rows``, ``module``, ``datamodule``, ``logger``); ``kwargs`` are bound late."""
        node = self.nodes[name]
        if node is None:
            raise ValueError(f"no {name} configured")
        # Objects go in through partials: instantiate() would turn dataclasses into configs.
        return instantiate(node, _partial_=True)(**kwargs) if kwargs else instantiate(node)

    def trainer_for_scorer(self) -> dict[str, Any]:
        """The run's trainer on one device, with ``seg.scorer.trainer`` merged in: the scorer
        is built inside the cache's file lock, where a re-launched DDP rank would wait on the
        lock its own rank 0 holds."""
        overrides = self.scorer.trainer if self.scorer else {}
        return {**self.trainer, "devices": 1, "num_nodes": 1, "strategy": "auto", **overrides}


def _path_specs(model: dict[str, Any], path: dict[str, Any]) -> list[ModelSpec]:
    """One model spec per model of the path: the run's model choice, with the dual path's
    ``path.es_model`` / ``path.as_model`` overrides (e.g. ``+path.as_model.d_model=256``)
    merged in. Every model shares the run's tokenizer."""
    if int(path["models"]) == 1:
        return [ModelSpec(**model)]
    return [ModelSpec(**{**model, **(path.get(key) or {})}) for key in ("es_model", "as_model")]
