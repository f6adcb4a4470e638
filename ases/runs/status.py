"""A run folder's status as ``run.json`` and ``metrics.json`` tell it: what ``resume`` and
the report read, without loading a model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ases.runs.cells import RUN_FILE

GROUP = ("task", "data", "model", "seg", "path", "beta", "gamma")
"""A cell without its seed: the runs of one row of a report."""


def find_runs(dirs: Sequence[Path]) -> list[Path]:
    """Every directory holding a ``run.json`` at or under ``dirs``, once each, sorted by path."""
    found = {p.parent.resolve(): p.parent for d in dirs for p in Path(d).rglob(RUN_FILE)}
    return sorted(found.values())


def _read_json(path: Path) -> tuple[object, str | None]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return None, f"{path}: not valid JSON ({err})"


def read_status(run_dir: Path) -> dict:
    """A run's ``dir``, ``cell`` (the GROUP fields), ``metric`` (the one its task is judged
    by, or None), ``status``, ``error`` and numeric ``metrics``.

    Status is ``failed`` when run.json or metrics.json says so, or either is unreadable (the
    error names the file); ``incomplete`` without metrics.json (killed, or still running);
    else ``completed``.
    """
    run, error = _read_json(run_dir / RUN_FILE)
    if error is None and not (isinstance(run, dict) and isinstance(run.get("cell"), dict)):
        error = f"{run_dir / RUN_FILE}: not a JSON object with a 'cell'"
    cell = run["cell"] if error is None else {}
    result = {"dir": str(run_dir), "metrics": {}, "status": "failed", "error": error,
              "seed": cell.get("seed"), "metric": None if error else run.get("metric"),
              "cell": {k: cell.get(k, "?" if k in ("task", "path") else None) for k in GROUP}}
    if error:
        return result
    if run.get("status") == "failed":
        return {**result, "error": str(run.get("error") or "failed (no error recorded)")}
    if not (run_dir / "metrics.json").is_file():
        return {**result, "status": "incomplete",
                "error": f"no metrics.json (run.json status: {run.get('status')})"}
    metrics, error = _read_json(run_dir / "metrics.json")
    if error or not isinstance(metrics, dict) or metrics.get("status") == "failed":
        return {**result, "error": error or str((metrics or {}).get("error") or "failed")}
    numbers = {k: float(v) for k, v in metrics.items()
               if isinstance(v, int | float) and not isinstance(v, bool)}
    return {**result, "status": "completed", "error": None, "metrics": numbers}
