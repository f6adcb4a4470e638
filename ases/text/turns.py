"""The dual path's turn-taking: how an ES model and an AS model write one CoT together.

One state machine, :class:`Turns`, is the protocol. The training rows walk it with the
gold segments (:func:`gold_turns`) and the dual decoder walks it with what the models
write, so the two cannot drift apart (as :func:`ases.text.context.context` does for the
model input).

The protocol:

- The ES model takes the first turn; after every turn the other model takes the next.
- A turn writes one segment. A turn that writes nothing is a *pass*: the gold walk has
  one only where a gold CoT opens with AS (the ES model passes the first turn to the AS
  model). Consecutive gold segments of one type are one turn, so no other pass is needed.
- The model that writes a CoT's last segment ends it with :data:`END_MARKER`; no other
  row teaches the end, and no row has the other model's job as its target.
- The decoder lets a model pass only where the rows teach one (the first turn); at every
  other turn it holds the end token back until the model has written a visible character.
- Decoding ends a CoT at the end marker, at the task's stop rule (the decoder checks it;
  MWP: the answer statement), after two passes in a row (neither model has anything to
  add; the gold walk never does this), or at ``decode.max_rounds`` turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ases.text.context import AS, END_MARKER, ES, join_segments

FIRST = ES
"""The model that takes the first turn."""


def other(model: str) -> str:
    """The model that takes the turn after ``model``'s."""
    return AS if model == ES else ES


def add_end(text: str) -> str:
    """``"The answer is 7. [END]"``: a last segment's target."""
    return f"{text.strip()} {END_MARKER}".strip()


def split_end(text: str) -> tuple[str, bool]:
    """A model's output without the end marker, and whether it wrote one. Text after the
    marker is dropped: the marker ends the CoT where it stands."""
    head, marker, _ = text.partition(END_MARKER)
    return head.strip(), bool(marker)


@dataclass
class Turns:
    """One CoT being written by two models in turns.

    Feed each turn's output to :meth:`take`; :attr:`model` is whose turn comes next.
    """

    segments: list[str] = field(default_factory=list)
    log: list[tuple[str, bool]] = field(default_factory=list)
    """Every turn taken: (model, whether it wrote text)."""
    ended: bool = False
    """A model wrote the end marker."""

    @property
    def model(self) -> str:
        """Whose turn it is."""
        return other(self.log[-1][0]) if self.log else FIRST

    @property
    def types(self) -> list[str]:
        """The model that wrote each segment."""
        return [model for model, wrote in self.log if wrote]

    @property
    def passes(self) -> int:
        return sum(not wrote for _, wrote in self.log)

    @property
    def may_pass(self) -> bool:
        """Whether this turn may write nothing: only the first turn, where the rows teach
        the ES model to pass a CoT that opens with AS. At every other turn the decoder
        holds the end token back until the model has written a visible character."""
        return not self.log

    @property
    def gave_up(self) -> bool:
        """Two passes in a row: neither model has anything to add."""
        return len(self.log) >= 2 and not any(wrote for _, wrote in self.log[-2:])

    @property
    def done(self) -> bool:
        return self.ended or self.gave_up

    @property
    def text(self) -> str:
        return join_segments(self.segments)

    def take(self, output: str) -> str:
        """Applies the output of the model whose turn it is; returns the segment it added
        (``""`` for a pass)."""
        if self.done:
            raise ValueError("this CoT has ended; no more turns")
        text, self.ended = split_end(output)
        self.log.append((self.model, bool(text)))
        if text:
            self.segments.append(text)
        return text


@dataclass(frozen=True)
class Turn:
    """One training row of the dual path."""

    model: str
    """The model that learns it (ES or AS)."""
    written: tuple[str, ...]
    """The segments before this turn: the input is ``context(question, written)``."""
    target: str
    """What the model writes: a segment, a segment and the end marker, or ``""`` (pass)."""


def gold_turns(segments: Sequence[tuple[str, str]]) -> list[Turn]:
    """The turns that write a gold CoT, given its ``(type, text)`` segments in order.

    Raises:
        ValueError: on a CoT with no segments or a type other than ES/AS.
    """
    groups: list[tuple[str, str]] = []  # consecutive segments of one type: one turn
    for kind, text in segments:
        if kind not in (ES, AS):
            raise ValueError(f"segment type must be {ES} or {AS}, not {kind!r}")
        if groups and groups[-1][0] == kind:
            groups[-1] = (kind, join_segments([groups[-1][1], text]))
        else:
            groups.append((kind, text.strip()))
    if not groups:
        raise ValueError("a CoT needs at least one segment")
    state, out = Turns(), []
    for i, (kind, text) in enumerate(groups):
        if state.model != kind:  # only before the first group: the CoT opens with AS
            out.append(Turn(state.model, tuple(state.segments), ""))
            state.take("")
        target = add_end(text) if i == len(groups) - 1 else text
        out.append(Turn(kind, tuple(state.segments), target))
        state.take(target)
    assert state.ended and state.text == join_segments(t for _, t in groups)
    return out
