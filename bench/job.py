"""``default_job``: wall time and peak memory of ``make run``'s job (``python -m ases.run``
with no overrides) as a new user meets it: a fresh process and an empty cache, so the
tokenizer and the entropy scorer are built too. There is no baseline; the target is the
budget of 5 minutes on this 2-core machine.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.timing import Comparison

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 300.0
JOB_DIR = ROOT / "bench" / "out" / "default_job"
"""The job's run folder (``run/``) and its cache (``cache/``): the decoding and training
benchmarks then run on the model this job trained."""


def run() -> Comparison:
    shutil.rmtree(JOB_DIR, ignore_errors=True)  # an empty cache, as on a new machine
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASES_CACHE_DIR": str(JOB_DIR / "cache")}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ases.run", f"hydra.run.dir={JOB_DIR / 'run'}"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"the default job failed:\n{done.stderr[-3000:]}")
    # the largest resident set of any child so far: this job is by far the largest
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    metrics = json.loads((JOB_DIR / "run" / "metrics.json").read_text())
    print(f"default_job: {wall:.0f} s wall (fit {metrics['time/fit_s']:.0f} s, test "
          f"{metrics['time/test_s']:.0f} s), peak RSS {peak_mb:.0f} MB")
    return Comparison("default_job", wall, None, "s", None, BUDGET_S, wall <= BUDGET_S,
                      higher_is_better=False,
                      extra={"peak_mem_mb": round(peak_mb), "fit_s": round(metrics["time/fit_s"], 1),
                             "test_s": round(metrics["time/test_s"], 1)},
                      note="empty cache; no baseline, the target is a time budget")
