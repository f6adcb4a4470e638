"""Loss curves from a run's ``csv/metrics.csv``, and the analysis table and plots."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from ases.segment.base import AS, ES
from ases.tools.figures import figure, to_png

CURVES = ("train/loss", "val/loss", "train/loss_es", "val/loss_es", "train/loss_as", "val/loss_as")


def loss_curves(run_dir: str | Path) -> dict[str, dict[str, list[float]]]:
    """A run's train and validation losses from ``csv/metrics.csv``.

    Args:
        run_dir: the run directory.

    Returns:
        ``{"train/loss": {"step": [...], "value": [...]}, "val/loss": ...}``, plus
        ``train|val/loss_es`` and ``train|val/loss_as`` where the path logs them (dual). The
        CSV's rows are sparse: each curve keeps only the rows that have its value. A run
        without the file gives ``{}``.
    """
    path = Path(run_dir) / "csv" / "metrics.csv"
    if not path.is_file():
        return {}
    curves: dict[str, dict[str, list[float]]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for name in CURVES:
                if row.get(name) not in (None, ""):
                    curve = curves.setdefault(name, {"step": [], "value": []})
                    curve["step"].append(float(row["step"]))
                    curve["value"].append(float(row[name]))
    return curves


def best_val_loss(run_dir: str | Path, curves: dict) -> float | None:
    """``val/loss_best`` of ``metrics.json``, else the lowest ``val/loss`` of the curve."""
    metrics = Path(run_dir) / "metrics.json"
    best = json.loads(metrics.read_text()).get("val/loss_best") if metrics.is_file() else None
    values = curves.get("val/loss", {}).get("value")
    return best if best is not None else (min(values) if values else None)


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.4f}"


def _spread(values: list[float]) -> tuple[float | None, float | None]:
    """Mean and sample std (None for one value) of the values that are not None."""
    xs = [x for x in values if x is not None]
    if not xs:
        return None, None
    return float(np.mean(xs)), (float(np.std(xs, ddof=1)) if len(xs) > 1 else None)


def by_cell(results: list[dict]) -> list[dict]:
    """One row per cell (runs that differ only in their seed), in the runs' order: the mean
    and sample std over its runs of the NLL on ES, AS and all tokens."""
    cells: dict[str, list[dict]] = {}
    for r in results:
        cells.setdefault(r["cell"], []).append(r)
    rows = []
    for name, runs in cells.items():
        row = {"name": name, "path": runs[0]["path"], "cell_path": runs[0]["cell_path"],
               "seg": runs[0]["seg"], "uses_segments": runs[0]["uses_segments"],
               "runs": [r["name"] for r in runs], "n": len(runs)}
        for key in ("nll_es", "nll_as", "nll_all"):
            row[key], row[f"{key}_std"] = _spread([r[key] for r in runs])
        rows.append(row)
    return rows


def comparison(r: dict, base: dict) -> str:
    """One sentence: is an AS-ES cell's NLL lower than the baseline's on AS, on ES, on both?"""
    def lower(t: str) -> bool:
        mine, theirs = r[f"nll_{t.lower()}"], base[f"nll_{t.lower()}"]
        return mine is not None and theirs is not None and mine < theirs

    if lower(AS) or lower(ES):
        verb = "has a lower NLL than"
        where = ("on both AS and ES tokens" if lower(AS) and lower(ES)
                 else "on AS tokens only" if lower(AS) else "on ES tokens only")
    else:
        verb, where = "has no lower NLL than", "on AS or on ES tokens"
    nums = "; ".join(f"{t} {_fmt(r[f'nll_{t.lower()}'])} vs {_fmt(base[f'nll_{t.lower()}'])}"
                     for t in (AS, ES))

    def runs(c: dict) -> str:
        return "" if c["n"] == 1 else f"mean of {c['n']} runs"

    base_runs = f" ({runs(base)})" if runs(base) else ""
    mine = ", ".join(x for x in (r["path"], runs(r)) if x)
    return (f"`{r['name']}` ({mine}) {verb} the seq2seq baseline `{base['name']}`{base_runs} "
            f"{where} ({nums}).")


def _mean_std(row: dict, key: str) -> str:
    std = row[f"{key}_std"]
    return _fmt(row[key]) + ("" if std is None else f" ± {std:.4f}")


def render_markdown(results: list[dict], reference: dict) -> str:
    """``analysis.md``: one table row per run; where a cell has several runs (seeds), one
    row per cell with the mean ± std; and, when a seq2seq cell is among them, one sentence
    per AS-ES cell comparing its mean NLL with the baseline cell's."""
    lines = ["# Gold-CoT NLL by segment type", "",
             f"{reference['n_examples']} test examples, " + (
                 "segmented by the data's own ES/AS sentence labels. "
                 if reference["run"] is None else
                 f"segmented by `{reference['run']}` (seg={reference['seg']}, "
                 f"beta={reference['beta']}, merge={reference['merge']}). ") +
             "NLL is nats per gold CoT token, teacher-forced; AS-ES paths see the gold earlier "
             "segments. Best val losses are on each path's own rows, so they do not compare "
             "across paths.", "",
             "| run | cell | seed | NLL ES | NLL AS | NLL all | tokens (ES/AS) | best val loss |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['name']} | `{r['cell']}` | {r['seed']} | {_fmt(r['nll_es'])} | "
                     f"{_fmt(r['nll_as'])} | {_fmt(r['nll_all'])} | {r['tokens']} "
                     f"({r['tokens_es']}/{r['tokens_as']}) | {_fmt(r['val_loss_best'])} |")
    cells = by_cell(results)
    if any(c["n"] > 1 for c in cells):
        lines += ["", "## Per cell", "", "Mean ± sample std over each cell's runs (seeds).", "",
                  "| cell | runs | NLL ES | NLL AS | NLL all |", "|---|---|---|---|---|"]
        lines += [f"| `{c['name']}` | {c['n']} | {_mean_std(c, 'nll_es')} | "
                  f"{_mean_std(c, 'nll_as')} | {_mean_std(c, 'nll_all')} |" for c in cells]
    base = (next((c for c in cells if c["cell_path"] == "seq2seq"), None)
            or next((c for c in cells if not c["uses_segments"]), None))
    if base is not None:
        lines += [""] + [f"- {comparison(c, base)}" for c in cells if c is not base
                         and c["cell_path"].split("-")[0] != "seq2seq"]
    return "\n".join(lines) + "\n"


