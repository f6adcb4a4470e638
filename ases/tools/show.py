"""Look at a run's segmentation: which pieces became AS and which ES, and why.

    ases-show outputs/<run> --n 8 --seed 0

Prints a sample of training CoTs with AS/ES marked, and writes ``segmentation.html``,
``score_histogram.png`` and ``segmentation_summary.json`` next to the run (or into ``--out``).
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from ases.runs.files import read_jsonl, write_bytes_atomic, write_json_atomic, write_text_atomic
from ases.segment.base import AS, ES
from ases.tools.figures import figure, to_png

# AS: bold black on yellow, so new reasoning stands out; ES: dim cyan, it is copied context.
_ANSI = {AS: "\x1b[1;30;43m", ES: "\x1b[2;36m"}
_RESET = "\x1b[0m"
_COLORS = {AS: "#f4c542", ES: "#9fd8e6"}  # HTML and histogram share the two colours
_KEYS = ("qid", "question", "pieces", "scores", "threshold", "tags", "segments")


class ShowError(Exception):
    """A problem with the run directory, reported as one line and exit status 2."""


def _mean(total: float, n: int) -> float | None:
    return total / n if n else None


def summarize_segments(records: Sequence[dict]) -> dict:
    """Summarizes how a segmentation split its CoTs.

    Args:
        records: ``segments.jsonl`` records.

    Returns:
        ``n_cots``, ``as_fraction`` (of pieces), ``as_segment_fraction``, ``segments_per_cot``,
        ``pieces_per_cot``, ``as_chars_mean`` / ``es_chars_mean`` (characters per AS / ES
        segment), ``as_first_fraction`` (of CoTs with at least one segment), and where the
        records carry the pieces' known types (``labels``): ``agreement`` (pieces tagged as
        labelled) and ``label_as_fraction``. A mean over nothing is ``None``.
    """
    tags = [t for r in records for t in r["tags"]]
    segs = [s for r in records for s in r["segments"]]
    firsts = [r["segments"][0]["tag"] for r in records if r["segments"]]
    as_chars = [len(s["text"]) for s in segs if s["tag"] == AS]
    es_chars = [len(s["text"]) for s in segs if s["tag"] == ES]
    return {
        "n_cots": len(records),
        "as_fraction": _mean(tags.count(AS), len(tags)),
        "as_segment_fraction": _mean(len(as_chars), len(segs)),
        "segments_per_cot": _mean(len(segs), len(records)),
        "pieces_per_cot": _mean(len(tags), len(records)),
        "as_chars_mean": _mean(sum(as_chars), len(as_chars)),
        "es_chars_mean": _mean(sum(es_chars), len(es_chars)),
        "as_first_fraction": _mean(firsts.count(AS), len(firsts)),
        **_agreement(records),
    }


def _labels(r: dict) -> list:
    """A record's known piece types, or a None per piece where it has none."""
    labels = r.get("labels")
    return labels if isinstance(labels, list) and len(labels) == len(r["tags"]) else [None] * len(r["tags"])


def _agreement(records: Sequence[dict]) -> dict:
    pairs = [(t, k) for r in records for t, k in zip(r["tags"], _labels(r), strict=True) if k is not None]
    if not pairs:
        return {}
    return {"agreement": _mean(sum(t == k for t, k in pairs), len(pairs)),
            "label_as_fraction": _mean(sum(k == AS for _, k in pairs), len(pairs))}


def render_terminal(records: Sequence[dict], color: bool) -> str:
    """The CoTs as text: the question, the threshold, then one line per piece.

    Args:
        records: the CoTs to show.
        color: ANSI colours if true; otherwise ``[AS: ...]`` / ``[ES: ...]`` markers for logs.

    Returns:
        The text, ending in a newline.
    """
    lines = []
    for i, r in enumerate(records, 1):
        lines += [
            f"== [{i}/{len(records)}] qid={r['qid']}  threshold={r['threshold']:.4g}",
            f"Q: {r['question']}",
        ]
        for piece, score, t, k in zip(r["pieces"], r["scores"], r["tags"], _labels(r), strict=True):
            text = f"{_ANSI[t]}{piece}{_RESET}" if color else f"[{t}: {piece}]"
            known = "" if k is None or k == t else f"  (labelled {k})"
            lines.append(f"  {t} {score:>8.4g}  {text}{known}")
        lines.append("")
    return "\n".join(lines)


