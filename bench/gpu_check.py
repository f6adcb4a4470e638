"""``make gpu-check``: does a full grid cell train, decode and report on this GPU?

Runs, as one multirun through ``python -m ases.run`` with ``trainer=gpu``, the seq2seq
baseline, the uni path and the dual path (entropy segmentation) on the synthetic MWP data
with ``model=tiny`` (from scratch, offline: no hub), then ``ases-report`` on the sweep, and
checks what a user would look at: every cell completed with its metrics, predictions and
checkpoints on the GPU, the report's paired comparison with the baseline and its plots.
Prints each cell's wall time and metrics and writes ``bench/out/gpu_check.json``. Exits at
once, with a message, where no CUDA GPU exists; meant to take well under 8 minutes on one
GPU.

``--dry-run`` runs the same checks on the CPU at ``debug=fast`` size (a test runs it, so a
session with a GPU does not find a broken script).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.gpu import no_gpu

PATHS = ("seq2seq", "uni", "dual")


def _fail(message: str) -> int:
    print(f"gpu-check: FAILED: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/out/gpu_check.json"))
    parser.add_argument("--sweep", type=Path, default=Path("outputs/multiruns/gpu_check"),
                        help="the multirun folder (emptied first)")
    parser.add_argument("--dry-run", action="store_true",
                        help="the same checks on the CPU at debug=fast size")
    args = parser.parse_args(argv)

    import torch

    if not args.dry_run and not torch.cuda.is_available():
        return no_gpu("gpu-check")
    if args.sweep.exists() and any(args.sweep.iterdir()):
        return _fail(f"{args.sweep} is not empty: give another --sweep, or remove it")
    size = (["trainer=cpu", "debug=fast", "data.limit.test=16"] if args.dry_run
            else ["trainer=gpu", "trainer.max_epochs=4"])
    command = [sys.executable, "-m", "ases.run", "-m", "task=mwp", "data=synthetic", "model=tiny",
               "seg=entropy", f"path={','.join(PATHS)}", *size, f"hydra.sweep.dir={args.sweep}"]
    print("gpu-check:", " ".join(command[1:]))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    grid_s = time.perf_counter() - start
    if done.returncode:
        return _fail(f"the grid exited with {done.returncode}:\n{done.stderr[-3000:]}")

    from ases.runs.status import find_runs, read_status
    from ases.tools.report import main as report

    runs = [read_status(d) for d in find_runs([args.sweep])]
    cells = {}
    for run in runs:
        folder = Path(run["dir"])
        if run["status"] != "completed":
            return _fail(f"{folder}: {run['status']}: {run['error']}")
        config = json.loads((folder / "config.json").read_text())
        accelerator = config["trainer"]["accelerator"]
        if accelerator != ("cpu" if args.dry_run else "gpu"):
            return _fail(f"{folder} trained on {accelerator}")
        missing = [f for f in ("metrics.json", "predictions.jsonl", "checkpoints/best.ckpt")
                   if not (folder / f).is_file()]
        if missing:
            return _fail(f"{folder} lacks {', '.join(missing)}")
        metrics = run["metrics"]
        cells[run["cell"]["path"]] = {
            "dir": str(folder), "fit_s": metrics.get("time/fit_s"), "test_s": metrics.get("time/test_s"),
            **{k: metrics.get(k) for k in ("test/acc", "test/acc_flexible", "test/bleu",
                                           "test/rounds_mean", "val/loss_best", "seg/agreement")}}
    if sorted(cells) != sorted(PATHS):
        return _fail(f"cells {sorted(cells)}, expected {sorted(PATHS)}")
    if report([str(args.sweep)]) != 0:
        return _fail("ases-report failed")
    rows = json.loads((args.sweep / "report" / "report.json").read_text())
    paired = sorted(r["path"] for r in rows if r["paired"])
    if paired != ["dual", "uni"]:
        return _fail(f"the report pairs {paired} with the baseline, expected dual and uni")
    plots = sorted(p.name for p in (args.sweep / "report").glob("*.png"))
    if not {"cells_mwp.png", "paired_mwp.png"} <= set(plots):
        return _fail(f"the report's plots are {plots}")
    result = {"dry_run": args.dry_run, "grid_s": round(grid_s, 1), "cells": cells, "plots": plots,
              "device": (torch.cuda.get_device_name(0) if torch.cuda.is_available() and not args.dry_run
                         else "cpu"),
              "paired": {r["path"]: r["paired"] for r in rows if r["paired"]}}
    from ases.runs.files import write_json_atomic

    write_json_atomic(args.out, result)
    for path, cell in cells.items():
        print(f"  {path:<8} fit {cell['fit_s']:.0f} s, test {cell['test_s']:.0f} s, "
              f"acc {cell['test/acc']:.3f}, val loss {cell['val/loss_best']:.4f}")
    print(f"gpu-check: OK in {grid_s:.0f} s on {result['device']}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
