"""Static checks of the safety rules: no eval/exec, torch.load only with weights_only=True,
no remote code unless asked."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import CONF, ROOT

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


def test_remote_code_is_off_in_every_model_config():
    for path in (CONF / "model").glob("*.yaml"):
        text = path.read_text()
        assert "trust_remote_code: true" not in text.lower(), path
