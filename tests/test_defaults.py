"""One source for each default: where a library class or function has a default for a
setting that a config file also sets, the two are equal, so code that builds the object
without the config (a test, a benchmark, a notebook) gets what ``python -m ases.run`` gets."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest
from conftest import CONF, compose_cfg
from omegaconf import OmegaConf

from ases.decoding.settings import DecodeSettings
from ases.models.spec import ModelSpec
from ases.paths.dual import DualPath
from ases.paths.single import SingleModelPath

GROUPS = ("task", "data", "seg", "path", "model")


def _choices(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def _target(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _defaults(obj) -> dict[str, object]:
    """Parameter defaults of a function, class or dataclass."""
    params = inspect.signature(obj).parameters
    return {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}


def _targets(node, where: str):
    """Every ``_target_`` node of the ases package in a resolved config, with its path."""
    if isinstance(node, dict):
        target = node.get("_target_")
        if isinstance(target, str) and target.startswith("ases."):
            yield where, node
        for key, value in node.items():
            yield from _targets(value, f"{where}.{key}")


def _mismatches(node: dict, defaults: dict) -> list[str]:
    return [f"{k}: config {v!r}, code {defaults[k]!r}" for k, v in node.items()
            if k in defaults and not k.startswith("_") and not isinstance(v, dict | list)
            and defaults[k] is not None and v != defaults[k]]


@pytest.mark.parametrize(("group", "choice"), [(g, c) for g in GROUPS for c in _choices(g)])
def test_each_targets_defaults_equal_its_config(group, choice):
    if group == "data" and choice in ("gsm8k", "cpet11k", "files", "hub"):
        overrides = [f"data={choice}"]  # composes without its files; nothing is loaded
    else:
        overrides = [f"{group}={choice}"]
    if group == "model" and choice.startswith("mt5"):
        overrides.append("task=pet")
    cfg = OmegaConf.to_container(compose_cfg(overrides), resolve=True)
    found = list(_targets(cfg[group], group))
    bad = [f"{where} ({node['_target_']}) {m}" for where, node in found
           for m in _mismatches(node, _defaults(_target(node["_target_"])))]
    assert not bad, "\n".join(bad)


def test_the_tiny_model_spec_is_conf_model_tiny():
    tiny = OmegaConf.to_container(compose_cfg(["model=tiny"]).model, resolve=True)
    spec = ModelSpec()
    for field in dataclasses.fields(ModelSpec):
        if field.name in ("max_source_len", "max_target_len", "character_coverage"):
            continue  # set by the task (conf/task/*.yaml), not by the model choice
        assert getattr(spec, field.name) == tiny[field.name], field.name


def test_decode_settings_and_optimizer_defaults_are_the_configs():
    cfg = OmegaConf.to_container(compose_cfg([]), resolve=True)
    assert dataclasses.asdict(DecodeSettings()) == {**dataclasses.asdict(DecodeSettings()),
                                                    **cfg["decode"]}
    for module in (SingleModelPath, DualPath):
        defaults = _defaults(module)
        assert {k: defaults[k] for k in cfg["optim"]} == cfg["optim"], module.__name__
    datamodule = _defaults(_target(cfg["datamodule"]["_target_"]))
    assert {k: datamodule[k] for k in cfg["datamodule"] if not k.startswith("_")} == {
        k: v for k, v in cfg["datamodule"].items() if not k.startswith("_")}


def test_library_code_reads_no_config_key_with_a_fallback():
    """``cfg.x.get(key, default)`` would hide a second default for a key the configs define."""
    offenders = []
    for path in (CONF.parent / "ases").rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if "cfg" in line and ".get(" in line and "," in line.split(".get(", 1)[1].split(")")[0]:
                offenders.append(f"{path.relative_to(CONF.parent)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_config_folder_is_where_the_tests_look():
    assert Path(CONF / "config.yaml").is_file()
