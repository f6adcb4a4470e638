"""The package is laid out as a run flows: a stage imports only earlier stages and the
shared helpers, and the tools read run folders without reaching into training."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "ases"
SHARED = ("text", "runs")
"""Helpers every stage may use; they import no stage."""
STAGES = ("data", "tasks", "models", "decoding", "segment", "paths", "training", "pipeline",
          "tools")
"""In the order a run flows; ``pipeline`` stands for the modules at the top of the package
(``config``, ``pipeline``, ``segmenting``, ``load``, ``run``), which put the stages together."""
TOOLS_MAY_NOT_IMPORT = ("training", "paths")
"""The tools get models and data through ``ases.load.load_run``, not from training internals."""


def _area(module: str) -> str:
    """``ases.segment.scorer`` -> ``segment``; a top-level module -> ``pipeline``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    return parts[1] if (PACKAGE / parts[1]).is_dir() else "pipeline"


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every ``ases`` module a file imports (top level or inside a function)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("ases")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ases"):
            found += [(node.lineno, node.module)]
    return found


def _violation(importer: str, imported: str) -> str | None:
    src, dst = _area(importer), _area(imported)
    if dst in ("package",) or src == dst:
        return None
    if src in SHARED:
        return None if dst in SHARED else f"shared helper {src}/ imports the stage {dst}/"
    if dst in SHARED:
        return None
    if dst == "tools":
        return f"{src} imports a tool"
    if src == "tools" and dst in TOOLS_MAY_NOT_IMPORT:
        return f"a tool imports {dst}/ internals (use ases.load.load_run)"
    if STAGES.index(dst) > STAGES.index(src):
        return f"{src}/ imports the later stage {dst}/"
    return None


def test_every_folder_is_known_and_says_what_it_does():
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert set(folders) <= set(SHARED) | set(STAGES), folders
    for folder in folders:
        init = PACKAGE / folder / "__init__.py"
        assert init.is_file(), f"{folder}/ has no __init__.py"
        assert ast.get_docstring(ast.parse(init.read_text())), f"{folder}/__init__.py has no docstring"


def test_no_stage_imports_a_later_stage():
    bad = []
    for module, path in _modules().items():
        for line, imported in _imports(path):
            why = _violation(module, imported)
            if why:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {imported}: {why}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("importer", "imported", "allowed"), [
    ("ases.segment.scorer", "ases.training.scorer_fit", False),
    ("ases.paths.rows", "ases.segment.base", True),
    ("ases.text.context", "ases.data.example", False),
    ("ases.tools.report", "ases.runs.status", True),
    ("ases.tools.analysis.nll", "ases.training.datamodule", False),
    ("ases.run", "ases.tools.report", False),
    ("ases.pipeline", "ases.training.datamodule", True),
])
def test_the_rule_itself(importer, imported, allowed):
    assert (_violation(importer, imported) is None) == allowed
