"""Side-by-side timing: alternate the two sides, take medians, report the ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Comparison:
    """One row of ``bench/out/results.json``."""

    name: str
    ases: float
    """ases' throughput (median over repeats), or a measured time where there is no baseline."""
    baseline: float | None
    """The baseline's throughput (median over repeats); None where there is no baseline."""
    unit: str
    ratio: float | None
    """ases / baseline: above 1 means ases is faster."""
    target: float
    """The ratio to reach, or (no baseline) the most ``ases`` may be."""
    met: bool
    higher_is_better: bool = True
    repeats: int = 1
    extra: dict = field(default_factory=dict)
    """Anything else measured (seconds per side, peak memory, ...)."""
    note: str = ""

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
    return Comparison(name, a, b, unit, a / b, target, a / b >= target, repeats=repeats,
                      extra={"ases_s": [round(t, 3) for t in ases_s],
                             "baseline_s": [round(t, 3) for t in base_s]})
