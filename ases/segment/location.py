"""Location segmentation: a piece's score comes from its position alone (no scorer)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RULES = ("linear", "alternate", "last_k")


@dataclass
class LocationSegmenter:
    """Scores pieces by where they stand in the CoT.

    Rules (with the shared test "AS if score > β · the example's mean score"):

    - ``linear``: score = (i + 1) / n for piece i of n. With β = 1 the later half of a
      CoT is AS; a larger β moves the cut later (AS if i + 1 > β (n + 1) / 2).
    - ``alternate``: score 1 on the 2nd, 4th, … piece and 0 elsewhere, so ES and AS
      alternate for any β < 2.
    - ``last_k``: score 1 on the last ``k`` pieces and 0 elsewhere; they are AS while
      n > β k (a CoT of k pieces or fewer is all ES for β ≥ 1).
    """

    rule: str = "linear"
    """One of ``linear``, ``alternate``, ``last_k``."""
    k: int = 1
    """How many final pieces ``last_k`` marks."""

    needs_scorer = False

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"seg.rule={self.rule!r} is unknown; choose one of {RULES}")
        if self.k < 1:
            raise ValueError(f"seg.k must be >= 1, got {self.k}")

    def score(self, questions: Sequence[str], pieces: Sequence[Sequence[str]]) -> list[list[float]]:
        """Position scores for every piece of every example (the questions are unused)."""
        return [self._score_one(len(ps)) for ps in pieces]

    def _score_one(self, n: int) -> list[float]:
        if self.rule == "linear":
            return [(i + 1) / n for i in range(n)]
        if self.rule == "alternate":
            return [float(i % 2) for i in range(n)]
        return [1.0 if i >= n - self.k else 0.0 for i in range(n)]
