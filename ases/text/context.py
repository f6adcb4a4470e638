"""The one function that builds a model input from a question and earlier segments.

Training rows and the decoder both call :func:`context`; the authors' code joined with
``,`` in training and with a space at inference, and that drift is exactly what a single
function prevents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COT_MARKER = "=>"
"""Separates the question from the chain of thought written so far."""


def join_segments(segments: Sequence[str]) -> str:
    """Joins segments (or pieces) into one chain of thought."""
    return " ".join(s.strip() for s in segments if s.strip())


def context(question: str, segments: Sequence[str]) -> str:
    """The model input for writing the next segment.

    Args:
        question: the problem (or report findings).
        segments: the segments written so far, oldest first; empty for the first one.

    Returns:
        ``"<question> => <segment 1> <segment 2> ..."``; with no segments the marker
        ends the text, so the first step and later steps share one shape.
    """
    cot = join_segments(segments)
    head = f"{question.strip()} {COT_MARKER}"
    return f"{head} {cot}" if cot else head


@dataclass(frozen=True)
class Prompt:
    """A model input before it is text: the question and the segments written so far.

    Encoder-decoder adapters read :attr:`text` (:func:`context`); decoder-only adapters
    tokenize the question and each segment on their own, so that a longer prompt's ids
    extend a shorter one's.
    """

    question: str
    written: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return context(self.question, self.written)

    @property
    def head(self) -> str:
        """The question and the marker: the prompt with no segment written."""
        return context(self.question, [])


END_MARKER = "[END]"
"""Closes the last segment of a dual-path CoT (:mod:`ases.text.turns`); only the model
writing that segment learns it."""

ES, AS = "ES", "AS"
"""The two segment types: extractive and abstractive (also the dual path's two models)."""

TAG_MARKERS = {ES: "[ES]", AS: "[AS]"}
"""Target prefixes of the tagged uni path: the model names the segment type it writes."""

MARKERS = (COT_MARKER, *TAG_MARKERS.values(), END_MARKER)
"""Every marker a model reads or writes; trained tokenizers see each of them."""


def add_tag(tag: str, text: str) -> str:
    """``"[AS] So 4 + 3 = 7."``: a tagged target (empty stays empty: the stop target)."""
    return f"{TAG_MARKERS[tag]} {text}" if text else text


def split_tag(text: str) -> tuple[str | None, str]:
    """The inverse of :func:`add_tag`: ``(tag or None, text without the marker)``."""
    stripped = text.strip()
    for tag, marker in TAG_MARKERS.items():
        if stripped.startswith(marker):
            return tag, stripped[len(marker):].strip()
    return None, stripped
