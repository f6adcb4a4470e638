"""``load_run(run_dir)``: a finished run's config, task, data, tokenizer and trained models,
rebuilt by the pipeline's own stages (load, prepare), so a tool sees exactly what the model
was trained and tested on.

The run folder is self-contained: its config (``.hydra/config.yaml``), its tokenizer
(``tokenizer/``) and its checkpoints. Data are rebuilt from the config by the same loader,
checks and ``Task.prepare`` (γ for reports) as in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from ases.config import RunConfig
from ases.data.example import Splits
from ases.models.adapter import ModelAdapter
from ases.models.factory import build_adapter, build_model
from ases.models.lora import merged
from ases.models.spec import ModelSpec
from ases.models.tokenizer import load_tokenizer
from ases.pipeline import TOKENIZER_DIR, load, prepare, tokenizer_for
from ases.segment.base import AS, ES
from ases.tasks.base import Task


class RunLoadError(ValueError):
    """The folder is not a finished run that can be loaded (reported as one line)."""


@dataclass
class Run:
    """A finished run, its data and its trained models (``model``, or ``es`` and ``as``)."""

    dir: Path
    cfg: DictConfig
    rc: RunConfig
    task: Task
    splits: Splits
    """The splits as the model saw them (checked, limited, prepared)."""
    tokenizer: PreTrainedTokenizerBase
    adapter: ModelAdapter
    models: dict[str, PreTrainedModel]

    @property
    def spec(self) -> ModelSpec:
        """The run's model choice."""
        return self.rc.spec

    @property
    def path(self) -> str:
        """The config's path name: ``seq2seq``, ``uni``, ``dual``."""
        return str(self.cfg.path.name)

    @property
    def uses_segments(self) -> bool:
        """Whether the run segmented its training CoTs: uni and dual train on the segments, a
        seq2seq run with ``path.loss_weights=segment`` weighs its loss by them."""
        return self.rc.uses_segments

    @property
    def tagged(self) -> bool:
        """Whether its targets start with ``[ES]``/``[AS]`` (tagged uni path)."""
        return self.rc.tagged


def checkpoint(run_dir: Path) -> Path:
    """``checkpoints/best.ckpt``, or ``last.ckpt`` (what the pipeline tests when no validation ran)."""
    for name in ("best.ckpt", "last.ckpt"):
        if (run_dir / "checkpoints" / name).is_file():
            return run_dir / "checkpoints" / name
    raise RunLoadError(f"{run_dir} has no checkpoints/best.ckpt (nor last.ckpt): did the run finish?")


def load_config(run_dir: str | Path) -> DictConfig:
    """A run's ``.hydra/config.yaml``, after checking that the run dir and a checkpoint exist."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunLoadError(f"run dir {run_dir} does not exist (or is not a directory)")
    path = run_dir / ".hydra" / "config.yaml"
    if not path.is_file():
        raise RunLoadError(f"{path} not found: not a run dir written by python -m ases.run")
    checkpoint(run_dir)
    return OmegaConf.load(path)


def load_run(run_dir: str | Path, device: str = "cpu") -> Run:
    """Rebuilds a run's task, data splits, tokenizer and checkpointed models.

    The tokenizer is the run folder's own ``tokenizer/``; a run written before runs kept
    their tokenizer gets it from the cache at its ``cache_dir`` (trained again,
    deterministically, on a miss).

    A run trained with LoRA (``model.lora``) is rebuilt with its adapters, loaded, and
    returned with the adapters merged into the weights: the model class of a full fine-tune.

    Args:
        run_dir: a run directory with ``.hydra/config.yaml`` and ``checkpoints/``.
        device: where the models go.

    Raises:
        RunLoadError: no run dir, config or checkpoint, or weights that do not fit the model.
    """
    run_dir = Path(run_dir)
    cfg = load_config(run_dir)
    rc = RunConfig.from_hydra(cfg)
    task = rc.make("task")
    splits, _ = load(rc, task)
    splits, _ = prepare(task, splits)
    saved = run_dir / TOKENIZER_DIR
    tokenizer = (load_tokenizer(saved) if saved.is_dir()
                 else tokenizer_for(rc.spec, splits.train, rc.cache_dir, rc.seed))
    ckpt = checkpoint(run_dir)
    state = torch.load(ckpt, map_location="cpu", weights_only=True)["state_dict"]
    # Lightning prefixes each model's keys with its attribute: SingleModelPath.model,
    # DualPath.es_model / .as_model.
    prefixes = {"model": "model."} if len(rc.specs) == 1 else {
        ES.lower(): "es_model.", AS.lower(): "as_model."}
    models = {}
    for (key, prefix), spec in zip(prefixes.items(), rc.specs, strict=True):
        weights = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not weights:
            raise RunLoadError(f"{ckpt} holds no {prefix}* weights (path={cfg.path.name})")
        model = build_model(spec, tokenizer)
        try:
            model.load_state_dict(weights)
        except RuntimeError as err:
            raise RunLoadError(f"{ckpt}: the weights do not fit the rebuilt model (another "
                               f"tokenizer or model config?): {str(err).splitlines()[0]}") from None
        # a LoRA model's adapters merged into its weights: a plain model, which decodes
        # faster and saves whole (save_pretrained)
        models[key] = merged(model).to(device).eval()
    return Run(run_dir, cfg, rc, task, splits, tokenizer, build_adapter(rc.spec, tokenizer), models)
