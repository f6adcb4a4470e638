"""Training rows: what the model reads (source) and writes (target)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ases.segment.base import SegmentedCoT
from ases.text.context import Prompt, add_tag, join_segments
from ases.text.turns import gold_turns

KINDS = ("COT", "ES", "AS", "STOP")


@dataclass(frozen=True)
class Row:
    """One training pair: what the model reads and what it writes."""

    qid: str
    prompt: Prompt
    target: str
    kind: str
    """COT (whole chain, the baseline), ES or AS (one segment), STOP (end of chain)."""
    parts: tuple[str, ...] = ()
    """A segmented baseline's target, segment by segment (``path.loss_weights=segment``
    weighs each once); empty for every other row."""

    @property
    def source(self) -> str:
        """The prompt as text (:func:`ases.text.context.context`)."""
        return self.prompt.text

    @property
    def closes(self) -> bool:
        """Whether the target ends the whole text (the baseline's CoT, the stop row) rather
        than one segment; decoder-only models end it with their end token, not the
        segment marker."""
        return self.kind in ("COT", "STOP")


class Pieced(Protocol):
    """A CoT cut into pieces (a :class:`SegmentedCoT` is one)."""

    qid: str
    question: str
    pieces: list[str]


def whole_rows(cots: Sequence[Pieced]) -> list[Row]:
    """The baseline's rows: question → whole CoT (the pieces joined). Segmented CoTs
    (``path.loss_weights=segment``) also give each row its segments as ``parts``."""
    out = []
    for c in cots:
        parts = tuple(s.text for s in c.segments) if isinstance(c, SegmentedCoT) else ()
        out.append(Row(c.qid, Prompt(c.question), join_segments(parts or c.pieces), "COT", parts))
    return out


def segment_rows(segmented: Sequence[SegmentedCoT], tagged: bool = False) -> list[Row]:
    """Uni-path rows: ``(question, segments[:k]) → segments[k]`` for every k, then a
    stop row whose target is empty, which teaches the model to end the chain.

    Args:
        segmented: the segmented train (or validation) CoTs.
        tagged: prefix every target with its type (``[ES] …`` / ``[AS] …``), so the one
            model says what kind of segment it writes next; the prompts then show the
            written segments with their tags too, as the model wrote them.
    """
    rows: list[Row] = []
    for s in segmented:
        texts = [add_tag(seg.tag, seg.text) if tagged else seg.text for seg in s.segments]
        for k, seg in enumerate(s.segments):
            rows.append(Row(s.qid, Prompt(s.question, tuple(texts[:k])), texts[k], seg.tag))
        rows.append(Row(s.qid, Prompt(s.question, tuple(texts)), "", "STOP"))
    return rows


def dual_rows(segmented: Sequence[SegmentedCoT]) -> list[Row]:
    """Dual-path rows, one per turn of :func:`ases.text.turns.gold_turns`; ``kind`` is the
    model that learns the row (ES or AS).

    A CoT that opens with AS gives the ES model one pass row (empty target); the last
    segment's target ends with the end marker. No other row has an empty target.
    """
    return [Row(s.qid, Prompt(s.question, turn.written), turn.target, turn.model)
            for s in segmented
            for turn in gold_turns([(seg.tag, seg.text) for seg in s.segments])]


def row_summary(rows: Sequence[Row]) -> dict[str, float]:
    """The share of rows with an empty target (stop or pass rows), in all and per kind,
    and the row count per kind: ``data/rows_empty_share``, ``data/rows_empty_share_es``,
    ``data/rows_train_es`` … (for the dual path, kind = the model that learns the row)."""
    out: dict[str, float] = {
        "data/rows_empty_share": sum(not r.target for r in rows) / max(len(rows), 1)}
    for kind in sorted({r.kind for r in rows}):
        mine = [r for r in rows if r.kind == kind]
        out[f"data/rows_train_{kind.lower()}"] = float(len(mine))
        out[f"data/rows_empty_share_{kind.lower()}"] = sum(not r.target for r in mine) / len(mine)
    return out