def _colour(i: int, n: int):
    """The i-th of n distinct colours: matplotlib's ten, or tab20's twenty past ten."""
    if n <= 10:
        return f"C{i}"
    from matplotlib import colormaps

    return colormaps["tab20"](i % 20)


def plot_nll(results: list[dict]) -> bytes:
    """Grouped bars as PNG bytes: NLL per token on ES, AS and all tokens, one bar per cell
    (the mean over its runs, with the sample std as an error bar where it has several)."""
    cells = by_cell(results)
    fig = figure(8, 4)
    ax = fig.add_subplot()
    groups, width = ("es", "as", "all"), 0.8 / max(len(cells), 1)
    for j, c in enumerate(cells):
        values = [math.nan if c[f"nll_{g}"] is None else c[f"nll_{g}"] for g in groups]
        errs = [c[f"nll_{g}_std"] or 0.0 for g in groups]
        runs = f", {c['n']} runs" if c["n"] > 1 else ""
        ax.bar(np.arange(3) + (j - (len(cells) - 1) / 2) * width, values, width,
               yerr=errs if c["n"] > 1 else None, capsize=2, color=_colour(j, len(cells)),
               label=f"{c['name']} ({c['path']}{runs})")
    ax.set_xticks(range(3), ["ES tokens", "AS tokens", "all tokens"])
    ax.set_ylabel("gold CoT NLL per token (nats)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return to_png(fig)


def plot_curves(results: list[dict]) -> bytes:
    """Train and validation loss curves of every run as PNG bytes: all rows solid, ES
    dashed, AS dotted; one colour per cell, its seeds' runs alike."""
    fig = figure(12, 4)
    axes = {stage: fig.add_subplot(1, 2, i + 1) for i, stage in enumerate(("train", "val"))}
    cells = list(dict.fromkeys(r["cell"] for r in results))
    for r in results:
        j = cells.index(r["cell"])
        first = next(x for x in results if x["cell"] == r["cell"]) is r  # one legend entry a cell
        for stage, ax in axes.items():
            for suffix, style in (("", "-"), ("_es", "--"), ("_as", ":")):
                curve = r["curves"].get(f"{stage}/loss{suffix}")
                if curve:
                    ax.plot(curve["step"], curve["value"], style, marker=".", markersize=3,
                            linewidth=1, color=_colour(j, len(cells)),
                            label=f"{r['cell']} {suffix[1:].upper() or 'all'}" if first else None)
    for stage, ax in axes.items():
        ax.set_title(f"{stage} loss (solid: all rows, dashed: ES, dotted: AS)", fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylabel("token cross-entropy")
    entries: dict[str, object] = {}  # one legend for both plots, beside them
    for ax in axes.values():
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    if entries:
        axes["val"].legend(list(entries.values()), list(entries), fontsize=7, loc="upper left",
                           bbox_to_anchor=(1.01, 1.0))
    return to_png(fig)
