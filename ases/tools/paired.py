"""Per-problem comparisons for ``ases-report``: bootstrap intervals over the test problems.

A cell's runs (one per seed) are judged on the same test problems. Where the task records
a per-problem score (MWP: ``correct`` in ``predictions.jsonl`` for ``test/acc``,
``correct_flexible`` for ``test/acc_flexible``), the report gives

- each cell's 95% interval: its mean score over seeds, problems resampled with
  replacement (:func:`interval`);
- each AS-ES cell's paired comparison with its baseline: the runs are paired by seed, the
  per-problem difference is averaged over the pairs, and the problems are resampled, the
  same draw for every pair (:func:`paired_difference`). An interval above 0 says the cell
  beats the baseline on these problems beyond what the choice of problems explains; it
  says nothing about other problems or seeds not run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PER_PROBLEM = {"test/acc": "correct", "test/acc_flexible": "correct_flexible"}
"""Metric → the field of each prediction record that it averages."""
RESAMPLES = 2000
SEED = 0  # fixed: the same runs always give the same interval


def problem_scores(run_dir: str | Path, metric: str) -> dict[str, float] | None:
    """qid → the run's score on that test problem, or None when the metric has no
    per-problem field or the run has no readable ``predictions.jsonl`` with it."""
    field = PER_PROBLEM.get(metric)
    path = Path(run_dir) / "predictions.jsonl"
    if field is None or not path.is_file():
        return None
    scores = {}
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                if field not in record or "qid" not in record:
                    return None
                scores[str(record["qid"])] = float(record[field])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError):
        return None
    return scores or None


def _matrix(runs: Sequence[dict[str, float]], qids: list[str]) -> np.ndarray:
    return np.array([[run[q] for q in qids] for run in runs], dtype=float)  # (runs, problems)


def _common(runs: Sequence[dict[str, float]]) -> list[str]:
    return sorted(set.intersection(*(set(r) for r in runs))) if runs else []


def _bootstrap(per_problem: np.ndarray, resamples: int) -> tuple[float, float]:
    """The 95% percentile interval of the mean of ``per_problem`` over problems drawn with
    replacement (a fixed draw: the same scores always give the same interval)."""
    n = len(per_problem)
    draws = np.random.default_rng(SEED).integers(0, n, (resamples, n))
    low, high = np.percentile(per_problem[draws].mean(axis=1), [2.5, 97.5])
    return float(low), float(high)


def interval(runs: Sequence[dict[str, float]], resamples: int = RESAMPLES) -> dict | None:
    """The mean score of a cell's runs and its 95% bootstrap interval over the problems
    all of them were judged on; None without runs or common problems."""
    qids = _common(runs)
    if not qids:
        return None
    per_problem = _matrix(runs, qids).mean(axis=0)  # (problems,)
    low, high = _bootstrap(per_problem, resamples)
    return {"mean": float(per_problem.mean()), "low": low, "high": high, "n_problems": len(qids)}


def paired_difference(cell: dict[object, dict[str, float]], base: dict[object, dict[str, float]],
                      resamples: int = RESAMPLES) -> dict | None:
    """The cell's mean score minus its baseline's over the seeds both have (``{seed:
    scores}``), on the problems every paired run was judged on, with its 95% paired
    bootstrap interval; None when no seed or no problem is shared."""
    seeds = sorted((s for s in cell if s in base), key=str)
    if not seeds:
        return None
    qids = _common([cell[s] for s in seeds] + [base[s] for s in seeds])
    if not qids:
        return None
    diff = (_matrix([cell[s] for s in seeds], qids)
            - _matrix([base[s] for s in seeds], qids)).mean(axis=0)  # (problems,)
    low, high = _bootstrap(diff, resamples)
    verdict = ("better than the baseline" if low > 0 else "worse than the baseline" if high < 0
               else "no clear difference")
    return {"diff": float(diff.mean()), "low": low, "high": high, "n_seeds": len(seeds),
            "seeds": seeds, "n_problems": len(qids), "verdict": verdict}
