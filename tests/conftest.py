"""Shared fixtures. Tests never touch the network: a hub name fails fast."""

from __future__ import annotations

import os

for _var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ[_var] = "1"
os.environ.setdefault("WANDB_MODE", "disabled")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
SHARED_DATA = ROOT.parent / "shared" / "data"


def compose_cfg(overrides: list[str] | None = None) -> DictConfig:
    """The real config, composed as ``python -m ases.run`` would, with overrides."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides or []))


@pytest.fixture(scope="session")
def gsm8k_dir() -> Path:
    path = SHARED_DATA / "gsm8k"
    if not (path / "train.jsonl").is_file():
        pytest.skip(f"GSM8K is not at {path}")
    return path


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path_factory, monkeypatch):
    """One cache per test session, never the user's."""
    monkeypatch.setenv("ASES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


class ScriptedAdapter:
    """A model adapter whose generation is a function of (model, sources): a "perfect"
    model that returns the gold rows, or a scripted one. Only ``generate`` is used."""

    arch = "scripted"
    tokenizer = None

    def __init__(self, write):
        self.write = write

    def generate(self, model, sources, max_source_len, max_new_tokens, **settings):
        return self.write(model, list(sources))
