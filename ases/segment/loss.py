"""Loss segmentation: pieces the scorer predicts badly are new reasoning (AS)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ases.segment.scorer import PieceScorer, check_reduce, reduce_tokens


@dataclass
class LossSegmenter:
    """Scores a piece by its negative log-likelihood under the scorer.

    -log p(gold token | question, earlier gold tokens), teacher-forced, reduced over the
    piece's tokens by ``reduce`` (``mean``, or ``sum``: the piece's total NLL).
    """

    reduce: str = "mean"
    """How a piece's token losses become one score: ``mean`` or ``sum``."""
    needs_scorer = True
    _scorer: PieceScorer | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_reduce(self.reduce)

    def connect(self, scorer: PieceScorer) -> None:
        """Binds the scorer (built by the pipeline) before :meth:`score` is called."""
        self._scorer = scorer

    def score(self, questions: Sequence[str], pieces: Sequence[Sequence[str]]) -> list[list[float]]:
        """Reduced token NLL of every piece of every example."""
        if self._scorer is None:
            raise RuntimeError("LossSegmenter needs a scorer: call connect(scorer) first")
        return [[reduce_tokens(s.nll, self.reduce) for s in ex]
                for ex in self._scorer.stats(questions, pieces)]
