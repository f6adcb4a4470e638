"""Similarity segmentation: a piece that repeats the question is ES, new content is AS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU

from ases.text.words import WordTokenizer, words

METRICS = ("rougeL", "bleu")

@dataclass
class SimilaritySegmenter:
    """Scores a piece by how little it overlaps the question: score = 1 − similarity.

    Both metrics measure the overlap from the *piece's* side, i.e. what share of the
    piece can be found in the question:

    - ``rougeL``: ROUGE-L **precision** with the piece as prediction and the question as
      reference = |LCS(piece, question)| / |piece|. Not F1: a short piece copied word
      for word from a long question has a low recall (it covers little of the
      question), so its F1 is low and its score high, and it would come out AS although
      it adds nothing. Precision gives it similarity 1, score 0, ES.
    - ``bleu``: sacrebleu sentence BLEU of the piece (hypothesis) against the question
      (reference), exp-smoothed, with effective order (a short piece is not zeroed for
      lacking 4-grams), scaled to [0, 1], **without the brevity penalty** — the
      penalty punishes a hypothesis shorter than its reference, i.e. every copied
      piece, for the same reason F1 would. What remains is the geometric mean of the
      piece's n-gram precisions against the question.

    Both work on :func:`words` tokens (for BLEU joined with spaces and
    ``tokenize="none"``), so numbers stay whole and Chinese is compared per character.
    A piece with no tokens at all (only punctuation) scores 0: it adds nothing new.
    """

    metric: str = "rougeL"
    """One of ``rougeL``, ``bleu``."""
    lowercase: bool = True
    """Compare case-insensitively ("She" in a piece matches "she" in the question)."""

    needs_scorer = False

    _rouge: Any = field(init=False, repr=False, compare=False)
    _bleu: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"seg.metric={self.metric!r} is unknown; choose one of {METRICS}")
        # Built once, not per piece (the full GSM8K train split, 41k pieces, takes ~8 s).
        self._rouge = rouge_scorer.RougeScorer(["rougeL"], tokenizer=WordTokenizer(self.lowercase))
        self._bleu = BLEU(tokenize="none", smooth_method="exp", effective_order=True)

    def score(self, questions: Sequence[str], pieces: Sequence[Sequence[str]]) -> list[list[float]]:
        """1 − similarity(piece, its question) for every piece of every example."""
        if len(questions) != len(pieces):
            raise ValueError(f"{len(questions)} questions but {len(pieces)} piece lists")
        return [
            [1.0 - self.similarity(p, q) for p in ps]
            for q, ps in zip(questions, pieces, strict=True)
        ]

    def similarity(self, piece: str, question: str) -> float:
        """The share of ``piece`` found in ``question``, in [0, 1] (see the class doc)."""
        piece_words = words(piece, self.lowercase)
        if not piece_words:
            return 1.0
        if self.metric == "rougeL":
            return self._rouge.score(question, piece)["rougeL"].precision
        bleu = self._bleu.sentence_score(
            " ".join(piece_words), [" ".join(words(question, self.lowercase))]
        )
        return min(1.0, bleu.score / 100.0 / bleu.bp) if bleu.bp > 0 else 0.0
