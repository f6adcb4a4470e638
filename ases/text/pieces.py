"""Splitting a chain of thought into pieces (sub-sentences).

English CoTs are cut after sentence ends (``.``, ``?``, ``!`` followed by white space),
at line breaks and after commas, but never inside a number: ``3.5``, ``$1,200`` and
``2:30`` stay whole. Every character of the CoT but white space lands in some piece, so
``" ".join(pieces)`` gives back the CoT up to white space.

English reports (:func:`split_report_en`) are cut the same way, and a numbered item's
marker (``1.``, ``2)``) stays with the item it opens: ``"1. Stable nodule. 2. No
effusion."`` is two pieces.
"""

from __future__ import annotations

import re

# A cut point is the white space after a delimiter. Lookbehinds keep the delimiter with
# the piece it ends; a comma or period between two digits is part of a number and never
# followed by white space, so it is never a cut point.
_EN_CUT = re.compile(r"(?<=[.?!,;])\s+|\s*\n\s*")
# Abbreviations whose period does not end a sentence.
_EN_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|etc|e\.g|i\.e|approx|No)\.)$")
# A numbered item's marker: "1." or "(2)" or "3)" alone, as a chunk before a cut.
_ITEM = re.compile(r"\(?\d{1,2}[.)]")


def split_english(cot: str, min_words: int = 0) -> list[str]:
    """Cuts an English CoT into pieces.

    Args:
        cot: the chain of thought.
        min_words: a piece with fewer words than this is attached to its neighbour (the
            piece before it, or the next one when it comes first) instead of being
            dropped, so no text is lost. 0 keeps every piece as cut.

    Returns:
        The pieces, stripped, in order; empty when the CoT is only white space.
    """
    return attach_short(_cut(cot, items=False), min_words)


def _cut(text: str, items: bool) -> list[str]:
    """The stripped chunks between cut points: white space after ``.?!,;`` (not after an
    abbreviation, nor, with ``items``, after a numbered item's marker) and line breaks."""
    pieces: list[str] = []
    start = 0
    for match in _EN_CUT.finditer(text):
        chunk = text[start : match.start()].strip()
        if "\n" not in match.group() and chunk and (
                _EN_ABBREV.search(chunk) or (items and _ITEM.fullmatch(chunk))):
            continue  # "Mr. Smith", "approx. 2 cm", "2. Stable": not a cut; scan on from start
        if chunk:
            pieces.append(chunk)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def split_report_en(text: str, min_words: int = 0) -> list[str]:
    """Cuts an English report (findings or impression) into pieces, as :func:`split_english`
    does, with every numbered item's marker kept in front of its item.

    Args:
        text: the report text.
        min_words: a shorter piece is attached to a neighbour (see :func:`attach_short`).

    Returns:
        The pieces, stripped, in order: ``" ".join(pieces) == " ".join(text.split())``.
    """
    return attach_short(_cut(text, items=True), min_words)


def attach_short(pieces: list[str], min_words: int, joiner: str = " ") -> list[str]:
    """Attaches pieces with fewer than ``min_words`` words to a neighbour.

    A short piece that ends with a comma opens the clause after it ("This means,"), so it
    goes forward into the next piece (or, the last piece, back into the one before); any
    other short piece closes the one before it.

    Args:
        pieces: pieces in order.
        min_words: the smallest piece, in white-space separated words, kept on its own.
        joiner: what goes between two attached pieces.

    Returns:
        The pieces with every short one merged into a neighbour.
    """
    if min_words <= 0 or len(pieces) < 2:
        return list(pieces)
    out: list[str] = []
    carry = ""  # short leading pieces wait for the next piece
    for piece in pieces:
        if carry:
            piece = carry + joiner + piece
            carry = ""
        if len(piece.split()) < min_words:
            if out and not piece.endswith((",", "，")):
                out[-1] = out[-1] + joiner + piece
            else:
                carry = piece
            continue
        out.append(piece)
    if carry:  # a short opening piece at the very end has nothing after it: backward
        if out:
            out[-1] = out[-1] + joiner + carry
        else:
            out.append(carry)
    return out
