"""Finished runs: their config, data, tokenizer and trained models, rebuilt as the pipeline built them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from ases.data.example import Example, Splits
from ases.models.factory import build_model, build_tokenizer
from ases.models.spec import ModelSpec
from ases.pipeline import cut_pieces, limit_splits, piece_scorer, segment_pieced
from ases.runs.files import flatten
from ases.segment.base import AS, ES, SegmentedCoT
from ases.tasks.base import Task


class AnalysisError(ValueError):
    """A problem with the given runs, reported as one line and exit status 2."""


@dataclass
class Run:
    """A finished run, its data and its trained models (``model``, or ``es`` and ``as``)."""

    dir: Path
    cfg: DictConfig
    task: Task
    splits: Splits
    spec: ModelSpec
    tokenizer: PreTrainedTokenizerBase
    models: dict[str, PreTrainedModel]

    @property
    def path(self) -> str:
        """The config's path name: ``seq2seq``, ``uni``, ``dual``."""
        return str(self.cfg.path.name)

    @property
    def uses_segments(self) -> bool:
        """Whether the run trained on AS-ES segments (uni, dual) rather than whole CoTs."""
        return bool(self.cfg.path.uses_segments)

    @property
    def tagged(self) -> bool:
        """Whether its targets start with ``[ES]``/``[AS]`` (tagged uni path)."""
        return bool(self.cfg.path.get("tagged", False))


def checkpoint(run_dir: Path) -> Path:
    """``checkpoints/best.ckpt``, or ``last.ckpt`` (what the pipeline tests when no validation ran)."""
    for name in ("best.ckpt", "last.ckpt"):
        if (run_dir / "checkpoints" / name).is_file():
            return run_dir / "checkpoints" / name
    raise AnalysisError(f"{run_dir} has no checkpoints/best.ckpt (nor last.ckpt): did the run finish?")


def load_config(run_dir: str | Path) -> DictConfig:
    """A run's ``.hydra/config.yaml``, after checking that the run dir and a checkpoint exist."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise AnalysisError(f"run dir {run_dir} does not exist (or is not a directory)")
    path = run_dir / ".hydra" / "config.yaml"
    if not path.is_file():
        raise AnalysisError(f"{path} not found: not a run dir written by python -m ases.run")
    checkpoint(run_dir)
    return OmegaConf.load(path)


def load_run(run_dir: str | Path, device: str = "cpu") -> Run:
    """Rebuilds a run's task, data splits, tokenizer and checkpointed models.

    The tokenizer comes from the cache at the run's ``cache_dir`` as its config stores it
    (an interpolation such as ``${oc.env:ASES_CACHE_DIR,...}`` resolves now; a relative path
    is relative to the current directory); on a cache miss it is trained again,
    deterministically, from the same texts.

    Args:
        run_dir: a run directory with ``.hydra/config.yaml`` and ``checkpoints/``.
        device: where the models go.

    Raises:
        AnalysisError: no run dir, config or checkpoint, or weights that do not fit the model.
    """
    run_dir = Path(run_dir)
    cfg = load_config(run_dir)
    task = instantiate(cfg.task.task)
    splits = limit_splits(instantiate(cfg.data.loader), cfg.data.get("limit"))
    spec = ModelSpec(**OmegaConf.to_container(cfg.model, resolve=True))
    tokenizer = build_tokenizer(spec, [t for ex in splits.train for t in (ex.question, ex.cot)],
                                cfg.cache_dir, int(cfg.seed))
    ckpt = checkpoint(run_dir)
    state = torch.load(ckpt, map_location="cpu", weights_only=True)["state_dict"]
    # Lightning prefixes each model's keys with its attribute: SingleModelPath.model,
    # DualPath.es_model / .as_model.
    prefixes = {"model": "model."} if int(cfg.path.get("models", 1)) == 1 else {
        ES.lower(): "es_model.", AS.lower(): "as_model."}
    models = {}
    for key, prefix in prefixes.items():
        weights = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not weights:
            raise AnalysisError(f"{ckpt} holds no {prefix}* weights (path={cfg.path.name})")
        model = build_model(spec, tokenizer)
        try:
            model.load_state_dict(weights)
        except RuntimeError as err:
            raise AnalysisError(f"{ckpt}: the weights do not fit the rebuilt model (another "
                                f"tokenizer or model config?): {str(err).splitlines()[0]}") from None
        models[key] = model.to(device).eval()
    return Run(run_dir, cfg, task, splits, spec, tokenizer, models)


def check_compatible(cfgs: dict[Path, DictConfig]) -> None:
    """Raises AnalysisError unless every run has the same ``task.name`` and resolved ``data``."""
    (first, ref), *rest = cfgs.items()
    want = flatten(OmegaConf.to_container(ref.data, resolve=True), "data")
    for d, cfg in rest:
        if cfg.task.name != ref.task.name:
            raise AnalysisError(f"{d} is task {cfg.task.name} but {first} is task {ref.task.name}: "
                                "compare runs of one task and data")
        got = flatten(OmegaConf.to_container(cfg.data, resolve=True), "data")
        diff = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
        if diff:
            raise AnalysisError(f"{d} and {first} use different data ({diff[0]}={got.get(diff[0])!r} "
                                f"vs {want.get(diff[0])!r}): compare runs of one task and data")


def reference_segmentation(run: Run, examples: Sequence[Example]) -> list[SegmentedCoT]:
    """Segments ``examples``' gold CoTs the way ``run`` segmented its training CoTs (``cfg.seg``).

    Entropy and loss segmenters use the run's cached scorer (trained again on a cache miss).
    """
    if not run.uses_segments:
        raise AnalysisError(f"{run.dir} is a {run.path} run: it uses no segments to take as reference")
    segmenter = instantiate(run.cfg.seg.segmenter)
    if segmenter.needs_scorer:
        segmenter.connect(piece_scorer(run.cfg, run.spec, run.tokenizer, run.task,
                                       cut_pieces(run.splits.train, run.task),
                                       cut_pieces(run.splits.val, run.task)))
    return segment_pieced(cut_pieces(list(examples), run.task), segmenter, run.cfg.seg.beta,
                          run.cfg.seg.merge)
