"""One report over many runs: cells (mean ± std over seeds), the best cell and the gain over
the seq2seq baseline per task, each AS-ES cell's paired comparison with its baseline, the runs
that failed, and plots: every cell with its interval, the paired differences, β and γ.

    ases-report outputs/multiruns/<time> [DIR ...] [--out OUT] [--metric KEY]

Reads ``run.json`` and ``metrics.json`` of the run directories at or under the DIRs, and
``predictions.jsonl`` where the metric is scored per problem (:mod:`ases.tools.paired`), so
it works on results copied back from a cluster. Writes ``report.md``, ``report.json`` and
the plots into ``--out`` (default: ``report/`` in the first DIR).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ases.runs.cells import RUN_FILE, cell_name
from ases.runs.files import write_bytes_atomic, write_json_atomic, write_text_atomic
from ases.runs.status import GROUP, find_runs, read_status
from ases.tools.figures import forest, plot, scatter
from ases.tools.paired import interval, paired_difference, problem_scores

ORDER = ("task", "data", "model", "gamma", "seg", "path", "beta")  # rows: baseline first (seg None)
SAME_BASELINE = ("task", "data", "model", "gamma")  # fields a cell shares with its baseline
BASELINE = "seq2seq"


def is_as_es(row: dict) -> bool:
    """A uni- or dual-path cell; a seq2seq variant (``seq2seq-wsegment``, ``seq2seq-<variant>``)
    is a baseline ablation, compared with the baseline but never offered as the best AS-ES cell."""
    return row["path"].split("-")[0] != BASELINE


DETAILS = {  # the "Cells in detail" table: metrics.json key -> column, mean ± std over seeds
    "test/acc_flexible": "flexible acc", "test/format_rate": "format rate",
    "test/rounds_mean": "rounds", "train/steps": "steps",
    "train/tokens_target": "target tokens", "train/tokens_input": "tokens read",
    "time/train_s": "train s", "time/fit_s": "fit s",
}


def metric_of(task: str, runs: Sequence[dict], metric: str | None = None) -> str:
    """The metric a task is judged by: ``metric`` if given, else the one its runs recorded
    (the task config's ``metric``), else test/acc if any run has it, else the first
    ``test/*`` key (sorted)."""
    if metric:
        return metric
    ours = [r for r in runs if r["cell"]["task"] == task]
    recorded = next((r["metric"] for r in ours if r.get("metric")), None)
    if recorded:
        return recorded
    keys = sorted({k for r in ours for k in r["metrics"]})
    tests = [k for k in keys if k.startswith("test/")]
    return "test/acc" if "test/acc" in keys or not tests else tests[0]


def _values(runs: Sequence[dict], key: str) -> list[float]:
    return [r["metrics"][key] for r in runs if math.isfinite(r["metrics"].get(key, math.nan))]


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _spread(values: Sequence[float]) -> dict | None:
    """Mean and sample std (None for one value) of a metric over seeds; None without values."""
    if not values:
        return None
    return {"mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) >= 2 else None}


def _status(n_ok: int, n_failed: int, n_incomplete: int) -> str:
    if not (n_failed or n_incomplete):
        return "ok"
    counts = ((n_ok, "ok"), (n_failed, "failed"), (n_incomplete, "incomplete"))
    return ", ".join(f"{n} {word}" for n, word in counts if n)


def _repeated_seeds(done: Sequence[dict]) -> str:
    """A warning when completed runs of one cell share a seed: they differ in settings the
    cell does not show (e.g. optim.lr), so their ± is not a spread over seeds."""
    seeds = [r.get("seed") for r in done]
    repeated = sorted({s for s in seeds if seeds.count(s) > 1}, key=str)
    return f"; seed {', '.join(map(str, repeated))} repeats: other settings differ" if repeated else ""


def baseline_of(row: dict, rows: Sequence[dict], baseline: str = BASELINE) -> dict | None:
    """The completed ``baseline`` cell (a path name: seq2seq unless told) of the same task,
    data, model and γ, or None."""
    return next((b for b in rows if b["path"] == baseline and b["mean"] is not None
                 and all(b[k] == row[k] for k in SAME_BASELINE)), None)


def summarize(runs: Sequence[dict], metric: str | None = None,
              baseline: str = BASELINE) -> list[dict]:
    """One row per cell: counts, mean and sample std of the metric over completed seeds, the Δ
    to its baseline, mean AS fraction and rounds, a status line and the runs' errors."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in runs:
        groups[tuple(r["cell"][k] for k in GROUP)].append(r)
    rows = []
    for key, members in groups.items():
        cell = dict(zip(GROUP, key, strict=True))
        done = [r for r in members if r["status"] == "completed"]
        n_failed = sum(r["status"] == "failed" for r in members)
        values = _values(done, m := metric_of(cell["task"], runs, metric))
        rows.append({
            **cell, "name": cell_name(cell, with_seed=False), "metric": m,
            "n_runs": len(members), "n_completed": len(done), "n_failed": n_failed,
            "n_incomplete": len(members) - len(done) - n_failed,
            "mean": _mean(values), "std": statistics.stdev(values) if len(values) >= 2 else None,
            "delta": None, "as_fraction": _mean(_values(done, "seg/as_fraction")),
            "agreement": _mean(_values(done, "seg/agreement")),
            "rounds": _mean(_values(done, "test/rounds_mean")),
            # MWP: the flexible grade next to the strict one (docs/grading.md)
            "acc_flexible": _mean(_values(done, "test/acc_flexible")),
            "details": {key: _spread(_values(done, key)) for key in DETAILS},
            "status": _status(len(done), n_failed, len(members) - len(done) - n_failed)
            + _repeated_seeds(done),
            # failed runs' errors first: the table shows the first one
            "errors": [r["error"] for s in ("failed", "incomplete") for r in members if r["status"] == s],
            "run_dirs": [r["dir"] for r in members],
            # per-problem scores of the completed runs by seed (dropped before report.json)
            "_scores": _scores_by_seed(done, m),
        })
    rows.sort(key=lambda r: tuple((r[k] is not None, r[k] if r[k] is not None else 0) for k in ORDER))
    for row in rows:
        base = baseline_of(row, rows, baseline)
        if base is not None and base is not row and row["mean"] is not None:
            row["delta"] = row["mean"] - base["mean"]
        scores = row["_scores"]
        row["interval"] = interval(list(scores.values())) if scores else None
        row["paired"] = (paired_difference(scores, base["_scores"])
                         if base is not None and base is not row and scores and base["_scores"]
                         else None)
    for row in rows:
        del row["_scores"]
    return rows


def _scores_by_seed(done: Sequence[dict], metric: str) -> dict:
    """``{seed: {qid: score}}`` of the completed runs that record per-problem scores (the
    first run of a repeated seed); empty when the metric has none."""
    out: dict = {}
    for r in done:
        if r.get("seed") not in out and (scores := problem_scores(r["dir"], metric)) is not None:
            out[r.get("seed")] = scores
    return out


def versus_baseline(rows: Sequence[dict],
                    baseline: str = BASELINE) -> list[tuple[dict | None, dict | None]]:
    """(baseline, best AS-ES cell) per task, data, model and γ that has a completed cell."""
    keys = dict.fromkeys(tuple(r[k] for k in SAME_BASELINE) for r in rows if r["mean"] is not None)
    pairs = []
    for key in keys:
        same = [r for r in rows if r["mean"] is not None and tuple(r[k] for k in SAME_BASELINE) == key]
        rivals = [r for r in same if is_as_es(r)]
        pairs.append((baseline_of(same[0], rows, baseline), max(rivals, key=lambda r: r["mean"], default=None)))
    return pairs


def _series(rows: Sequence[dict], x: str, y: str, by: Sequence[str]) -> dict[str, list[tuple]]:
    """(x, y, std) points per line: one line per ``by`` value and other varying field; points
    of one line at one x (e.g. the AS fraction of uni and dual) are averaged."""
    varying = [k for k in ("data", "model", "beta", "gamma")
               if k != x and len({r[k] for r in rows if r[k] is not None}) > 1]
    points: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r[x] is not None and r[y] is not None:
            label = " ".join(["/".join(str(r[k]) for k in by if r[k] is not None),
                              *(f"{k}={r[k]}" for k in varying if r[k] is not None)])
            points[label][r[x]].append((r[y], (r["std"] or 0.0) if y == "mean" else 0.0))
    return {label: [(xv, statistics.fmean(p[0] for p in ps), statistics.fmean(p[1] for p in ps))
                    for xv, ps in sorted(at.items())] for label, at in points.items()}


def _agreement_points(done: Sequence[dict]) -> list[tuple[str, float, float, float, float]]:
    """(cell, agreement, paired Δ, low, high) of the AS-ES cells with both."""
    return [(r["name"], r["agreement"], r["paired"]["diff"], r["paired"]["low"],
             r["paired"]["high"]) for r in done
            if is_as_es(r) and r["agreement"] is not None and r["paired"]]


def _token_points(done: Sequence[dict]) -> list[tuple[str, float, float, float, float]]:
    """(cell, mean target tokens, mean metric, ± its std over seeds) of the cells that
    counted their training tokens."""
    return [(r["name"], tokens["mean"], r["mean"], r["mean"] - (r["std"] or 0.0),
             r["mean"] + (r["std"] or 0.0)) for r in done
            if (tokens := r["details"].get("train/tokens_target")) is not None]


def _cell_points(done: Sequence[dict]) -> list[tuple[str, float, float, float]]:
    """Every completed cell's mean with its bootstrap interval over the test problems, or
    ± its std over seeds where the task has no per-problem score."""
    points = []
    for r in done:
        if r["interval"] is not None:
            iv = r["interval"]
            points.append((r["name"], iv["mean"], iv["low"], iv["high"]))
        else:
            spread = r["std"] or 0.0
            points.append((r["name"], r["mean"], r["mean"] - spread, r["mean"] + spread))
    return points


def write_plots(rows: Sequence[dict], out: Path, baseline: str = BASELINE) -> list[str]:
    """Writes every cell's metric with its interval and the paired differences (whenever a
    task has a completed cell); the metric against training tokens, and the paired
    difference against label agreement, where cells differ in them; and the β and γ plots
    that have ≥ 2 distinct x values. Returns the file names."""
    written = []
    for task in dict.fromkeys(r["task"] for r in rows):
        done = [r for r in rows if r["task"] == task and r["mean"] is not None]
        if not done:
            continue
        metric = done[0]["metric"]
        how = ("95% bootstrap interval over test problems" if any(r["interval"] for r in done)
               else "± std over seeds")
        write_bytes_atomic(out / f"cells_{task}.png", forest(
            _cell_points(done), metric, f"{task}: every cell's {metric} ({how})"))
        written.append(f"cells_{task}.png")
        paired = [(r["name"], r["paired"]["diff"], r["paired"]["low"], r["paired"]["high"])
                  for r in done if r["paired"]]
        if paired:
            write_bytes_atomic(out / f"paired_{task}.png", forest(
                paired, f"Δ {metric} vs baseline (paired, 95% interval)",
                f"{task}: AS-ES cells against their baseline", zero=True))
            written.append(f"paired_{task}.png")
        tokens = _token_points(done)
        if len({round(x) for _, x, *_ in tokens}) >= 2:  # compute differs between cells
            write_bytes_atomic(out / f"tokens_{task}.png", scatter(
                tokens, "training target tokens (log scale)", metric,
                f"{task}: {metric} against the tokens trained on (± std over seeds)", log_x=True))
            written.append(f"tokens_{task}.png")
        agree = _agreement_points(done)
        if len({round(x, 4) for _, x, *_ in agree}) >= 2:  # segmenters that differ in agreement
            write_bytes_atomic(out / f"agreement_{task}.png", scatter(
                agree, "pieces tagged as labelled (seg/agreement)",
                f"Δ {metric} vs baseline (paired, 95% interval)",
                f"{task}: does a segmentation closer to the ES/AS labels gain more?", zero=True))
            written.append(f"agreement_{task}.png")
        bases = [r for r in done if r["path"] == baseline]
        hlines = [(f"{cell_name(b, with_seed=False)} (baseline)", b["mean"]) for b in bases]
        for name, x, y, by, hl in (
            (f"metric_vs_beta_{task}.png", "beta", "mean", ("seg", "path"), hlines),
            (f"metric_vs_gamma_{task}.png", "gamma", "mean", ("seg", "path"), ()),
            (f"as_fraction_vs_beta_{task}.png", "beta", "as_fraction", ("seg",), ()),
        ):
            lines = _series(done, x, y, by)
            if len({p[0] for pts in lines.values() for p in pts}) >= 2:
                ylabel = metric if y == "mean" else "seg/as_fraction"
                symbol = {"beta": "β", "gamma": "γ"}[x]
                png = plot(lines, symbol, ylabel, f"{task}: {ylabel} vs {symbol}", hl)
                write_bytes_atomic(out / name, png)
                written.append(name)
    return written


def _txt(v: object, fmt: str = ".4f") -> str:
    return "—" if v is None else format(v, fmt) if isinstance(v, float) else str(v)


def _short(text: str, n: int = 80) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def _metric_cell(r: dict) -> str:
    if r["mean"] is not None:
        return _txt(r["mean"]) + (f" ± {r['std']:.4f}" if r["std"] is not None else "")
    if r["n_completed"]:
        return f"n/a (no {r['metric']})"
    return f"{'failed' if r['n_failed'] else 'incomplete'}: {_short(r['errors'][0])}"


def _spread_txt(spread: dict | None, key: str) -> str:
    if spread is None:
        return ""
    fmt = ",.0f" if key.startswith(("train/", "time/")) else ".2f" if key.endswith("rounds_mean") else ".4f"
    std = f" ± {spread['std']:{fmt}}" if spread["std"] is not None else ""
    return f"{spread['mean']:{fmt}}{std}"


def render_markdown(rows: Sequence[dict], runs: Sequence[dict], plots: Sequence[str],
                    baseline: str = BASELINE) -> str:
    """The report: metrics used, the cell table, best cells, baseline vs AS-ES, failures, plots."""
    used = ", ".join(f"{t} → `{m}`" for t, m in dict.fromkeys((r["task"], r["metric"]) for r in rows))
    lines = ["# AS-ES report", "", f"{len(runs)} runs in {len(rows)} cells. Metric per task: {used}; "
             f"mean ± sample std over completed seeds; Δ = cell mean − its `{baseline}` baseline's.", "",
             "## Cells", "", "| task | data | model | seg | path | β | γ | seeds | metric | Δ vs baseline "
             "| flexible acc | AS fraction | agreement | rounds | status |", "|" + "---|" * 15]
    for r in rows:
        cols = [r["task"], r["data"], r["model"], r["seg"], r["path"], _txt(r["beta"], "g"),
                _txt(r["gamma"], "g"), f"{r['n_completed']}/{r['n_runs']}", _metric_cell(r),
                _txt(r["delta"], "+.4f") if r["delta"] is not None else "", _txt(r["acc_flexible"]),
                _txt(r["as_fraction"]), _txt(r["agreement"]),
                _txt(r["rounds"], ".2f"), r["status"]]
        lines.append("| " + " | ".join(_txt(c) for c in cols) + " |")
    detailed = [r for r in rows if any(r["details"].values())]
    if detailed:
        lines += ["", "## Cells in detail", "",
                  "Mean ± sample std over completed seeds. Steps and tokens are the training "
                  "compute: target tokens carry the loss; tokens read are the model's inputs "
                  "(the encoder's for T5, prompt and target for a decoder-only model).", "",
                  "| cell | model | seeds | " + " | ".join(DETAILS.values()) + " |",
                  "|" + "---|" * (3 + len(DETAILS))]
        for r in detailed:
            cols = [f"`{r['name']}`", r["model"], str(r["n_completed"])]
            cols += [_spread_txt(r["details"][k], k) for k in DETAILS]
            lines.append("| " + " | ".join(cols) + " |")
    lines += ["", "## Best cell per task", ""]
    best: dict[str, dict] = {}
    for r in rows:
        if r["mean"] is not None and (r["task"] not in best or r["mean"] > best[r["task"]]["mean"]):
            best[r["task"]] = r
    lines += [f"- {t}: `{r['name']}` ({r['data']}, {r['model']}) {r['metric']} = {_metric_cell(r)}"
              for t, r in best.items()] or ["No completed cell."]
    lines += ["", "## Baseline → AS-ES per task", "",
              "| task | data | model | γ | baseline | best AS-ES cell | AS-ES | Δ | verdict |", "|" + "---|" * 9]
    for base, top in versus_baseline(rows, baseline):
        r = base or top
        delta = top["mean"] - base["mean"] if base and top else None
        verdict = ("no completed baseline" if base is None else "no completed AS-ES cell" if top is None
                   else _verdict(delta, top["paired"]))
        cols = [r["task"], r["data"], r["model"], _txt(r["gamma"], "g"), _txt(base and base["mean"]),
                f"`{top['name']}`" if top else "—", _txt(top and top["mean"]),
                _txt(delta, "+.4f"), verdict]
        lines.append("| " + " | ".join(_txt(c) for c in cols) + " |")
    lines += ["", "## Paired comparison with the baseline", "",
              f"Each cell against the `{baseline}` baseline of its task, data, model and γ, run "
              "against run on the same seeds and test problems: Δ is the mean per-problem "
              "difference of the metric, with a 95% paired bootstrap interval over the problems "
              "(2,000 resamples).", ""]
    paired = [r for r in rows if r["paired"]]
    if paired:
        lines += ["| task | cell | seeds | problems | Δ | 95% interval | verdict |", "|" + "---|" * 7]
        for r in paired:
            pr = r["paired"]
            lines.append(f"| {r['task']} | `{r['name']}` | {pr['n_seeds']} | {pr['n_problems']} | "
                         f"{pr['diff']:+.4f} | [{pr['low']:+.4f}, {pr['high']:+.4f}] | {pr['verdict']} |")
    else:
        lines.append("None: no AS-ES cell has per-problem scores and a completed baseline on the "
                     "same seeds (per problem: MWP's test/acc and test/acc_flexible).")
    bad = [r for r in runs if r["status"] != "completed"]
    lines += ["", f"## Failed or incomplete runs ({len(bad)})", ""]
    lines += [f"- `{r['dir']}`: {r['status']}: {_short(r['error'], 300)}" for r in bad] or ["None."]
    lines += ["", "## Plots", ""]
    lines += [f"![{p}]({p})\n" for p in plots] or ["None (no completed cell)."]
    return "\n".join(lines) + "\n"


def _verdict(delta: float, paired: dict | None) -> str:
    """The best AS-ES cell against the baseline: by its paired interval where it has one,
    so that a higher mean over a few problems is not called a win."""
    if paired:  # the interval's reading is paired_difference's own
        return {"better than the baseline": "AS-ES beats the baseline",
                "worse than the baseline": "AS-ES is worse than the baseline"}.get(
                    paired["verdict"], paired["verdict"])
    return ("AS-ES mean is higher (no paired interval)" if delta > 0
            else "AS-ES does not beat the baseline")


def main(argv: Sequence[str] | None = None) -> int:
    """Finds the runs under the DIRs and writes report.md, report.json and the plots."""
    p = argparse.ArgumentParser(prog="ases-report", description=__doc__.splitlines()[0])
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                   help="run directories, or folders above them (e.g. a multirun folder)")
    p.add_argument("--out", type=Path, help="output folder (default: report/ in the first DIR)")
    p.add_argument("--metric", help="metric key for every task (default: mwp test/acc, "
                   "pet test/rougeL, else test/acc or the first test/* key)")
    p.add_argument("--baseline", help="the path of the cell every other cell "
                   "is compared with (default: seq2seq; e.g. seq2seq-steps645, a baseline "
                   "trained for fewer steps)")
    args = p.parse_args(argv)
    if missing := [str(d) for d in args.dirs if not d.is_dir()]:
        raise SystemExit(f"ases-report: error: not a directory: {', '.join(missing)}")
    runs = [read_status(d) for d in find_runs(args.dirs)]
    if not runs:
        raise SystemExit(f"ases-report: error: no {RUN_FILE} found under "
                         f"{', '.join(str(d) for d in args.dirs)}")
    if args.baseline is not None and args.baseline not in {r["cell"]["path"] for r in runs}:
        paths = ", ".join(sorted({r["cell"]["path"] for r in runs}))
        raise SystemExit(f"ases-report: error: no cell has path {args.baseline!r} (--baseline); "
                         f"the runs have: {paths}")
    baseline = args.baseline or BASELINE
    rows = summarize(runs, args.metric, baseline)
    out = args.out or args.dirs[0] / "report"
    plots = write_plots(rows, out, baseline)
    write_text_atomic(out / "report.md", render_markdown(rows, runs, plots, baseline))
    write_json_atomic(out / "report.json", rows)
    print(f"{len(runs)} runs, {len(rows)} cells, {len(plots)} plots")
    print(out / "report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
