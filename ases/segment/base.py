"""What every segmenter shares: the contract, β-tagging and merging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ases.text.context import AS, ES


@runtime_checkable
class Segmenter(Protocol):
    """Scores pieces; a higher score means more abstractive (new reasoning)."""

    needs_scorer: bool
    """Whether the strategy needs a trained scorer model (entropy, loss)."""

    def score(self, questions: Sequence[str], pieces: Sequence[Sequence[str]]) -> list[list[float]]:
        """One score per piece, per example; same shapes as ``pieces``."""
        ...


@dataclass(frozen=True)
class Segment:
    """A run of adjacent pieces with one tag."""

    tag: str
    text: str


@dataclass(frozen=True)
class SegmentedCoT:
    """One CoT with everything the segmentation decided about it."""

    qid: str
    question: str
    pieces: list[str]
    scores: list[float]
    threshold: float
    tags: list[str]
    segments: list[Segment] = field(default_factory=list)

    def to_json(self) -> dict:
        """The ``segments.jsonl`` record."""
        return {
            "qid": self.qid,
            "question": self.question,
            "pieces": self.pieces,
            "scores": self.scores,
            "threshold": self.threshold,
            "tags": self.tags,
            "segments": [{"tag": s.tag, "text": s.text} for s in self.segments],
        }


def check_beta(beta: float) -> float:
    """β must be a positive number; returns it."""
    if not beta > 0:
        raise ValueError(f"seg.beta must be > 0 (AS if score > beta * mean score); got {beta}")
    return float(beta)


def tag(scores: Sequence[float], beta: float) -> tuple[list[str], float]:
    """Tags each piece: AS if its score is above β times the example's mean score.

    Args:
        scores: the pieces' scores for one example.
        beta: the segmentation ratio (> 0).

    Returns:
        The tags and the threshold β · mean(scores) (0.0 for an empty example).
    """
    check_beta(beta)
    if not scores:
        return [], 0.0
    threshold = beta * sum(scores) / len(scores)
    return [AS if s > threshold else ES for s in scores], threshold


def merge(pieces: Sequence[str], tags: Sequence[str], enabled: bool = True) -> list[Segment]:
    """Merges adjacent pieces with the same tag into one segment.

    Args:
        pieces: the pieces of one CoT.
        tags: one tag per piece.
        enabled: when false every piece is its own segment (the authors' code).

    Returns:
        The segments in order, e.g. ES AS ES AS.
    """
    if len(pieces) != len(tags):
        raise ValueError(f"{len(pieces)} pieces but {len(tags)} tags")
    segments: list[Segment] = []
    for piece, t in zip(pieces, tags, strict=True):
        if enabled and segments and segments[-1].tag == t:
            segments[-1] = Segment(t, f"{segments[-1].text} {piece}")
        else:
            segments.append(Segment(t, piece))
    return segments


def segment_all(
    qids: Sequence[str],
    questions: Sequence[str],
    pieces: Sequence[Sequence[str]],
    scores: Sequence[Sequence[float]],
    beta: float,
    merge_segments: bool = True,
) -> list[SegmentedCoT]:
    """Tags and merges every example, given the segmenter's scores."""
    out = []
    for qid, q, ps, ss in zip(qids, questions, pieces, scores, strict=True):
        if len(ps) != len(ss):
            raise ValueError(f"example {qid}: {len(ps)} pieces but {len(ss)} scores")
        tags, threshold = tag(ss, beta)
        out.append(
            SegmentedCoT(qid, q, list(ps), [float(s) for s in ss], threshold, tags,
                         merge(ps, tags, merge_segments))
        )
    return out


def summarize(segmented: Sequence[SegmentedCoT]) -> dict[str, float]:
    """Pieces and segments per CoT and the AS fraction (of pieces and of segments)."""
    n = max(len(segmented), 1)
    n_pieces = sum(len(s.pieces) for s in segmented)
    n_segments = sum(len(s.segments) for s in segmented)
    as_pieces = sum(t == AS for s in segmented for t in s.tags)
    as_segments = sum(seg.tag == AS for s in segmented for seg in s.segments)
    return {
        "data/pieces_mean": n_pieces / n,
        "seg/segments_mean": n_segments / n,
        "seg/as_fraction": as_pieces / max(n_pieces, 1),
        "seg/as_segment_fraction": as_segments / max(n_segments, 1),
    }


def agreement(segmented: Sequence[SegmentedCoT],
              labels: Sequence[Sequence[str] | None]) -> dict[str, float]:
    """How often the segmenter's piece tags equal the pieces' known types (the task's
    ``piece_labels``; None where unknown): ``seg/agreement`` over the labelled pieces, and
    ``seg/label_as_fraction``, the AS share by the labels. Empty when nothing is labelled.
    A segmenter that tagged every piece AS would agree ``seg/label_as_fraction`` of the
    time, and one that tagged every piece ES ``1 - seg/label_as_fraction``: compare with
    both."""
    agree = labelled = label_as = 0
    for seg, known in zip(segmented, labels, strict=True):
        if known is None:
            continue
        if len(known) != len(seg.tags):
            raise ValueError(f"example {seg.qid}: {len(seg.tags)} tags but {len(known)} labels")
        agree += sum(t == k for t, k in zip(seg.tags, known, strict=True))
        labelled += len(known)
        label_as += sum(k == AS for k in known)
    if not labelled:
        return {}
    return {"seg/agreement": agree / labelled, "seg/label_as_fraction": label_as / labelled}
