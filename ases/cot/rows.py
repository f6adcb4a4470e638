"""Training rows: what the model reads (source) and writes (target)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ases.cot.context import context, join_segments
from ases.segment.base import SegmentedCoT

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


def segment_rows(segmented: Sequence[SegmentedCoT]) -> list[Row]:
    """AS-ES rows: ``context(question, segments[:k]) → segments[k]`` for every k, then a
    stop row whose target is empty, which teaches the model to end the chain."""
    rows: list[Row] = []
    for s in segmented:
        texts = [seg.text for seg in s.segments]
        for k, seg in enumerate(s.segments):
            rows.append(Row(s.qid, context(s.question, texts[:k]), seg.text, seg.tag))
        rows.append(Row(s.qid, context(s.question, texts), "", "STOP"))
    return rows
