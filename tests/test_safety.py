"""Static checks of the safety rules: no eval/exec, torch.load only with weights_only=True,
no remote code unless asked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

from ases.models.spec import ModelSpec

SOURCES = sorted([*(ROOT / "ases").rglob("*.py"), *(ROOT / "bench").rglob("*.py"),
                  *(ROOT / "hydra_plugins").rglob("*.py")])


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            yield name, node


def test_no_eval_or_exec_anywhere():
    found = [f"{p}:{n.lineno}" for p in SOURCES for name, n in _calls(p) if name in ("eval", "exec")
             and isinstance(n.func, ast.Name)]
    assert found == []


def test_every_torch_load_is_weights_only():
    loads = [(p, n) for p in SOURCES for name, n in _calls(p)
             if name == "load" and isinstance(n.func, ast.Attribute)
             and isinstance(n.func.value, ast.Name) and n.func.value.id == "torch"]
    assert loads  # the rule is exercised
    for path, node in loads:
        kw = {k.arg: k.value for k in node.keywords}
        assert "weights_only" in kw and getattr(kw["weights_only"], "value", None) is True, f"{path}:{node.lineno}"


# Every model choice composes with trust_remote_code false: tests/test_config.py checks it in
# the combinations it composes anyway (every model choice is among them).


def test_remote_code_reaches_the_hub_loaders_only_when_asked(tmp_path, monkeypatch):
    from ases.models import factory

    seen = []

    def record(source, **kwargs):
        seen.append(kwargs.get("trust_remote_code", False))
        raise OSError("offline")  # stop here: only the arguments matter

    monkeypatch.setattr(factory.AutoTokenizer, "from_pretrained", record)
    monkeypatch.setattr(factory.AutoModelForSeq2SeqLM, "from_pretrained", record)
    for trust in (False, True):
        spec = ModelSpec(pretrained=str(tmp_path), trust_remote_code=trust)
        with pytest.raises(factory.ModelNotFoundError):
            factory.build_tokenizer(spec, [], tmp_path)
        with pytest.raises(factory.ModelNotFoundError):
            factory.build_model(spec, None)
    assert seen == [False, False, True, True]


def test_no_call_turns_remote_code_on_by_itself():
    """Only ``model.trust_remote_code`` may say yes: no call passes a literal True."""
    found = [f"{p}:{n.lineno}" for p in SOURCES for _, n in _calls(p) for k in n.keywords
             if k.arg == "trust_remote_code" and isinstance(k.value, ast.Constant)
             and k.value.value is not False]
    assert found == []
