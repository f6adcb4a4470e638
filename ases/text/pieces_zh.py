"""Splitting a Chinese impression (诊断意见) into pieces.

Cut points:

* after ``，`` ``。`` ``；`` (full width) and ``;`` (ASCII), except when the mark sits
  between two digits (``1，200``, ``3;4``: one number or a range, never a clause end);
* at line breaks;
* before a numbered item (``2、`` ``2.`` ``2．`` ``（2）`` ``②``) that follows white space:
  the reports lay out items on their own lines, and an item whose line ends without a mark
  ("…转移  2、左肾囊肿") must still start its own piece.

Nothing else is a cut, so ``SUVmax：3.6``, ``SUVmax:12.1``, ``4.8vs6.2``,
``2.3cm×1.8cm``, ``2023-05-12`` and ``1,200`` stay whole: ``：`` ``:`` ``.`` ``-`` ``,``
and ``、`` are never cut points. A piece is never a bare item number: ``1、`` alone (say,
``"1、\\n胰头部肿块"``) goes forward into the item it numbers. A piece of punctuation
only (the second ``。`` of ``"。。"``) closes the piece before it.

No text is lost: every white-space character is dropped (Chinese does not separate words
with spaces; the spaces in the reports are layout) and every other character lands in
exactly one piece, so ``"".join(split_chinese(text)) == strip_space(text)``. The price is
that a space between two Latin words or numbers goes too ("2023-05-12 PET/CT" →
"2023-05-12PET/CT"); metrics that compare against ``"".join(pieces)`` must strip the
prediction the same way.
"""

from __future__ import annotations

import re

_DELIMS = "，。；;"
# A numbered item marker: 1、 1. 1． （1） (1) ① … — but not the start of a decimal (1.5).
_ITEM = r"(?:\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[)）]|[\u2460-\u2473])"
_BARE_ITEM = re.compile(_ITEM + r"\Z")
# White space that contains a line break, or that comes right before a numbered item.
_CUT_SPACE = re.compile(r"\s*\n\s*|\s+(?=" + _ITEM + r")")
_SPACE = re.compile(r"\s+")
# Characters that carry meaning, for the min_chars count: CJK ideographs, Latin, digits.
_CONTENT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")
# A short piece ending in one of these opens the clause after it.
_OPENERS = ("，", ",", "：", ":")


def strip_space(text: str) -> str:
    """Drops every white-space character (``str.isspace``: spaces, tabs, line breaks,
    the ideographic space U+3000)."""
    return _SPACE.sub("", text)


def content_chars(piece: str) -> int:
    """The number of CJK ideographs, Latin letters and ASCII digits in ``piece``."""
    return len(_CONTENT.findall(piece))


def _cut_after_delims(line: str) -> list[str]:
    """Cuts a line (no white space left in it) after each delimiter not between digits."""
    out, start = [], 0
    for i, ch in enumerate(line):
        if ch not in _DELIMS:
            continue
        if 0 < i < len(line) - 1 and line[i - 1].isdigit() and line[i + 1].isdigit():
            continue  # 1，200 or 3;4: part of a number
        out.append(line[start : i + 1])
        start = i + 1
    if start < len(line):
        out.append(line[start:])
    return out


def split_chinese(text: str, min_chars: int = 0) -> list[str]:
    """Cuts a Chinese impression into pieces.

    Args:
        text: the impression.
        min_chars: a piece with fewer content characters (CJK, Latin letters, digits; see
            :func:`content_chars`) is attached to a neighbour rather than kept alone; 0
            keeps every piece as cut.

    Returns:
        The pieces in order, each holding its closing delimiter and no white space;
        ``"".join(pieces) == strip_space(text)``. Empty when ``text`` is only white space.
    """
    pieces: list[str] = []
    for line in _CUT_SPACE.split(text):
        line = strip_space(line)
        if line:
            pieces.extend(_cut_after_delims(line))
    pieces = _join_bare_items(pieces)
    return attach_short_zh(pieces, min_chars)


def _join_bare_items(pieces: list[str]) -> list[str]:
    """Moves a piece that is only an item number (``1、``) into the piece after it, and a
    piece with no content character (a stray ``。``) into the piece before it."""
    out: list[str] = []
    carry = ""
    for piece in pieces:
        piece = carry + piece
        carry = ""
        if out and not content_chars(piece) and not _BARE_ITEM.match(piece):
            piece = out.pop() + piece
        # checked after the merge too: "1" closed by a stray "、" on the next line is "1、"
        if _BARE_ITEM.match(piece):
            carry = piece
            continue
        out.append(piece)
    if carry:
        out.append(carry)
    while len(out) > 1 and _BARE_ITEM.match(out[-1]):  # nothing after it: closes the piece before
        last = out.pop()
        out[-1] += last
    return out


def attach_short_zh(pieces: list[str], min_chars: int) -> list[str]:
    """Attaches pieces with fewer than ``min_chars`` content characters to a neighbour.

    The rule of :func:`ases.text.pieces.attach_short`, counted in characters instead of
    words and joined with nothing: a short piece that ends with ``，`` ``,`` ``：`` or
    ``:`` opens the clause after it, so it goes forward into the next piece (as does a
    short first piece); any other short piece closes the one before it.

    Args:
        pieces: pieces in order.
        min_chars: the smallest piece, in :func:`content_chars`, kept on its own.

    Returns:
        The pieces with every short one merged into a neighbour; their concatenation is
        unchanged.
    """
    if min_chars <= 0 or len(pieces) < 2:
        return list(pieces)
    out: list[str] = []
    carry = ""  # short opening pieces wait for the next piece
    for piece in pieces:
        piece = carry + piece
        carry = ""
        if content_chars(piece) < min_chars:
            if out and not piece.endswith(_OPENERS):
                out[-1] += piece
            else:
                carry = piece
            continue
        out.append(piece)
    if carry:
        if out:
            out[-1] += carry
        else:
            out.append(carry)
    return out
