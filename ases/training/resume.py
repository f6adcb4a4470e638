"""Finding the run folder to continue (``resume=true`` or ``resume=<run dir>``), and
refusing one that belongs to another config.

What continues: a completed run is not run again (its metrics are returned); cached stages
(tokenizer, scorer, piece scores) are read from the cache; training restarts from
``checkpoints/last.ckpt``; test decoding skips the problems already in
``predictions.partial.jsonl``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ases.runs.cells import RUN_FILE
from ases.runs.files import flatten

log = logging.getLogger(__name__)
CONFIG_FILE = "config.json"
# keys that may differ between a run and its continuation
_FREE = ("resume", "cache_dir")


def snapshot(resolved: dict) -> dict:
    """The resolved config without the keys a continuation may change."""
    return {k: v for k, v in resolved.items() if k not in _FREE}


def differences(a: dict, b: dict) -> list[str]:
    """``key: old -> new`` for every leaf that differs. A key the old config lacks and the
    new one sets to null or false (a setting added since, switched off) is no difference."""
    fa, fb = flatten(a), flatten(b)
    return [f"{k}: {fa.get(k, '<absent>')!r} -> {fb.get(k, '<absent>')!r}"
            for k in sorted(set(fa) | set(fb))
            if fa.get(k, "<absent>") != fb.get(k, "<absent>")
            and not (k not in fa and (fb[k] is None or fb[k] is False))]


def _plain(overrides: list[str]) -> list[str]:
    return sorted(o for o in overrides if not o.lstrip("+~").startswith(("resume=", "hydra.")))


def find_run(resume: object, output_dir: Path, overrides: list[str]) -> Path:
    """The folder to continue in.

    ``resume=<dir>``: that folder. ``resume=true``: this job's own folder when it already
    holds a run (a fixed ``hydra.run.dir`` or the same multirun ``hydra.sweep.dir``), else
    the newest unfinished sibling run started with the same overrides, else a fresh start.
    """
    if isinstance(resume, str) and resume.lower() not in ("true", "1", "yes"):
        folder = Path(resume).expanduser()
        if not (folder / RUN_FILE).is_file():
            raise FileNotFoundError(f"resume={resume}: no {RUN_FILE} there, so it is not a run "
                                    "folder of ases (give e.g. outputs/runs/<date>_<time>_...)")
        return folder
    if (output_dir / RUN_FILE).is_file():
        return output_dir
    wanted = _plain(overrides)
    for sibling in sorted(output_dir.parent.iterdir(), reverse=True) if output_dir.parent.is_dir() else []:
        info_file = sibling / RUN_FILE
        if sibling == output_dir or not info_file.is_file():
            continue
        try:
            info = json.loads(info_file.read_text())
        except (OSError, ValueError):
            continue
        if info.get("status") != "completed" and _plain(info.get("overrides", [])) == wanted:
            log.info("resuming the unfinished run in %s", sibling)
            return sibling
    log.warning("resume=true but no unfinished run with these overrides under %s: starting fresh",
                output_dir.parent)
    return output_dir


def check_same_config(run_dir: Path, resolved: dict) -> None:
    """Refuses to continue a run folder written under another (resolved) config."""
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        return
    diff = differences(json.loads(path.read_text()), snapshot(resolved))
    if diff:
        shown = "; ".join(diff[:8]) + (f"; and {len(diff) - 8} more" if len(diff) > 8 else "")
        raise ValueError(f"{run_dir} belongs to a different config, so it cannot be resumed "
                         f"({shown}). Resume with the run's own overrides (its run.json lists "
                         "them), or start a new run without resume.")
