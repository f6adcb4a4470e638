"""Side-by-side timing: alternate the two sides, take medians, report the ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Comparison:
    """One row of ``bench/out/results.json``."""

    name: str
    ases: float
    """ases' throughput (median over repeats)."""
    baseline: float
    """The baseline's throughput (median over repeats)."""
    unit: str
    ratio: float
    """ases / baseline: above 1 means ases is faster."""
    target: float
    met: bool

    def as_dict(self) -> dict:
        return asdict(self)


def compare(name: str, ases: Callable[[], object], baseline: Callable[[], object], work: float,
            unit: str, target: float, repeats: int = 3) -> Comparison:
    """Runs ``ases`` and ``baseline`` alternately ``repeats`` times each, so machine drift
    hits both, and compares their median throughput (``work`` units per second)."""
    ases_s, base_s = [], []
    for _ in range(repeats):
        for fn, times in ((ases, ases_s), (baseline, base_s)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    a, b = work / statistics.median(ases_s), work / statistics.median(base_s)
    return Comparison(name, a, b, unit, a / b, target, a / b >= target)
