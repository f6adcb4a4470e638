"""Decoding settings and what decoding produced for one example."""

from __future__ import annotations

from dataclasses import dataclass, field

from ases.models.greedy import ENGINES
from ases.text.context import join_segments

STOP_RULE, EMPTY, END, MAX_ROUNDS, ONE_PASS = (
    "stop_rule", "empty", "end_marker", "max_rounds", "one_pass")
"""Why an example stopped: the task's stop rule; an empty segment (uni) or two passes in a
row (dual); the end marker (dual); ``max_rounds``; or the baseline's single pass."""


@dataclass
class DecodeSettings:
    """Generation settings, the same for every path."""

    num_beams: int = 1
    """1 = greedy."""
    max_new_tokens: int = 96
    """Tokens per generated segment (iterative paths)."""
    max_rounds: int = 8
    """Segments per example at most; an example still going then stops."""
    min_new_tokens: int = 0
    """Tokens every generation call writes at least (0: the model decides; benchmarks set
    it to time fixed lengths)."""
    engine: str = "ases"
    """``ases``: greedy search by :func:`greedy_generate`, which drops finished rows at
    every step (models whose generation config changes logits, and beam search, go to
    ``generate``); ``hf``: always ``model.generate``. Both write the same tokens (up to
    rounding ties in reduced precision)."""

    def __post_init__(self) -> None:
        if self.num_beams < 1 or self.max_new_tokens < 1 or self.max_rounds < 1:
            raise ValueError(f"decode settings must be >= 1: {self}")
        if self.min_new_tokens < 0:
            raise ValueError(f"decode.min_new_tokens must be >= 0: {self.min_new_tokens}")
        if self.engine not in ENGINES:
            raise ValueError(f"decode.engine must be one of {ENGINES}, not {self.engine!r}")


@dataclass
class Trace:
    """What decoding produced for one example."""

    segments: list[str] = field(default_factory=list)
    types: list[str | None] = field(default_factory=list)
    """Each segment's type: the model that wrote it (dual), the tag it wrote (tagged uni),
    or None where the path does not say."""
    stop_reason: str = MAX_ROUNDS
    rounds: int = 0
    """``generate`` calls this example took part in."""
    turns: list[tuple[str, bool]] = field(default_factory=list)
    """Dual path: every turn, as (model, whether it wrote text); a turn without text is a
    pass."""

    @property
    def text(self) -> str:
        """The whole generated CoT."""
        return join_segments(self.segments)

    def add(self, text: str, kind: str | None) -> None:
        self.segments.append(text)
        self.types.append(kind)


# Generation-config fields that change greedy decoding away from a plain argmax; a model
