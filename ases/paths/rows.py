"""Training rows: what the model reads (source) and writes (target)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ases.segment.base import SegmentedCoT
from ases.text.context import add_tag, context, join_segments

KINDS = ("COT", "ES", "AS", "STOP")


@dataclass(frozen=True)
class Row:
    """One seq2seq training pair."""

    qid: str
    source: str
    target: str
    kind: str
    """COT (whole chain, the baseline), ES or AS (one segment), STOP (end of chain)."""


class Pieced(Protocol):
    """A CoT cut into pieces (a :class:`SegmentedCoT` is one)."""

    qid: str
    question: str
    pieces: list[str]


def whole_rows(cots: Sequence[Pieced]) -> list[Row]:
    """The baseline's rows: question → whole CoT (the pieces joined)."""
    return [Row(c.qid, context(c.question, []), join_segments(c.pieces), "COT") for c in cots]


def segment_rows(segmented: Sequence[SegmentedCoT], tagged: bool = False) -> list[Row]:
    """Uni-path rows: ``context(question, segments[:k]) → segments[k]`` for every k, then a
    stop row whose target is empty, which teaches the model to end the chain.

    Args:
        segmented: the segmented train (or validation) CoTs.
        tagged: prefix every target with its type (``[ES] …`` / ``[AS] …``), so the one
            model says what kind of segment it writes next.
    """
    rows: list[Row] = []
    for s in segmented:
        texts = [seg.text for seg in s.segments]
        for k, seg in enumerate(s.segments):
            target = add_tag(seg.tag, seg.text) if tagged else seg.text
            rows.append(Row(s.qid, context(s.question, texts[:k]), target, seg.tag))
        rows.append(Row(s.qid, context(s.question, texts), "", "STOP"))
    return rows


def dual_rows(segmented: Sequence[SegmentedCoT]) -> list[Row]:
    """Dual-path rows; ``kind`` says which model learns the row (ES or AS).

    Decoding alternates the models, ES first; a model with nothing to add writes an empty
    segment and passes the turn, and two empty segments in a row end the chain. The rows
    follow the same walk over the gold segments: a CoT that opens with AS gives the ES
    model a row with an empty target (pass), and every CoT ends with an empty target for
    each model (stop).
    """
    rows: list[Row] = []
    for s in segmented:
        texts, turn = [seg.text for seg in s.segments], "ES"
        for k, seg in enumerate(s.segments):
            if seg.tag != turn:  # the model whose turn it is has nothing to add: pass
                rows.append(Row(s.qid, context(s.question, texts[:k]), "", turn))
                turn = seg.tag
            rows.append(Row(s.qid, context(s.question, texts[:k]), seg.text, seg.tag))
            turn = "AS" if turn == "ES" else "ES"
        end = context(s.question, texts)
        rows.append(Row(s.qid, end, "", turn))
        rows.append(Row(s.qid, end, "", "AS" if turn == "ES" else "ES"))
    return rows