def render_html(records: Sequence[dict]) -> str:
    """A self-contained HTML page: each CoT's pieces highlighted AS / ES, score on hover.

    Args:
        records: the CoTs to show.

    Returns:
        The page; every piece of text from the records is escaped.
    """
    e = html.escape
    parts = []
    for r in records:
        spans = "".join(
            f'<span class="{t.lower()}{" off" if k not in (None, t) else ""}" title="{t} score '
            f'{s:.4g} (threshold {r["threshold"]:.4g}){"" if k is None else f", labelled {k}"}">'
            f"{e(p)}</span> "
            for p, s, t, k in zip(r["pieces"], r["scores"], r["tags"], _labels(r), strict=True)
        )
        parts.append(
            f'<div class="cot"><div class="meta">qid {e(str(r["qid"]))} &middot; threshold '
            f'{r["threshold"]:.4g}</div><div class="q">{e(r["question"])}</div>'
            f'<div class="pieces">{spans}</div></div>'
        )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>AS-ES segmentation</title><style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; line-height: 1.6; }}
.as {{ background: {_COLORS[AS]}; font-weight: bold; }}
.es {{ background: {_COLORS[ES]}; }}
.off {{ text-decoration: underline wavy #c0392b; }}
.cot {{ border-top: 1px solid #ccc; padding: 0.8em 0; }}
.meta {{ color: #666; font-size: 0.85em; }} .q {{ font-style: italic; margin: 0.3em 0; }}
</style></head><body>
<h1>AS-ES segmentation</h1>
<p class="legend">Legend: <span class="as">AS (abstractive: new reasoning)</span>
<span class="es">ES (extractive: restates context)</span>. A piece is AS when its score is
above its CoT's threshold; hover a piece for its score. Where the data say what a piece
is (MWP: the generator's labels, or GSM8K's heuristic), a <span class="off">wavy underline</span>
marks a piece tagged otherwise.</p>
{chr(10).join(parts)}
</body></html>
"""


def plot_histogram(records: Sequence[dict], path: str | os.PathLike) -> int:
    """Writes a stacked histogram of score / threshold for AS and ES pieces (a PNG).

    Pieces whose CoT has a threshold <= 0 (or whose ratio is not finite, e.g. a NaN score)
    are left out: the ratio means nothing there.

    Args:
        records: the CoTs whose pieces to plot.
        path: where the PNG goes (written atomically).

    Returns:
        How many pieces were left out.
    """
    ratios: dict[str, list[float]] = {AS: [], ES: []}
    skipped = 0
    for r in records:
        for s, t in zip(r["scores"], r["tags"], strict=True):
            ratio = s / r["threshold"] if r["threshold"] > 0 else math.nan
            if math.isfinite(ratio):
                ratios[t].append(ratio)
            else:
                skipped += 1
    fig = figure(7, 4)
    ax = fig.add_subplot()
    if ratios[AS] or ratios[ES]:
        ax.hist(
            [ratios[ES], ratios[AS]],
            bins=40,
            stacked=True,
            label=["ES", "AS"],
            color=[_COLORS[ES], _COLORS[AS]],
            edgecolor="#555",
            linewidth=0.3,
        )
        ax.legend()
    ax.axvline(1.0, color="k", linestyle="--", linewidth=1)
    ax.set_xlabel("piece score / CoT threshold (AS above 1.0)")
    ax.set_ylabel("pieces")
    note = f"; {skipped} skipped (threshold <= 0)" if skipped else ""
    ax.set_title(f"{len(ratios[AS]) + len(ratios[ES])} pieces plotted{note}", fontsize=10)
    write_bytes_atomic(path, to_png(fig))
    return skipped


def _check(r: object) -> str | None:
    """What is wrong with one record, or None."""
    if not isinstance(r, dict):
        return "not a JSON object"
    if missing := [k for k in _KEYS if k not in r]:
        return f"missing {', '.join(missing)}"
    if not (len(r["pieces"]) == len(r["scores"]) == len(r["tags"])):
        return "pieces, scores and tags differ in length"
    if not set(r["tags"]) <= {AS, ES} or any(s.get("tag") not in (AS, ES) for s in r["segments"]):
        return "a tag is neither AS nor ES"
    if not all(isinstance(x, int | float) for x in [*r["scores"], r["threshold"]]):
        return "a score or the threshold is not a number"
    if not all(isinstance(x, str) for x in [*r["pieces"], *(s["text"] for s in r["segments"])]):
        return "a piece or segment text is not a string"
    return None


def load_segments(run_dir: str | os.PathLike) -> list[dict]:
    """Reads and checks a run's ``segments.jsonl``; raises ShowError saying what is wrong."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ShowError(f"run dir {run_dir} does not exist (or is not a directory)")
    path = run_dir / "segments.jsonl"
    if not path.is_file():
        raise ShowError(
            f"{path} not found: seq2seq runs write none; run an AS-ES path "
            "(e.g. path=uni) to get a segmentation"
        )
    try:
        records = read_jsonl(path)
    except UnicodeDecodeError as err:
        raise ShowError(f"{path}: not UTF-8 text ({err.reason})") from None
    except json.JSONDecodeError:
        records = None
    # read_jsonl skips blank lines; number the lines as it reads them, to name a bad one.
    with open(path, encoding="utf-8") as f:
        lines = [(n, line) for n, line in enumerate(f, 1) if line.strip()]
    if records is None:
        for n, line in lines:
            try:
                json.loads(line)
            except json.JSONDecodeError as bad:
                raise ShowError(f"{path}:{n}: malformed JSON ({bad.msg})") from None
    if not records:
        raise ShowError(f"{path} is empty: no CoTs to show")
    for (n, _), r in zip(lines, records, strict=True):
        try:
            problem = _check(r)
        except (TypeError, AttributeError, KeyError) as err:
            problem = f"wrong field type ({err})"
        if problem:
            raise ShowError(f"{path}:{n}: malformed record: {problem}")
    return records


def main(argv: Sequence[str] | None = None) -> int:
    """Shows a sample of a run's segmentation and writes the HTML, histogram and summary."""
    p = argparse.ArgumentParser(prog="ases-show", description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=Path, help="a run directory holding segments.jsonl")
    p.add_argument("--n", type=int, default=8, help="how many CoTs to show (default 8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    p.add_argument("--out", type=Path, help="where to write the files (default: the run dir)")
    p.add_argument("--no-color", action="store_true", help="plain [AS: ...] markers")
    args = p.parse_args(argv)
    if args.n < 1:
        p.error(f"--n must be >= 1; got {args.n}")
    try:
        records = load_segments(args.run_dir)
    except ShowError as err:
        print(f"ases.tools.show: error: {err}", file=sys.stderr)
        return 2
    # Sample by index and keep file order, so the same seed shows the same CoTs in the same order.
    picks = sorted(random.Random(args.seed).sample(range(len(records)), min(args.n, len(records))))
    sample = [records[i] for i in picks]
    color = sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ
    print(f"showing {len(sample)} of {len(records)} CoTs (seed {args.seed})\n")
    print(render_terminal(sample, color))
    out = args.out or args.run_dir
    write_text_atomic(out / "segmentation.html", render_html(sample))
    skipped = plot_histogram(records, out / "score_histogram.png")
    summary = summarize_segments(records)
    write_json_atomic(out / "segmentation_summary.json", summary)
    print(json.dumps(summary, indent=2))
    if skipped:
        print(f"histogram: skipped {skipped} pieces (CoT threshold <= 0 or score not finite)")
    print(f"wrote segmentation.html, score_histogram.png, segmentation_summary.json to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
