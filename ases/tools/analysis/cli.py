"""``ases-analysis RUN_DIR [RUN_DIR ...] [--out DIR] [--max-examples N] [--reference RUN_DIR|labels]``

Writes ``analysis.md``, ``nll_by_type.png``, ``loss_curves.png`` and ``analysis.json`` into
``--out`` (default: ``analysis/`` beside the first run dir, i.e. in its multirun folder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from ases.config import cell_of
from ases.load import RunLoadError
from ases.runs.cells import cell_name
from ases.runs.files import write_bytes_atomic, write_json_atomic, write_text_atomic
from ases.tools.analysis.nll import gold_nll
from ases.tools.analysis.report import (
    best_val_loss,
    by_cell,
    loss_curves,
    plot_curves,
    plot_nll,
    render_markdown,
)
from ases.tools.analysis.runs import (
    AnalysisError,
    check_compatible,
    label_segmentation,
    load_config,
    load_run,
    reference_segmentation,
)

LABELS = "labels"
"""``--reference labels``: segment the gold CoTs by the data's own ES/AS labels."""


def main(argv: Sequence[str] | None = None) -> int:
    """Scores the runs on the gold test CoTs and writes the table, the plots and the JSON.

    Returns:
        0, or 2 (one line on stderr) for a missing run dir, a run without config or
        checkpoints, runs of different task or data, or no run to take the segmentation from.
    """
    p = argparse.ArgumentParser(prog="ases-analysis",
                                description="NLL of the gold test CoTs on ES and AS tokens, per run")
    p.add_argument("run_dirs", nargs="+", type=Path, help="finished runs of one task and data")
    p.add_argument("--out", type=Path, help="output folder (default: analysis/ beside the first run)")
    p.add_argument("--max-examples", type=int, help="score only the first N test examples (default all)")
    p.add_argument("--reference", type=Path, help="the uni/dual run whose seg config segments the "
                   "gold CoTs (default: the first given run that uses segments), or 'labels': "
                   "the data's own ES/AS sentence labels (synthetic data)")
    p.add_argument("--batch-size", type=int, default=32, help="sequences per forward pass (default 32)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                   help="where the models run (default: cuda when available)")
    args = p.parse_args(argv)
    if args.max_examples is not None and args.max_examples < 1:
        p.error(f"--max-examples must be >= 1; got {args.max_examples}")
    by_labels = args.reference is not None and str(args.reference) == LABELS
    try:
        extra = [args.reference] if args.reference and not by_labels else []
        dirs = list(dict.fromkeys([*args.run_dirs, *extra]))
        cfgs = {d: load_config(d) for d in dirs}
        check_compatible(cfgs)  # before loading any weights: a tokenizer of other data won't fit
        ref_dir = (args.run_dirs[0] if by_labels else args.reference
                   or next((d for d in dirs if cfgs[d].path.uses_segments), None))
        if ref_dir is None or not (by_labels or cfgs[ref_dir].path.uses_segments):
            raise AnalysisError("no reference segmentation: give at least one uni or dual run, "
                                "--reference RUN_DIR of one (seq2seq runs use no segments), or "
                                "--reference labels")
        runs = {d: load_run(d, args.device) for d in dirs}
        ref = runs[ref_dir]
        examples = ref.splits.test[: args.max_examples]
        segmented = (label_segmentation(ref, examples) if by_labels
                     else reference_segmentation(ref, examples))
    except RunLoadError as err:
        print(f"ases-analysis: error: {err}", file=sys.stderr)
        return 2
    results = []
    for d in args.run_dirs:
        run, curves, cell = runs[d], loss_curves(d), cell_of(cfgs[d])
        results.append({
            "name": d.name, "run_dir": str(d), "path": run.path + (" (tagged)" if run.tagged else ""),
            "cell": cell_name(cell, with_seed=False), "cell_path": cell["path"], "seed": cell["seed"],
            "seg": str(run.cfg.seg.name) if run.uses_segments else "–",
            "uses_segments": run.uses_segments,
            **gold_nll(run, segmented, examples, args.batch_size),
            "val_loss_best": best_val_loss(d, curves), "curves": curves,
        })
    reference = {"run": None if by_labels else str(ref_dir),
                 "seg": LABELS if by_labels else str(ref.cfg.seg.name),
                 "beta": None if by_labels else float(ref.cfg.seg.beta),
                 "merge": True if by_labels else bool(ref.cfg.seg.merge), "n_examples": len(examples),
                 "segments": [s.to_json() for s in segmented]}
    out = args.out or args.run_dirs[0].resolve().parent / "analysis"
    table = render_markdown(results, reference)
    write_text_atomic(out / "analysis.md", table)
    write_bytes_atomic(out / "nll_by_type.png", plot_nll(results))
    write_bytes_atomic(out / "loss_curves.png", plot_curves(results))
    write_json_atomic(out / "analysis.json", {"reference": reference, "runs": results,
                                              "cells": by_cell(results)})
    print(table)
    print(f"wrote analysis.md, nll_by_type.png, loss_curves.png, analysis.json to {out}")
    return 0
